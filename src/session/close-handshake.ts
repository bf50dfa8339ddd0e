import type { Channel } from "./channel.js";
import type { CloseWrittenListener, OutgoingPump } from "./outgoing-pump.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason, truncateUtf8, MAX_CLOSE_MESSAGE_BYTES } from "../protocol/close-reason.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import { CloseTimeoutError, ConnectionClosedError } from "../errors.js";
import { afterPendingWork } from "../util/scheduling.js";
import { backgroundTimer } from "../util/timers.js";

/**
 * Where a session's close handshake stands (RFC 6455 §7):
 * - `open`: no Close either way;
 * - `close-queued`: our Close waits behind the frames queued before it;
 * - `close-sent`: ours is written, the peer's is awaited;
 * - `close-received`: the peer's arrived, ours is not queued yet (a default session answers once the
 *   user has read what came before it; a raw session leaves the answer to the user);
 * - `reply-queued`: the peer's arrived, and ours waits behind the frames queued before it;
 * - `handshake-done`: Close frames went both ways; the connection is ending (§7.1.1);
 * - `failed`: the session failed the connection (§7.1.7) or was terminated: no handshake, the
 *   connection is ending;
 * - `ended`: the connection is gone.
 */
export type CloseState = "open" | "close-queued" | "close-sent" | "close-received" | "reply-queued" | "handshake-done" | "failed" | "ended";

/**
 * How long a failed connection waits for the peer to close its side before it is cut: long enough for
 * our Close to be read (cutting at once can turn unread data into a reset that loses it), short
 * because no answer is awaited.
 */
export const FAIL_GRACE_MILLIS = 1000;

/** What the close handshake stops when the session stops being alive: the default session's pings. */
export interface Stoppable {
  stop(): void;
}

/**
 * @internal A session's close handshake, in one place: the states above, one deadline, and what the
 * session reports at the end (`closeReason`, how `incoming` ends, `close()`'s promise). Everything
 * that closes goes through one of two funnels, as undici's `connection.js` does:
 * - {@link close}: a Close after the frames queued before it, and a deadline of `timeoutMillis` for the
 *   peer's answer and the end of the connection; past it the connection is cut and `incoming` fails
 *   with `CloseTimeoutError`;
 * - {@link fail}: _Fail the WebSocket Connection_ (§7.1.7): the queue is dropped, a Close with the
 *   error's code goes out at once, and the connection ends within {@link FAIL_GRACE_MILLIS}.
 *
 * The peer's Close is answered with its own code (§5.5.1) by a default session once the user has
 * taken every frame that came before it (and the code that took them had its turn), or after
 * `timeoutMillis` for a reader that never drains. The session reports 1006 when the connection ends
 * without a Close received (§7.1.5); with the peer's Close it reports the peer's reason, unless ours
 * went first, which it then reports once answered.
 */
export class CloseHandshake implements CloseWrittenListener {
  /** Deadline of the handshake (and of a pong), read when a deadline starts. */
  timeoutMillis: number;
  /** Stopped when the peer's Close arrives, the session fails, or the connection ends. */
  heartbeat: Stoppable | null = null;
  private current: CloseState = "open";
  private readonly transport: FrameTransport;
  private readonly outgoing: OutgoingPump;
  private readonly incoming: Channel<Frame>;
  /** A default session answers the peer's Close itself and stops reading at it; a raw one does neither. */
  private readonly answersPeer: boolean;
  /** The peer's Close has arrived. */
  private peerClosed = false;
  /** Our answer to the peer's Close, waiting for the user to drain `incoming`. */
  private reply: Frame.Close | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  /** The deadline cut the connection before the handshake completed. */
  private timedOut = false;
  /** The reason of the Close we sent first, reported once the peer answers it. */
  private sentReason: CloseReason | null = null;
  private reasonSettled = false;
  /** What `closeReason` resolves with, once settled. */
  private settledReason: CloseReason | null = null;
  private reasonPromise: Promise<CloseReason | null> | null = null;
  private resolveReason: ((reason: CloseReason | null) => void) | null = null;
  private endWaiters: (() => void)[] | null = null;
  /** The peer's protocol error, acted on at the end of the turn (`failAfterDelivered`). */
  private pendingFailure: Error | null = null;

  constructor(transport: FrameTransport, outgoing: OutgoingPump, incoming: Channel<Frame>, timeoutMillis: number, answersPeer: boolean) {
    this.transport = transport;
    this.outgoing = outgoing;
    this.incoming = incoming;
    this.timeoutMillis = timeoutMillis;
    this.answersPeer = answersPeer;
    outgoing.listener = this;
  }

