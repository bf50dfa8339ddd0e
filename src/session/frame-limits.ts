import type { Frame } from "../protocol/frame.js";
import { checkOutgoingSize } from "../protocol/outgoing-frame-check.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import { checkFrame } from "../serialization/frame-conversion.js";
import { rangeError, typeError } from "../util/describe-value.js";

/**
 * The limits a session applies to what it sends, and the checks of its limit settings. What it
 * receives is checked elsewhere: each frame's size by the transport (the frame parser reads the size
 * from the header, before buffering the payload), a message's size and UTF-8 by the default session
 * as it reassembles.
 */

/**
 * @internal Checks a frame given to `outgoing.send` before it is queued, so its sender gets the error:
 * a `TypeError` for anything but a `Frame`; an `EngineCapabilityError` from the transport for a frame
 * it cannot send at all; a `RangeError` for a control frame over 125 bytes (§5.5) or RSV bits without a
 * negotiated extension (§5.2); a `FrameTooBigError` for a frame over the transport's `maxFrameSize`.
 */
export function checkOutgoingFrame(frame: unknown, transport: FrameTransport, rsvAllowed: boolean): asserts frame is Frame {
  checkFrame(frame);
  transport.checkWritable?.(frame);
  if ((frame.rsv1 || frame.rsv2 || frame.rsv3) && !rsvAllowed) {
    throw new RangeError("RSV bits may only be set by a negotiated extension, and none was agreed on this session");
  }
  checkOutgoingSize(frame, transport.maxFrameSize);
}

/** @internal A size limit as a session takes it: a whole number of bytes >= 1. */
export function checkByteLimit(bytes: unknown, what: string): number {
  if (typeof bytes !== "number") throw typeError(what, "a whole number of bytes >= 1", bytes);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw rangeError(what, "a whole number of bytes >= 1", bytes);
  return bytes;
}

/** @internal A timeout in milliseconds as a session takes it: a positive, finite number. */
export function checkTimeoutMillis(millis: unknown): number {
  if (typeof millis !== "number") throw typeError("timeoutMillis", "a positive number of milliseconds", millis);
  if (!Number.isFinite(millis) || millis <= 0) throw rangeError("timeoutMillis", "a positive, finite number of milliseconds", millis);
  return millis;
}
