import type { Frame } from "../protocol/frame.js";
import type { CloseReason } from "../protocol/close-reason.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import type { ReadGate } from "./read-gate.js";

/** What the calls layer is told by the link it reads from. */
export interface LinkListener {
  /** A frame from the peer (any connection). */
  onFrame(frame: Frame): void;
  /** The connection tagged `epoch` ended: calls it carried get no answer. */
  onConnectionLost(epoch: number, reason: CloseReason | null, error: Error | null): void;
  /**
   * A new connection is being set up (a reconnecting session's `onOpen`), before anything queued goes
   * out: the listener makes its subscriptions again over `session` and resolves when they are settled.
   */
  onReconnect(session: WebSocketSession): Promise<void>;
  /** No more connections: the link is over, with why (null after a clean close). */
  onEnded(reason: CloseReason | null, error: Error | null): void;
}

/**
 * One session or a reconnecting one, as the calls layer sees it: text out, frames in (read only
 * while the gate is open), and connections that end and come back.
 */
export interface RpcLink {
  /** Sends one message; rejects when it cannot (the session is closed, the replay queue is full). */
  send(text: string): Promise<void>;
  /** The tag of the connection a message sent now goes out on. */
  readonly sendEpoch: number;
  /** Starts reading, reporting to `listener`. */
  start(listener: LinkListener, gate: ReadGate): void;
  /** The log of the connection a message sent now goes out on, when the Logging plugin logs it; else null. */
  lineLog(): ((line: string) => void) | null;
  /** Closes the session (or the reconnecting session) with 1000; resolves when it has ended. */
  close(): Promise<void>;
}