  get state(): CloseState {
    return this.current;
  }

  /** Whether the peer's Close has arrived: a default session reads nothing after it. */
  get closeReceived(): boolean {
    return this.peerClosed;
  }

  /**
   * The reason the session closed: the close handshake's, or 1006 when there was none. The same promise
   * on every read, made on the first (an idle session that nobody asks keeps none).
   */
  get reason(): Promise<CloseReason | null> {
    if (this.reasonPromise === null) {
      this.reasonPromise = this.reasonSettled
        ? Promise.resolve(this.settledReason)
        : new Promise((resolve) => (this.resolveReason = resolve));
    }
    return this.reasonPromise;
  }

  /** Resolves when the connection is gone. */
  whenEnded(): Promise<void> {
    if (this.current === "ended") return Promise.resolve();
    return new Promise((resolve) => (this.endWaiters ??= []).push(resolve));
  }

  // --- the two funnels ---

  /**
   * Closes with `frame` after the frames queued so far; after the peer's Close, a default session sends
   * its pending answer (the peer's code) instead. Later calls change nothing.
   */
  close(frame: Frame.Close): void {
    if (this.current === "open") {
      this.current = "close-queued";
    } else if (this.current === "close-received") {
      if (this.reply !== null) frame = this.reply;
      this.reply = null;
      this.current = "reply-queued";
    } else {
      return;
    }
    this.outgoing.queueClose(frame);
    // Bounded from now, not from when the frame is written: a peer that stops reading must not hang close().
    this.startDeadline(this.timeoutMillis);
  }

  /**
   * _Fail the WebSocket Connection_ (§7.1.7) with `error`: `closeReason` and the Close frame carry
   * `code` (the error's `closeCode`, else 1011 INTERNAL_ERROR) and its message; `incoming` and pending
   * sends fail with `error`. `cut`: the peer is presumed dead, so the connection is cut at once.
   */
  fail(error: Error, code = (error as { closeCode?: number }).closeCode ?? CloseReason.Codes.INTERNAL_ERROR, cut = false): void {
    if (this.current === "ended" || this.current === "failed") return;
    this.current = "failed";
    const reason = new CloseReason(code, truncateUtf8(error.message, MAX_CLOSE_MESSAGE_BYTES));
    this.settle(reason);
    this.reply = null;
    this.incoming.close(error);
    this.heartbeat?.stop();
    // Nothing queued may follow the Close (§5.5.1): the queue goes with it.
    this.outgoing.abort(error, new Frame.Close(reason));
    this.transport.end(0);
    this.startDeadline(Math.min(this.timeoutMillis, FAIL_GRACE_MILLIS));
    if (cut) this.transport.destroy();
  }

