import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame, CloseReason } from "../../../src/index.js";
import { describeCloseFrame, describeCloseReason, describeFrame, printable, LONG_PREVIEW, SHORT_PREVIEW } from "../../../src/plugins/logging/line-format.js";

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe("frame lines", () => {
  test("text: type, fin, size, and the text quoted with its controls escaped", () => {
    assert.equal(describeFrame(new Frame.Text("hello"), SHORT_PREVIEW), 'TEXT fin=true 5 bytes "hello"');
    assert.equal(describeFrame(new Frame.Text('a"b\n\x1b[2J'), SHORT_PREVIEW), 'TEXT fin=true 8 bytes "a\\"b\\n\\u001b[2J"');
    // C1 controls and bidirectional overrides cannot reorder or forge log lines either.
    assert.equal(describeFrame(new Frame.Text("x\u202ey\u009b"), SHORT_PREVIEW), 'TEXT fin=true 7 bytes "x\\u202ey\\u009b"');
    assert.equal(describeFrame(new Frame.Text(false, new TextEncoder().encode("wörld")), SHORT_PREVIEW), 'TEXT fin=false 6 bytes "wörld"');
    assert.equal(describeFrame(new Frame.Text(""), SHORT_PREVIEW), "TEXT fin=true 0 bytes");
  });

  test("long text is cut, from a string or from bytes, without splitting a character", () => {
    const line = describeFrame(new Frame.Text("a".repeat(1000)), SHORT_PREVIEW);
    assert.equal(line, `TEXT fin=true 1000 bytes "${"a".repeat(64)}"…`);
    const emoji = describeFrame(new Frame.Text(true, new TextEncoder().encode("🌍".repeat(100))), SHORT_PREVIEW);
    assert.equal(emoji, `TEXT fin=true 400 bytes "${"🌍".repeat(32)}"…`);
    assert.equal(describeFrame(new Frame.Text("a".repeat(2000)), LONG_PREVIEW).length, "TEXT fin=true 2000 bytes ".length + 1024 + 3);
  });

  test("a huge frame makes a short line", () => {
    const big = new Frame.Text(true, new Uint8Array(16 * 1024 * 1024).fill(0x61));
    assert.ok(describeFrame(big, SHORT_PREVIEW).length < 120);
    const binary = new Frame.Binary(true, new Uint8Array(16 * 1024 * 1024));
    assert.equal(describeFrame(binary, SHORT_PREVIEW), `BINARY fin=true 16777216 bytes ${"00 ".repeat(16)}…`);
  });

  test("binary as a few hex bytes", () => {
    assert.equal(describeFrame(new Frame.Binary(true, bytes(1, 2, 0xff)), SHORT_PREVIEW), "BINARY fin=true 3 bytes 01 02 ff");
    assert.equal(describeFrame(new Frame.Binary(true, bytes(7)), SHORT_PREVIEW), "BINARY fin=true 1 byte 07");
  });

  test("pings and pongs: printable ASCII as text, anything else as hex", () => {
    assert.equal(describeFrame(new Frame.Ping(new TextEncoder().encode("kite-ping 1")), SHORT_PREVIEW), 'PING fin=true 11 bytes "kite-ping 1"');
    assert.equal(describeFrame(new Frame.Pong(bytes(0, 1)), SHORT_PREVIEW), "PONG fin=true 2 bytes 00 01");
  });

  test("close frames: code, name and reason; malformed ones say so", () => {
    assert.equal(describeCloseFrame(new Frame.Close(new CloseReason(1000, "bye")), SHORT_PREVIEW), 'CLOSE 1000 NORMAL "bye"');
    assert.equal(describeCloseFrame(new Frame.Close(new CloseReason(4001, "")), SHORT_PREVIEW), "CLOSE 4001");
    assert.equal(describeCloseFrame(new Frame.Close(bytes()), SHORT_PREVIEW), "CLOSE 1005 NO_STATUS_RECEIVED");
    assert.equal(describeCloseFrame(new Frame.Close(bytes(3)), SHORT_PREVIEW), "CLOSE malformed, 1 bytes 03");
    assert.equal(describeCloseReason(new CloseReason(1011, "x".repeat(100))), `1011 INTERNAL_ERROR "${"x".repeat(64)}"…`);
  });

  test("what a peer controls outside payloads is made printable", () => {
    assert.equal(printable("ok\x1b[2J\r\nforged\u202e"), "ok\\u001b[2J\\u000d\\u000aforged\\u202e");
    assert.equal(printable("plain: text, ünïcode 🌍"), "plain: text, ünïcode 🌍");
  });
});
