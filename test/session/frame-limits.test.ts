// What a session refuses to queue, and in which order it says so: the frame's type first, then what
// the engine cannot send, then the protocol's limits (control payloads, RSV bits), then maxFrameSize.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { checkByteLimit, checkOutgoingFrame, checkTimeoutMillis } from "../../src/session/frame-limits.js";
import { Frame } from "../../src/protocol/frame.js";
import { EngineCapabilityError, FrameTooBigError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

describe("checkOutgoingFrame", () => {
  test("accepts what may be sent, up to the limits exactly", () => {
    const transport = new FakeTransport();
    transport.maxFrameSize = 10;
    for (const frame of [new Frame.Text("0123456789"), new Frame.Binary(new Uint8Array(0)), new Frame.Ping(new Uint8Array(10)), new Frame.Close()]) {
      checkOutgoingFrame(frame, transport, false);
    }
    transport.maxFrameSize = 1000;
    checkOutgoingFrame(new Frame.Pong(new Uint8Array(125)), transport, false);
    checkOutgoingFrame(new Frame.Binary(true, new Uint8Array(1), true, false, true), transport, true);
  });

  test("refuses each kind of wrong frame with its own error, checked in order", () => {
    const transport = new FakeTransport();
    transport.maxFrameSize = 100;
    assert.throws(() => checkOutgoingFrame("text", transport, false), TypeError);
    assert.throws(() => checkOutgoingFrame(new Frame.Ping(new Uint8Array(126)), transport, false), /control frame's payload is at most 125 bytes, got 126/);
    assert.throws(() => checkOutgoingFrame(new Frame.Text(true, new Uint8Array(1), false, true), transport, false), /RSV bits may only be set by a negotiated extension/);
    assert.throws(
      () => checkOutgoingFrame(new Frame.Binary(new Uint8Array(101)), transport, false),
      (error: unknown) => error instanceof FrameTooBigError && /101 bytes exceeds maxFrameSize 100/.test(error.message),
    );
    // What the engine cannot send is said before the protocol's limits.
    transport.checkWritable = () => {
      throw new EngineCapabilityError("Test", "pingFrames");
    };
    assert.throws(() => checkOutgoingFrame(new Frame.Ping(new Uint8Array(126)), transport, false), EngineCapabilityError);
    assert.throws(() => checkOutgoingFrame(42, transport, false), TypeError, "the frame's type before anything else");
  });
});

describe("the limit settings", () => {
  test("checkByteLimit takes whole numbers >= 1", () => {
    assert.equal(checkByteLimit(1, "maxFrameSize"), 1);
    assert.throws(() => checkByteLimit("1", "maxFrameSize"), TypeError);
    for (const bad of [0, -1, 1.5, Infinity, NaN]) assert.throws(() => checkByteLimit(bad, "maxFrameSize"), RangeError, String(bad));
  });

  test("checkTimeoutMillis takes positive, finite numbers", () => {
    assert.equal(checkTimeoutMillis(0.5), 0.5);
    assert.throws(() => checkTimeoutMillis(null), TypeError);
    for (const bad of [0, -5, Infinity, NaN]) assert.throws(() => checkTimeoutMillis(bad), RangeError, String(bad));
  });
});
