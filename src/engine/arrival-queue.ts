import type { Frame } from "../protocol/frame.js";
import type { FrameSink } from "../transport/frame-transport.js";
import { ArrayQueue } from "../util/array-queue.js";

/** What a runtime that hands over whole messages delivers, in order: a frame, a size error of ours, or its close. */
export type Arrival<Close> =
  | { readonly kind: "frame"; readonly frame: Frame }
  | { readonly kind: "error"; readonly error: Error }
  | { readonly kind: "close"; readonly close: Close };

/**
 * @internal The receiving side of a message-based engine (Platform, WsEngine). Such a runtime cannot
 * be told to stop the way a socket stops being read, so what it hands over waits here while the
 * session is paused, is dropped once the session stopped reading (only the close matters then), and
 * goes to the session in order otherwise. The transport owns the close: `onClose` ends delivery.
 */
export class ArrivalQueue<Close> {
  private readonly queue = new ArrayQueue<Arrival<Close>>();
  /** The session asked for a pause (`onFrame` returned false) and has not resumed. */
  paused = false;
  /** No more frames are delivered: a framing error, or the session is ending the connection. */
  stopped = false;
  /** The connection has ended (`onClosed` has been called or is about to be): nothing more is delivered. */
  finished = false;

  /**
   * @param onClose ends the connection when its close is delivered.
   * @param onPause stops the runtime handing over more, where it can (ws's socket can be paused).
   */
  constructor(
    private readonly onClose: (close: Close) => void,
    private readonly onPause: (() => void) | null = null,
  ) {}

  /** Queues what arrived and delivers what the session can take now. */
  push(arrival: Arrival<Close>, sink: FrameSink | null): void {
    if (this.finished) return;
    this.queue.push(arrival);
    this.deliver(sink);
  }

  /**
   * A frame arrived. With nothing waiting before it and a session taking frames (the usual case), it
   * goes to the session at once, with no wrapper and no trip through the queue; otherwise it waits
   * behind the rest, in order.
   */
  pushFrame(frame: Frame, sink: FrameSink | null): void {
    if (sink !== null && this.queue.isEmpty && !this.paused && !this.stopped) {
      if (!sink.onFrame(frame)) this.pause();
      return;
    }
    this.push({ kind: "frame", frame }, sink);
  }

  /** Hands what has arrived to the session, in order, until it asks for a pause or the close comes. */
  deliver(sink: FrameSink | null): void {
    if (sink === null) return;
    const queue = this.queue;
    for (let next = queue.peek(); next !== undefined && !this.finished; next = queue.peek()) {
      if (next.kind === "close") {
        queue.shift();
        this.onClose(next.close);
        return;
      }
      if (this.stopped) {
        queue.shift();
        continue;
      }
      if (this.paused) return;
      queue.shift();
      if (next.kind === "error") {
        this.stopped = true;
        sink.onProtocolError(next.error);
      } else if (!sink.onFrame(next.frame)) {
        this.pause();
      }
    }
  }

  /**
   * The session asked for no more until it resumes: hold what arrives, and tell the runtime. Not once
   * stopped (a session that fails the connection ends it, then asks for a pause): nothing more is
   * delivered anyway, and reading must go on for the peer's close to be seen.
   */
  private pause(): void {
    if (this.stopped) return;
    this.paused = true;
    this.onPause?.();
  }

  /** The connection has ended: drop what is left. */
  finish(): void {
    this.finished = true;
    this.stopped = true;
    this.queue.clear();
  }
}
