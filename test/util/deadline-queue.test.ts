import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DeadlineQueue, type Deadline } from "../../src/util/deadline-queue.js";

interface Item extends Deadline {
  readonly id: number;
}

const item = (id: number): Item => ({ id, deadlineAt: 0, deadlineIndex: -1 });

test("items come due in deadline order, each once, after leaving the queue", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000 });
  const due: number[] = [];
  const queue = new DeadlineQueue<Item>((it) => {
    assert.equal(it.deadlineIndex, -1, "out of the queue when due");
    due.push(it.id);
  });
  for (const [id, at] of [[1, 1_300], [2, 1_100], [3, 1_200], [4, 1_100]] as const) queue.add(item(id), at);
  t.mock.timers.tick(99);
  assert.deepEqual(due, []);
  t.mock.timers.tick(1);
  assert.deepEqual(due.sort(), [2, 4]);
  t.mock.timers.tick(200);
  assert.deepEqual(due, [2, 4, 3, 1]);
  assert.equal(queue.size, 0);
});

test("one timer serves 100,000 deadlines added in order; removing them all leaves nothing and no timer", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const timers = t.mock.method(globalThis, "setTimeout");
  const queue = new DeadlineQueue<Item>(() => assert.fail("nothing is due"));
  const items = Array.from({ length: 100_000 }, (_, i) => item(i));
  items.forEach((it, i) => queue.add(it, 10_000 + i));
  assert.equal(timers.mock.callCount(), 1);
  for (let i = items.length - 1; i >= 0; i -= 2) assert.equal(queue.remove(items[i]), true);
  for (let i = 0; i < items.length; i += 2) assert.equal(queue.remove(items[i]), true);
  assert.equal(queue.size, 0);
  assert.equal(queue.remove(items[0]), false, "not queued any more");
  t.mock.timers.tick(1_000_000);
});

test("an earlier deadline re-arms the timer; clear() drops everything", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const due: number[] = [];
  const queue = new DeadlineQueue<Item>((it) => due.push(it.id));
  queue.add(item(1), 500);
  queue.add(item(2), 100);
  t.mock.timers.tick(100);
  assert.deepEqual(due, [2]);
  const moved = item(3);
  queue.add(moved, 1_000);
  queue.add(moved, 200); // moved, not added twice
  assert.equal(queue.size, 2);
  t.mock.timers.tick(100);
  assert.deepEqual(due, [2, 3]);
  queue.clear();
  t.mock.timers.tick(10_000);
  assert.deepEqual(due, [2, 3]);
  assert.equal(queue.size, 0);
});

test("property: after any adds and removes, what comes due is what is left, in deadline order", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.integer({ min: 1, max: 1_000 }), keep: fc.boolean() }), { maxLength: 200 }),
      (specs) => {
        const due: Item[] = [];
        const queue = new DeadlineQueue<Item>((it) => due.push(it));
        const base = Date.now();
        const items = specs.map((_, i) => item(i));
        items.forEach((it, i) => queue.add(it, base + specs[i].at));
        items.forEach((it, i) => {
          if (!specs[i].keep) queue.remove(it);
        });
        t.mock.timers.tick(1_000);
        const kept = items.filter((_, i) => specs[i].keep);
        assert.deepEqual(due.map((it) => it.id).sort((a, b) => a - b), kept.map((it) => it.id));
        for (let i = 1; i < due.length; i++) assert.ok(due[i - 1].deadlineAt <= due[i].deadlineAt, "in deadline order");
        assert.equal(queue.size, 0);
      },
    ),
    { numRuns: 200 },
  );
});
