import type { Channel } from "../../session/channel.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { Frame } from "../../protocol/frame.js";
import { ClosedReceiveChannelError } from "../../errors.js";
import { toError } from "../../util/to-error.js";
import { Wakeups } from "../../util/wakeups.js";
import { ArrayQueue } from "../../util/array-queue.js";
import type { QueueEntry, ReplayQueue } from "./replay-queue.js";
import type { StopRequest } from "./reconnect-types.js";

/** @internal What a connection shares with its reconnecting session. */
export interface ConnectionHost {
  /** The session's one `outgoing`, which the connection carries while it is up. */
  readonly queue: ReplayQueue;
  /** The session's one `incoming`, which the connection's messages go to. */
  readonly inbox: Channel<Frame>;
  /** Woken when the session starts stopping. */
  readonly stopWakeups: Wakeups;
  /** How the session was asked to stop, or null while it runs. */
  stopRequest(): StopRequest | null;
  /** Messages were confirmed written: `flush()` calls waiting for them may resolve. */
  onSettled(): void;
  /** A message the connection's session refused for good (its limits changed): it is reported, not resent. */
  onRefused(frame: Frame): void;
}

/**
 * @internal One open connection of a reconnecting session and the messages crossing it: the replay
 * queue's messages go into the connection in order (`forward`, or `handDirect` for a send with
 * nothing queued before it), its messages go to the session's `incoming` (`pump`), and what was
 * handed over is tracked until confirmed. A message is confirmed when a `flush()` started after it
 * was handed over resolves while the connection is still up; once it has ended, nothing more is,
 * and what is left is `takeUnconfirmed()`, reported rather than sent again.
 */
export class ReconnectConnection {
  /** The connection's session has ended (its close reason is known). */
  ended = false;
  /** Its hooks ran and the `open` event went out: it carries the queue. */
  announced = false;
  /** A message taken from the queue and waiting for room in the session's `outgoing`. */
  holding: QueueEntry | null = null;
  /** Woken when the connection ends or the session stops. */
  readonly wakeups = new Wakeups();
  /** Handed over and not yet confirmed, oldest first (in sequence order). */
  private inflight = new ArrayQueue<QueueEntry>();
  /** The confirm loop while it runs: it runs whenever something is in flight and the connection is up. */
  private confirming: Promise<void> | null = null;
  private lastHandedSeq = -1;

  constructor(
    readonly session: DefaultWebSocketSession,
    private readonly host: ConnectionHost,
  ) {
    void session.closeReason.then(() => this.markEnded());
  }

  markEnded(): void {
    this.ended = true;
    this.wakeups.wakeAll();
  }

  /** The sequence number of the oldest message handed over (or in hand) and not yet confirmed. */
  oldestSeq(): number {
    return this.inflight.peek()?.seq ?? this.holding?.seq ?? Infinity;
  }

  /** The messages handed over and never confirmed; they are settled (reported) from now on. */
  takeUnconfirmed(): QueueEntry[] {
    return this.inflight.takeAll();
  }

  /** Moves queued messages into the connection, in order, until it ends (or `close()` drained the queue). */
  async forward(): Promise<void> {
    const host = this.host;
    const queue = host.queue;
    const outgoing = this.session.outgoing;
    for (;;) {
      const stopping = host.stopRequest();
      if (this.ended || (stopping !== null && stopping.mode !== "drain")) return;
      const entry = queue.peek();
      if (entry === undefined) {
        if (queue.isClosedForSend) {
          // close() was called and everything queued has been handed over: confirm it, then close.
          await this.confirmAll();
          const request = host.stopRequest();
          if (request !== null) void this.session.close(request.reason);
          return;
        }
        if (!this.ended) await this.wakeups.waitFor(queue.changed());
        continue;
      }
      let taken: boolean;
      try {
        taken = outgoing.trySend(entry.frame);
      } catch {
        taken = false;
      }
      if (taken) {
        this.handed(entry);
        queue.shift();
        continue;
      }
      // The connection's own buffer is full: wait for room with this message in hand.
      this.holding = entry;
      queue.shift();
      try {
        await outgoing.send(entry.frame);
      } catch {
        this.holding = null;
        if (outgoing.isClosedForSend) {
          // The connection is closing: the message was never taken, so it waits for the next one.
          queue.unshift(entry);
          return;
        }
        // Refused by the session itself (its maxFrameSize changed): it can never be sent.
        host.onRefused(entry.frame);
        continue;
      }
      this.holding = null;
      this.handed(entry);
    }
  }

  /** A message sent while the connection can take it at once, with nothing queued before it. */
  handDirect(entry: QueueEntry): boolean {
    if (this.ended || this.holding !== null || this.host.stopRequest() !== null) return false;
    let taken: boolean;
    try {
      taken = this.session.outgoing.trySend(entry.frame);
    } catch {
      return false;
    }
    if (taken) this.handed(entry);
    return taken;
  }

  /**
   * Moves the connection's messages into the session's `incoming` (waiting while it is full) until
   * the connection ends; resolves with the error it ended with, or null.
   */
  async pump(): Promise<Error | null> {
    const host = this.host;
    const inbox = host.inbox;
    try {
      for await (const frame of this.session.incoming) {
        if (inbox.trySend(frame)) continue;
        const delivered = inbox.send(frame);
        delivered.catch(() => {});
        // A full `incoming` slows the connection down; once stopping, the message stays queued
        // (for the reader to take) and the pump goes on to the end of the connection.
        if (host.stopRequest() === null) await host.stopWakeups.waitFor(delivered);
      }
      return null;
    } catch (error) {
      if (error instanceof ClosedReceiveChannelError && error.cause instanceof Error) return error.cause;
      return toError(error);
    }
  }

  /** Resolves when everything handed over is confirmed, or the connection has ended. */
  private async confirmAll(): Promise<void> {
    while (this.confirming !== null) await this.confirming;
  }

  private handed(entry: QueueEntry): void {
    this.inflight.push(entry);
    this.lastHandedSeq = entry.seq;
    // Started only while the connection is up, so the loop reaches its first flush before it can end.
    if (this.confirming === null && !this.ended) this.confirming = this.confirmLoop();
  }

  /** Confirms in rounds: a flush confirms everything handed over before it started. */
  private async confirmLoop(): Promise<void> {
    try {
      while (!this.ended && !this.inflight.isEmpty) {
        const through = this.lastHandedSeq;
        await this.session.flush();
        if (this.ended) return;
        const inflight = this.inflight;
        while ((inflight.peek()?.seq ?? Infinity) <= through) inflight.shift();
        this.host.onSettled();
      }
    } finally {
      this.confirming = null;
    }
  }
}
