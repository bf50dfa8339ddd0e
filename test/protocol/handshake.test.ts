import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { computeAccept, generateWebSocketKey, headerHasToken, isValidSubprotocol } from "../../src/protocol/handshake.js";

describe("computeAccept", () => {
  test("matches the worked example of RFC 6455 §1.3", () => {
    assert.equal(computeAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  test("depends on the key", () => {
    assert.notEqual(computeAccept("AAAAAAAAAAAAAAAAAAAAAA=="), computeAccept("AAAAAAAAAAAAAAAAAAAAAQ=="));
    // A SHA-1 digest is 20 bytes: 28 base64 characters.
    assert.equal(Buffer.from(computeAccept(generateWebSocketKey()), "base64").length, 20);
  });
});

describe("generateWebSocketKey", () => {
  test("is the base64 of 16 bytes", () => {
    const key = generateWebSocketKey();
    assert.match(key, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(Buffer.from(key, "base64").length, 16);
    assert.equal(Buffer.from(key, "base64").toString("base64"), key);
  });

  test("differs each time", () => {
    const keys = new Set(Array.from({ length: 100 }, generateWebSocketKey));
    assert.equal(keys.size, 100);
  });
});

describe("headerHasToken", () => {
  test("finds a token in a comma-separated list, ignoring case and spaces", () => {
    assert.equal(headerHasToken("Upgrade", "upgrade"), true);
    assert.equal(headerHasToken("keep-alive, Upgrade", "upgrade"), true);
    assert.equal(headerHasToken("keep-alive,upgrade", "Upgrade"), true);
    assert.equal(headerHasToken("  UPGRADE  ", "upgrade"), true);
    assert.equal(headerHasToken("websocket", "WebSocket"), true);
  });

  test("matches whole tokens only", () => {
    assert.equal(headerHasToken(null, "upgrade"), false);
    assert.equal(headerHasToken("", "upgrade"), false);
    assert.equal(headerHasToken("keep-alive", "upgrade"), false);
    assert.equal(headerHasToken("upgraded", "upgrade"), false);
    assert.equal(headerHasToken("no-upgrade, close", "upgrade"), false);
    assert.equal(headerHasToken("upgrade; q=1", "upgrade"), false);
  });
});

describe("isValidSubprotocol", () => {
  test("HTTP tokens are valid", () => {
    for (const name of ["chat", "v2.json.example.com", "graphql-ws", "mqtt", "a!#$%&'*+-.^_`|~9"]) {
      assert.equal(isValidSubprotocol(name), true, name);
    }
  });

  test("empty names and separators are not", () => {
    for (const name of ["", "a b", "a,b", "a;b", "a/b", "(x)", "é", "a\r\n", "a:b", '"x"']) {
      assert.equal(isValidSubprotocol(name), false, JSON.stringify(name));
    }
  });
});
