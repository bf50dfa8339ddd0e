// checkOutgoingSize: the size rules a session checks before it queues a frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkOutgoingSize } from "../../src/protocol/outgoing-frame-check.js";
import { Frame } from "../../src/protocol/frame.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { FrameTooBigError } from "../../src/errors.js";

const bytes = (length: number): Uint8Array => new Uint8Array(length);

test("control frames carry at most 125 bytes of payload", () => {
  checkOutgoingSize(new Frame.Ping(bytes(125)), Infinity);
  checkOutgoingSize(new Frame.Pong(bytes(125)), Infinity);
  checkOutgoingSize(new Frame.Close(new CloseReason(1000, "x".repeat(123))), Infinity);
  checkOutgoingSize(new Frame.Close(bytes(125)), Infinity);
  for (const frame of [new Frame.Ping(bytes(126)), new Frame.Pong(bytes(126)), new Frame.Close(bytes(126))]) {
    assert.throws(() => checkOutgoingSize(frame, Infinity), { name: "RangeError", message: "A control frame's payload is at most 125 bytes, got 126" });
  }
});

test("data frames are not held to the control bound", () => {
  checkOutgoingSize(new Frame.Text(true, bytes(126)), Infinity);
  checkOutgoingSize(new Frame.Binary(false, bytes(70_000)), Infinity);
});

test("no frame exceeds maxFrameSize: FrameTooBigError with the size and the limit", () => {
  checkOutgoingSize(new Frame.Binary(true, bytes(1024)), 1024);
  assert.throws(
    () => checkOutgoingSize(new Frame.Binary(true, bytes(1025)), 1024),
    (error: unknown) => error instanceof FrameTooBigError && error.size === 1025 && error.limit === 1024 && error.message === "Frame of 1025 bytes exceeds maxFrameSize 1024",
  );
  assert.throws(() => checkOutgoingSize(new Frame.Ping(bytes(10)), 5), FrameTooBigError);
});
