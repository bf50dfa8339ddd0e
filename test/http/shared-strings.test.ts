// Strings that repeat from request to request are kept once per process; the header list keeps its
// content, and values that are secrets or unique to one request never enter the process-wide cache.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isSharedString, sharedString, shareHeaderStrings } from "../../src/http/shared-strings.js";

describe("shared strings", () => {
  test("header names and the repeating values are shared; keys, cookies and credentials are not", () => {
    const key = `k${Math.random()}==`;
    const secret = `Bearer ${Math.random()}`;
    const cookie = `session=${Math.random()}`;
    const host = `h${Math.random()}.example:8080`;
    const raw = ["Host", host, "Upgrade", "websocket", "Sec-WebSocket-Key", key, "Authorization", secret, "Cookie", cookie];
    const before = [...raw];
    shareHeaderStrings(raw);
    assert.deepEqual(raw, before, "the same content, in the same order");
    assert.ok(isSharedString("Host") && isSharedString(host) && isSharedString("websocket") && isSharedString("Authorization"));
    for (const value of [key, secret, cookie]) assert.equal(isSharedString(value), false, `${value} stays out of the cache`);
  });

  test("the cache is bounded: a client that varies every value leaves at most its limit behind", () => {
    for (let n = 0; n < 5_000; n++) shareHeaderStrings(["User-Agent", `agent ${n}`]);
    let kept = 0;
    for (let n = 0; n < 5_000; n++) if (isSharedString(`agent ${n}`)) kept++;
    assert.ok(kept > 0 && kept <= 1024, `${kept} kept`);
    assert.equal(sharedString("x".repeat(3)), "xxx");
  });
});
