import { MessageStream } from "./message-stream.js";
import type { ReadGate } from "./read-gate.js";

interface Listener {
  readonly method: string | null;
  readonly sessionId: string | undefined;
  readonly stream: MessageStream<unknown>;
}

/**
 * The iterators of `rpc.notifications(method?, { sessionId })`: each notification's params go to every
 * iterator whose filters match it. With none listening, a notification is dropped.
 */
export class NotificationStreams {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly bufferSize: number,
    private readonly gate: ReadGate,
  ) {}

  /** A new iterator over the notifications that match; it ends at `end()` or when `signal` aborts. */
  open(method: string | null, sessionId: string | undefined, signal: AbortSignal | null): MessageStream<unknown> {
    let onAbort: (() => void) | null = null;
    const listener: Listener = {
      method,
      sessionId,
      stream: new MessageStream<unknown>(this.bufferSize, this.gate, () => {
        this.listeners.delete(listener);
        if (onAbort !== null) signal?.removeEventListener("abort", onAbort);
      }),
    };
    if (signal?.aborted === true) {
      listener.stream.end(null);
      return listener.stream;
    }
    this.listeners.add(listener);
    if (signal !== null) {
      onAbort = () => void listener.stream.return();
      signal.addEventListener("abort", onAbort, { once: true });
    }
    return listener.stream;
  }

  /** Hands `params` to the iterators that listen for `method` (and `sessionId`). */
  deliver(method: string, params: unknown, sessionId: string | undefined): void {
    for (const listener of this.listeners) {
      if (listener.method !== null && listener.method !== method) continue;
      if (listener.sessionId !== undefined && listener.sessionId !== sessionId) continue;
      listener.stream.push(params);
    }
  }

  /** Ends every iterator: after what it buffered, it throws `error` (or finishes). */
  end(error: Error | null): void {
    for (const listener of this.listeners) listener.stream.end(error);
    this.listeners.clear();
  }
}
