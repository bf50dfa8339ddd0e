/**
 * A first-in, first-out queue over an array: taking from the front moves an index instead of shifting
 * the array, and the array is compacted once most of it has been taken, so each element costs O(1)
 * however long the queue grows. An empty queue holds no array.
 */
export class Fifo<T> {
  private items: T[] | null = null;
  private head = 0;

  get length(): number {
    return this.items === null ? 0 : this.items.length - this.head;
  }

  push(item: T): void {
    (this.items ??= []).push(item);
  }

  /** The oldest element, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.items === null ? undefined : this.items[this.head];
  }

  /** Takes the oldest element; undefined when empty. */
  shift(): T | undefined {
    const items = this.items;
    if (items === null) return undefined;
    const item = items[this.head];
    items[this.head++] = undefined as T;
    if (this.head === items.length) {
      this.items = null;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = null;
    this.head = 0;
  }
}
