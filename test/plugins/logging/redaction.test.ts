import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Redactor } from "../../../src/plugins/logging/redaction.js";

const redactor = new Redactor([{ predicate: (name) => name === "x-tenant", placeholder: "<tenant>" }], [(name) => name === "room"]);

describe("Redactor", () => {
  test("URLs lose their credentials, and secret-looking query parameters their values", () => {
    assert.equal(redactor.url("wss://alice:hunter2@example.test/feed"), "wss://example.test/feed");
    assert.equal(redactor.url(new URL("ws://alice@example.test/")), "ws://example.test/");
    assert.equal(
      redactor.url("ws://h/p?access_token=t0k&apiKey=k3y&X-Amz-Signature=s1g&code=c0de&sid=1&page=2&q=a%20b"),
      "ws://h/p?access_token=***&apiKey=***&X-Amz-Signature=***&code=***&sid=***&page=2&q=a%20b",
    );
    // Names are matched decoded; the user's predicate adds names.
    assert.equal(redactor.url("ws://h/?%74oken=x&room=secret-room&flag"), "ws://h/?%74oken=***&room=***&flag");
    assert.equal(redactor.url("ws://h/?password"), "ws://h/?password=***");
  });

  test("something that is not a URL is not shown at all", () => {
    assert.equal(redactor.url("not a url with a s3cret"), "***");
  });

  test("credential headers are always redacted, secret-looking ones too, and the user's", () => {
    for (const name of ["Authorization", "proxy-authorization", "Cookie", "set-cookie", "X-Api-Key", "X-Auth-Token", "x-client-secret", "X-Session-Id"]) {
      assert.equal(redactor.headerValue(name, "s3cret"), "***", name);
    }
    assert.equal(redactor.headerValue("X-Tenant", "acme"), "<tenant>");
    assert.equal(redactor.headerValue("content-type", "text/plain"), "text/plain");
    assert.equal(redactor.headerValue("www-authenticate", 'Basic realm="x"'), 'Basic realm="x"');
    assert.deepEqual(redactor.headerLines(new Headers({ Cookie: "a=1", Accept: "*/*" })), ["accept: */*", "cookie: ***"]);
  });

  test("URLs inside free text (error messages) are redacted", () => {
    assert.equal(
      redactor.text("Redirect to wss://u:p4ss@other.test/x?token=t0k refused"),
      "Redirect to wss://other.test/x?token=*** refused",
    );
    assert.equal(redactor.text("connect ECONNREFUSED 127.0.0.1:9"), "connect ECONNREFUSED 127.0.0.1:9");
  });
});
