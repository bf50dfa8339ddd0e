import type { Frame } from "./frame.js";
import { isControlOpcode } from "./frame-type.js";
import { FrameTooBigError } from "../errors.js";

/** RFC 6455 §5.5: a control frame's payload is at most this many bytes. */
export const MAX_CONTROL_PAYLOAD = 125;

/**
 * The size rules every outgoing frame is held to, by any session, before it is queued: a control
 * frame's payload is at most 125 bytes (a `RangeError`), and no frame is larger than the
 * connection's `maxFrameSize` (a `FrameTooBigError`). Either refuses that one frame; the session
 * stays usable.
 */
export function checkOutgoingSize(frame: Frame, maxFrameSize: number): void {
  const size = frame.byteLength;
  if (isControlOpcode(frame.frameType) && size > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`A control frame's payload is at most ${MAX_CONTROL_PAYLOAD} bytes, got ${size}`);
  }
  if (size > maxFrameSize) {
    throw new FrameTooBigError(`Frame of ${size} bytes exceeds maxFrameSize ${maxFrameSize}`, size, maxFrameSize);
  }
}
