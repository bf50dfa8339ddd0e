/** Something with a deadline in a {@link DeadlineQueue}: the two fields the queue keeps on it. */
export interface Deadline {
  /** When it is due, in `Date.now()` milliseconds; set by `add`. */
  deadlineAt: number;
  /** Its place in the queue, or -1 when not queued; kept by the queue. */
  deadlineIndex: number;
}

/**
 * Many deadlines, one timer: a binary min-heap of items by the time they are due, and one background
 * timer armed for the earliest. Adding and removing cost O(log n), and removing leaves nothing behind,
 * so a million calls answered in time cost no timer each and no state afterwards. The timer keeps the
 * event loop alive while something is queued (a call awaited over an in-memory session must still
 * time out), and is gone once the queue is empty.
 */
export class DeadlineQueue<T extends Deadline> {
  private readonly heap: T[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the armed timer fires; Infinity when none is armed. */
  private armedAt = Infinity;
  private readonly onDue: (item: T) => void;

  /** `onDue` is called for each item once its deadline has passed, after it left the queue. */
  constructor(onDue: (item: T) => void) {
    this.onDue = onDue;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Queues `item` to be due at `at` (`Date.now()` milliseconds); an item already queued is moved. */
  add(item: T, at: number): void {
    if (item.deadlineIndex >= 0) this.remove(item);
    item.deadlineAt = at;
    item.deadlineIndex = this.heap.length;
    this.heap.push(item);
    this.up(item.deadlineIndex);
    this.arm();
  }

  /** Takes `item` out; false when it was not queued. */
  remove(item: T): boolean {
    const index = item.deadlineIndex;
    const heap = this.heap;
    if (index < 0 || heap[index] !== item) return false;
    item.deadlineIndex = -1;
    const last = heap.pop()!;
    if (last !== item) {
      heap[index] = last;
      last.deadlineIndex = index;
      this.down(index);
      this.up(last.deadlineIndex);
    }
    if (heap.length === 0) this.disarm();
    return true;
  }

  /** Takes every item out, none of them due. */
  clear(): void {
    for (const item of this.heap) item.deadlineIndex = -1;
    this.heap.length = 0;
    this.disarm();
  }

  /** Arms the timer for the earliest deadline, unless one armed already fires by then. */
  private arm(): void {
    const first = this.heap[0];
    if (first === undefined || first.deadlineAt >= this.armedAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedAt = first.deadlineAt;
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.deadlineAt - Date.now()));
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedAt = Infinity;
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    const now = Date.now();
    const heap = this.heap;
    while (heap.length > 0 && heap[0].deadlineAt <= now) {
      const item = heap[0];
      this.remove(item);
      this.onDue(item);
    }
    this.arm();
  }

  private up(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (heap[parent].deadlineAt <= item.deadlineAt) break;
      heap[index] = heap[parent];
      heap[index].deadlineIndex = index;
      index = parent;
    }
    heap[index] = item;
    item.deadlineIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const item = heap[index];
    const n = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1].deadlineAt < heap[child].deadlineAt) child++;
      if (heap[child].deadlineAt >= item.deadlineAt) break;
      heap[index] = heap[child];
      heap[index].deadlineIndex = index;
      index = child;
    }
    heap[index] = item;
    item.deadlineIndex = index;
  }
}
