// How `kite` writes a received message: one record per message in a pipe, JSON Lines events.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/protocol/frame.js";
import { messageEvent, oneRecord } from "../../src/cli/message-output.js";

describe("message output", () => {
  test("oneRecord: newlines (and CRs) escaped for lines, NULs for -0 records", () => {
    assert.equal(oneRecord("a\nb\r\nc", false), "a\\nb\\r\\nc");
    assert.equal(oneRecord("a\nb\0c", true), "a\nb\\0c");
  });

  test("messageEvent: text as it is, binary in base64, extra fields (a client id) before the payload", () => {
    assert.deepEqual(messageEvent(new Frame.Text(true, new TextEncoder().encode("hé\n"))), { event: "message", type: "text", data: "hé\n" });
    assert.deepEqual(messageEvent(new Frame.Binary(true, new Uint8Array([0, 255])), { client: 3 }), { event: "message", client: 3, type: "binary", data: "AP8=" });
  });
});