  /** Cuts the connection now: no Close frame, queued frames dropped, closeReason 1006. */
  terminate(): void {
    if (this.current === "ended") return;
    this.current = "failed";
    this.reply = null;
    this.settle(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, "Terminated"));
    this.incoming.close();
    this.outgoing.cancel();
    this.transport.destroy();
  }

  // --- what happened ---

  /** The peer's Close arrived, with its reason (null when a raw session got one that does not parse). */
  onCloseReceived(reason: CloseReason | null): void {
    if (this.peerClosed) return;
    this.peerClosed = true;
    if (this.current === "open") {
      this.current = "close-received";
      if (reason !== null) this.settle(reason);
    } else if (this.current === "close-queued") {
      this.current = "reply-queued";
      if (reason !== null) this.settle(reason);
    } else if (this.current === "close-sent") {
      // Our Close was answered: the handshake is complete, and reports the reason we sent.
      this.current = "handshake-done";
      this.settle(this.sentReason ?? reason);
      this.transport.end(this.timeoutMillis);
    } else {
      return;
    }
    this.heartbeat?.stop();
    if (!this.answersPeer) return;
    this.incoming.close();
    if (this.current === "close-received") {
      // Answer with the same code (§5.5.1); a Close without a code is answered without one.
      this.reply = reason === null || reason.code === CloseReason.Codes.NO_STATUS_RECEIVED ? new Frame.Close() : new Frame.Close(reason);
      this.startDeadline(this.timeoutMillis);
      if (this.incoming.isEmpty) this.onIncomingDrained();
    }
  }

  /** A Close frame went out: ours, or one a raw session's user sent. */
  onCloseWritten(frame: Frame.Close): void {
    if (this.current === "open" || this.current === "close-queued") {
      this.current = "close-sent";
      // Not settled yet: if the connection ends before the peer's Close arrives, no Close was
      // received and the session reports 1006 (§7.1.5).
      this.sentReason = readReason(frame);
      if (this.deadline === null) this.startDeadline(this.timeoutMillis);
    } else if (this.current === "close-received" || this.current === "reply-queued") {
      this.current = "handshake-done";
      this.reply = null;
      if (this.deadline === null) this.startDeadline(this.timeoutMillis);
      this.transport.end(this.timeoutMillis);
    }
  }

  /**
   * The user has taken every frame from `incoming`. A pending answer to the peer's Close goes out once
   * the code that took them had its turn (a macrotask later), so an echo of the last message still
   * goes before it, as with `ws`.
   */
  onIncomingDrained(): void {
    if (this.reply !== null) afterPendingWork(CloseHandshake.sendReply, this);
  }

  /** The connection is gone (the transport's `onClosed`). */
  onEnded(error: Error | null): void {
    if (this.current === "ended") return;
    // The peer's protocol error is the reason, even when the connection ends before it was acted on.
    if (this.pendingFailure !== null) this.fail(this.pendingFailure);
    const clean = this.current === "handshake-done";
    this.current = "ended";
    this.clearDeadline();
    this.heartbeat?.stop();
    this.reply = null;
    if (clean) {
      this.settle(null);
      this.incoming.close();
      this.outgoing.stop();
    } else {
      const failure = this.timedOut
        ? new CloseTimeoutError(`The close handshake timed out after ${this.timeoutMillis} ms: the peer did not answer our Close frame`, this.timeoutMillis)
        : new ConnectionClosedError(
            error ? `Connection lost: ${error.message}` : "Connection closed without a close handshake",
            error ? { cause: error } : undefined,
          );
      this.settle(new CloseReason(CloseReason.Codes.CLOSED_ABNORMALLY, this.timedOut ? failure.message : (error?.message ?? "")));
      // After the peer's Close, `incoming` ends normally whatever became of our answer.
      this.incoming.close(this.peerClosed ? undefined : failure);
      this.outgoing.stop(failure);
    }
    const waiters = this.endWaiters;
    this.endWaiters = null;
    if (waiters) for (const resolve of waiters) resolve();
  }

  // --- the deadline ---

  private startDeadline(millis: number): void {
    this.clearDeadline();
    this.deadline = backgroundTimer(() => this.onDeadline(), millis);
  }

  private clearDeadline(): void {
    if (this.deadline !== null) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private onDeadline(): void {
    this.deadline = null;
    if (this.current === "close-received") {
      // A reader that never drains `incoming`: the peer gets its answer anyway.
      if (this.reply !== null) this.close(this.reply);
      return;
    }
    if (this.current === "ended") return;
    if (this.current !== "failed") this.timedOut = true;
    this.transport.destroy();
  }

  /**
   * The peer broke the protocol (§7.1.7): nothing more is read, and the session fails at the end of
   * this turn of the event loop, once the code woken by the messages delivered before the error has
   * run: its answers to them go out ahead of the Close, as they would from a peer that answers within
   * its message event.
   */
  failAfterDelivered(error: Error): void {
    if (this.pendingFailure !== null || this.current === "ended" || this.current === "failed") return;
    this.pendingFailure = error;
    afterPendingWork(CloseHandshake.failPending, this);
  }

  private static failPending(handshake: CloseHandshake): void {
    if (handshake.pendingFailure !== null) handshake.fail(handshake.pendingFailure);
  }

  private static sendReply(handshake: CloseHandshake): void {
    const reply = handshake.reply;
    if (reply !== null) handshake.close(reply);
  }

  /** Fixes `closeReason` (the first reason wins); null settles it as unknown when nothing was learnt. */
  private settle(reason: CloseReason | null): void {
    if (this.reasonSettled) return;
    this.reasonSettled = true;
    this.settledReason = reason;
    const resolve = this.resolveReason;
    this.resolveReason = null;
    resolve?.(reason);
  }
}

/** A Close frame's reason, or null when its payload does not parse (a raw session passes such frames on). */
export function readReason(frame: Frame.Close): CloseReason | null {
  try {
    return frame.readReason();
  } catch {
    return null;
  }
}
