import type { Frame } from "../protocol/frame.js";

/**
 * Turns values into frames and back, for `sendSerialized` and `receiveDeserialized`
 * (Ktor's `WebsocketContentConverter`). A converter may use text or binary frames.
 */
export interface WebSocketContentConverter {
  /** The frame that carries `value`. Throws when the value cannot be serialized. */
  serialize(value: unknown): Frame.Text | Frame.Binary;
  /** The value a frame carries. Throws when the frame does not parse. */
  deserialize(frame: Frame.Text | Frame.Binary): unknown;
  /** Whether this converter reads frames of this kind (e.g. only text). */
  isApplicable(frame: Frame): boolean;
}
