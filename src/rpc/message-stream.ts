import { ArrayQueue } from "../util/array-queue.js";
import type { ReadGate } from "./read-gate.js";

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/**
 * The buffer behind one `for await` over notifications: values pushed by the reader of frames, taken
 * by `next()`. Holding `capacity` values, it holds the read gate, so the socket stops being read until
 * the consumer catches up. `end(error)` lets the consumer take what is buffered, then throws `error`
 * (or finishes). `return()` (a `break`) drops the buffer and tells the owner through `onReturn`.
 */
export class MessageStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer = new ArrayQueue<T>();
  private waiter: Waiter<T> | null = null;
  private ended = false;
  private endError: Error | null = null;

  constructor(
    private readonly capacity: number,
    private readonly gate: ReadGate,
    private readonly onReturn: () => void,
  ) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** Values waiting for the consumer. */
  get size(): number {
    return this.buffer.size;
  }

  push(value: T): void {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.resolve({ value, done: false });
      return;
    }
    this.buffer.push(value);
    if (this.buffer.size >= this.capacity) this.gate.hold(this);
  }

  /** No more values: the consumer gets what is buffered, then `error` (or the end). */
  end(error: Error | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.endError = error;
    // Nothing more comes for it to hold the reading back for.
    this.gate.release(this);
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    if (error === null) waiter.resolve({ value: undefined, done: true });
    else waiter.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.buffer.isEmpty) {
      const value = this.buffer.shift() as T;
      if (this.buffer.size < this.capacity) this.gate.release(this);
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      const error = this.endError;
      this.endError = null;
      return error === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    if (this.waiter !== null) return Promise.reject(new Error("next() called again before the previous call settled"));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.clear();
    this.gate.release(this);
    const wasEnded = this.ended;
    this.end(null);
    this.endError = null;
    if (!wasEnded) this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
