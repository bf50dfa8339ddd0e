import type { ReceiveChannel } from "../session/channel.js";
import { WebSocketSession } from "../session/websocket-session.js";
import { DefaultWebSocketSession } from "../session/default-session.js";
import type { SendContent } from "../serialization/frame-conversion.js";
import type { NegotiatedExtension } from "../extensions/extension.js";
import type { Frame } from "../protocol/frame.js";
import { CloseReason, closeReasonOf } from "../protocol/close-reason.js";
import { ClosedReceiveChannelError } from "../errors.js";
import { typeError } from "../util/describe-value.js";

/**
 * What `toStreams` (and `toDuplex` in `kite-ws/node`) take: any session with `incoming`, `send`,
 * `close` and `closeReason`. A client's or a server's `DefaultWebSocketSession` (any engine, and
 * MockEngine's) and a `ReconnectingWebSocketSession` are all of this shape.
 */
export interface StreamableSession {
  /** Whole messages from the peer; ends (or throws, after a failure) when the session closes. */
  readonly incoming: ReceiveChannel<Frame>;
  /** Resolves with the reason the session closed. */
  readonly closeReason: Promise<CloseReason | null>;
  /** Sends a message; waits while `outgoing` is full. */
  send(content: SendContent): Promise<void>;
  /** Closes with `reason` (1000 when left out) and resolves when the session has ended. */
  close(reason?: CloseReason): Promise<void>;
  /** The subprotocol of a single-connection session. */
  readonly protocol?: string | null;
  /** The extensions of a single-connection session. */
  readonly extensions?: readonly NegotiatedExtension[];
  /** A reconnecting session's open connection, or null between connections. */
  readonly session?: WebSocketSession | null;
}

/**
 * @internal The session, checked: a `TypeError` naming `name` for anything else, and for a raw
 * session (`webSocketRaw`), whose `incoming` carries fragments and control frames, not messages.
 */
export function checkStreamableSession(session: unknown, name: string): StreamableSession {
  const expected = "a WebSocket session (client, server or MockEngine) or a ReconnectingWebSocketSession";
  if (session === null || typeof session !== "object") throw typeError(name, expected, session);
  const candidate = session as Partial<Record<keyof StreamableSession, unknown>>;
  const incoming = candidate.incoming as Partial<Record<"receive" | "tryReceive", unknown>> | null | undefined;
  if (
    typeof candidate.send !== "function" ||
    typeof candidate.close !== "function" ||
    typeof incoming?.receive !== "function" ||
    typeof incoming.tryReceive !== "function"
  ) {
    throw typeError(name, expected, session);
  }
  if (session instanceof WebSocketSession && !(session instanceof DefaultWebSocketSession)) {
    throw typeError(name, `${expected}, not a raw one (webSocketRaw): streams carry whole messages`, session);
  }
  return session as StreamableSession;
}

/** @internal The connection whose subprotocol and extensions count now: the session, or a reconnecting one's open connection. */
export function connectionOf(session: StreamableSession): { protocol: string | null; extensions: readonly NegotiatedExtension[] } {
  const current = session instanceof WebSocketSession ? session : (session.session ?? null);
  if (current !== null) return current;
  return { protocol: session.protocol ?? null, extensions: session.extensions ?? [] };
}

/**
 * @internal What ended `incoming`, from the error `receive()` threw: null for a clean end (the close
 * handshake, `close()`, `terminate()`), else the failure itself (`ConnectionClosedError`,
 * `PingTimeoutError`, `ProtocolViolationError`, ...), not the channel's wrapper.
 */
export function failureOf(error: unknown): Error | null {
  if (error instanceof ClosedReceiveChannelError) return error.cause instanceof Error ? error.cause : null;
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * @internal The Close a stream's `abort(reason)` / `cancel(reason)` / `destroy(error)` sends:
 * - nothing (`undefined`, `null`): 1000;
 * - a `CloseReason`: itself;
 * - `{ closeCode, reason? }` (WHATWG's `WebSocketError` and `WebSocketCloseInfo`): that code and reason;
 * - anything else (an `Error`, a string): 1011 with no reason text, so nothing of the application's
 *   errors reaches the peer.
 *
 * A code a Close frame may not carry (1005, 1006, 999, ...) throws the `RangeError` of `close()`.
 */
export function closeReasonForAbort(reason: unknown): CloseReason {
  if (reason === undefined || reason === null) return new CloseReason(CloseReason.Codes.NORMAL, "");
  if (reason instanceof CloseReason) return closeReasonOf(reason, undefined);
  const info = reason as { closeCode?: unknown; reason?: unknown };
  if (typeof reason === "object" && info.closeCode !== undefined) {
    if (typeof info.closeCode !== "number") throw typeError("abort(reason): reason.closeCode", "a close code", info.closeCode);
    if (info.reason !== undefined && typeof info.reason !== "string") throw typeError("abort(reason): reason.reason", "a string", info.reason);
    return closeReasonOf(new CloseReason(info.closeCode, info.reason ?? ""), undefined);
  }
  return new CloseReason(CloseReason.Codes.INTERNAL_ERROR, "");
}

/**
 * @internal Closes `session` as a stream's abort, cancel or destroy asks (see `closeReasonForAbort`).
 * A reason that cannot be sent still closes the session (1011), and the promise rejects with the
 * `RangeError` / `TypeError`.
 */
export function closeForAbort(session: StreamableSession, reason: unknown): Promise<void> {
  let close: CloseReason;
  try {
    close = closeReasonForAbort(reason);
  } catch (error) {
    return session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, "")).then(() => Promise.reject(error as Error));
  }
  return session.close(close);
}
