import { WebSocketError, type WebSocketErrorCode } from "../../errors.js";

/**
 * `send()` on a reconnecting session whose replay queue is full while its overflow policy is
 * `"fail"`. The session carries on; only this message was refused.
 */
export class QueueOverflowError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_QUEUE_OVERFLOW";
  /** Which bound was reached: the number of messages or the number of bytes. */
  readonly limit: "messages" | "bytes";
  /** The bound's value. */
  readonly max: number;
  constructor(message: string, limit: "messages" | "bytes", max: number) {
    super(message);
    this.limit = limit;
    this.max = max;
  }
}

/**
 * A reconnecting session stopped on its own: `maxAttempts` attempts in a row failed, or
 * `shouldReconnect` said no to a failure. `cause` is the last failure (an `Error` or a `CloseReason`).
 * A reconnecting session's `incoming` ends with this (as its `cause`) in those cases.
 */
export class ReconnectGaveUpError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_RECONNECT_GAVE_UP";
  /** Attempts made in the last streak (since the last connection that stayed up for `minUptime`). */
  readonly attempts: number;
  /** Why no further attempt was made. */
  readonly why: "maxAttempts" | "policy";
  constructor(message: string, attempts: number, why: "maxAttempts" | "policy", options?: { cause?: unknown }) {
    super(message, options);
    this.attempts = attempts;
    this.why = why;
  }
}
