import { WebSocketError } from "../errors.js";

/**
 * `value` if it is an `Error`, else a `WebSocketError` with its text: what was thrown (anything, in
 * JavaScript) as an error that events and rejections can carry.
 *
 * @example
 * toError("boom").message; // "boom"
 */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new WebSocketError(String(value));
}
