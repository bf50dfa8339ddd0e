/** The array of every queue that has held nothing yet; never written to. */
const EMPTY: readonly unknown[] = Object.freeze([]);

/** Taken slots at the front past which the array is compacted (once they are half of it, too). */
const COMPACT_AFTER = 1024;

/**
 * A first-in, first-out queue over one array and a head index: `shift` moves the index instead of
 * every element. A taken slot is cleared so nothing taken stays reachable; a drained array is
 * emptied in place, and one whose taken front grows past half of it is compacted, so memory follows
 * what is queued. No node or closure per element, and an idle queue allocates nothing until its
 * first `push`.
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
  private items: T[] = EMPTY as T[];
  private head = 0;

  /** Elements queued. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True when nothing is queued. */
  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  /** Adds `value` at the back. */
  push(value: T): void {
    const items = this.items;
    if (items === EMPTY) this.items = [value];
    else items.push(value);
  }

  /** Removes and returns the front element, or `undefined` when empty. */
  shift(): T | undefined {
    const items = this.items;
    const head = this.head;
    if (head === items.length) return undefined;
    const value = items[head];
    const next = head + 1;
    if (next === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (next >= COMPACT_AFTER && next * 2 >= items.length) {
      this.items = items.slice(next);
      this.head = 0;
    } else {
      items[head] = undefined as T;
      this.head = next;
    }
    return value;
  }

  /** The front element, left in place, or `undefined` when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Puts `value` back at the front (an element taken by `shift` that could not be used after all). */
  unshift(value: T): void {
    const items = this.items;
    if (this.head > 0) items[--this.head] = value;
    else if (items === EMPTY) this.items = [value];
    else items.unshift(value);
  }

  /** Removes every element. */
  clear(): void {
    this.items = EMPTY as T[];
    this.head = 0;
  }

  /** Removes every element and returns them, front first. */
  takeAll(): T[] {
    const taken = this.items.slice(this.head);
    this.clear();
    return taken;
  }
}
