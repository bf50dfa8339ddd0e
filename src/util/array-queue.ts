/** The buffer of every queue that has held nothing yet; never written to. */
const EMPTY: readonly unknown[] = Object.freeze([]);

/**
 * Slots of a queue's first buffer; always a power of two, as every size after it. Small, because the
 * buffer is kept: a session's queue that only ever held a frame or two keeps 4 slots, not 16.
 */
const INITIAL_CAPACITY = 4;

/** A buffer this large or smaller is kept when it empties, so bursts of up to its size reuse it. */
const KEPT_CAPACITY = 1024;

/**
 * A first-in, first-out queue in a ring buffer: one array whose slots are reused as elements come
 * and go, so a queue that stays short (the usual case: one element in, one out) allocates nothing
 * after its first `push`. The buffer doubles when full; past 1024 slots it halves when three
 * quarters of it are free, so memory follows what is queued, not the largest burst. A taken slot is
 * cleared, so nothing taken stays reachable. No node or closure per element, and an idle queue
 * allocates nothing.
 *
 * `shift` and `peek` give `undefined` when the queue is empty; a queue whose elements may be
 * `undefined` tells the two apart with `isEmpty`.
 *
 * @example
 * const queue = new ArrayQueue<string>();
 * queue.push("a");
 * queue.push("b");
 * queue.shift(); // "a"
 * queue.size;    // 1
 */
export class ArrayQueue<T> {
  /** The ring: `count` elements from `head` on, wrapping around; its length is 0 or a power of two. */
  private buffer: (T | undefined)[] = EMPTY as (T | undefined)[];
  private head = 0;
  private count = 0;

  /** Elements queued. */
  get size(): number {
    return this.count;
  }

  /** True when nothing is queued. */
  get isEmpty(): boolean {
    return this.count === 0;
  }

  /** Adds `value` at the back. */
  push(value: T): void {
    if (this.count === this.buffer.length) this.resize(this.count === 0 ? INITIAL_CAPACITY : this.count * 2);
    const buffer = this.buffer;
    buffer[(this.head + this.count) & (buffer.length - 1)] = value;
    this.count++;
  }

  /** Removes and returns the front element, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const buffer = this.buffer;
    const head = this.head;
    const value = buffer[head];
    buffer[head] = undefined;
    this.head = (head + 1) & (buffer.length - 1);
    const count = --this.count;
    if (buffer.length > KEPT_CAPACITY && count * 4 < buffer.length) this.resize(buffer.length / 2);
    return value;
  }

  /** The front element, left in place, or `undefined` when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.buffer[this.head];
  }

  /** Puts `value` back at the front (an element taken by `shift` that could not be used after all). */
  unshift(value: T): void {
    if (this.count === this.buffer.length) this.resize(this.count === 0 ? INITIAL_CAPACITY : this.count * 2);
    const buffer = this.buffer;
    this.head = (this.head - 1) & (buffer.length - 1);
    buffer[this.head] = value;
    this.count++;
  }

  /** Removes every element. */
  clear(): void {
    this.buffer = EMPTY as (T | undefined)[];
    this.head = 0;
    this.count = 0;
  }

  /** Removes every element and returns them, front first. */
  takeAll(): T[] {
    const taken = this.copy(this.count);
    this.clear();
    return taken as T[];
  }

  /** Moves the elements, front first, into a new buffer of `capacity` slots (a power of two). */
  private resize(capacity: number): void {
    this.buffer = this.copy(capacity);
    this.head = 0;
  }

  /** The elements, front first, in a new array of `length` (at least `count`), the rest `undefined`. */
  private copy(length: number): (T | undefined)[] {
    const buffer = this.buffer;
    const mask = buffer.length - 1;
    // Made at its size: an array grown by push() would have room for at least 17 elements.
    const copy = new Array<T | undefined>(length);
    for (let i = 0; i < length; i++) copy[i] = i < this.count ? buffer[(this.head + i) & mask] : undefined;
    return copy;
  }
}
