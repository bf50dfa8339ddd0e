// ArrayQueue: the FIFO behind the replay queue, the engines' arrival queue and channels.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ArrayQueue } from "../../src/util/array-queue.js";

/** The ring buffer a queue keeps its elements in (white-box: what stays reachable, what is allocated). */
function backing<T>(queue: ArrayQueue<T>): (T | undefined)[] {
  return (queue as unknown as { buffer: (T | undefined)[] }).buffer;
}

test("first in, first out, with size, isEmpty and peek", () => {
  const queue = new ArrayQueue<number>();
  assert.equal(queue.isEmpty, true);
  assert.equal(queue.size, 0);
  assert.equal(queue.shift(), undefined);
  assert.equal(queue.peek(), undefined);
  for (let i = 0; i < 5; i++) queue.push(i);
  assert.equal(queue.size, 5);
  assert.equal(queue.isEmpty, false);
  assert.equal(queue.peek(), 0);
  assert.equal(queue.shift(), 0);
  assert.equal(queue.shift(), 1);
  assert.equal(queue.peek(), 2);
  assert.equal(queue.size, 3);
  assert.deepEqual([queue.shift(), queue.shift(), queue.shift(), queue.shift()], [2, 3, 4, undefined]);
  assert.equal(queue.isEmpty, true);
});

test("unshift puts a taken element back in front, with or without room before the head", () => {
  const queue = new ArrayQueue<string>();
  queue.unshift("only");
  assert.equal(queue.peek(), "only");
  queue.push("b");
  const taken = queue.shift()!;
  queue.unshift(taken); // into the slot it left
  assert.deepEqual(queue.takeAll(), ["only", "b"]);
  queue.push("x");
  queue.unshift("w"); // no slot before the head
  assert.deepEqual([queue.shift(), queue.shift()], ["w", "x"]);
});

test("clear and takeAll empty the queue; takeAll gives what was left, front first", () => {
  const queue = new ArrayQueue<number>();
  for (let i = 0; i < 10; i++) queue.push(i);
  queue.shift();
  assert.deepEqual(queue.takeAll(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(queue.size, 0);
  assert.deepEqual(queue.takeAll(), []);
  queue.push(1);
  queue.clear();
  assert.equal(queue.isEmpty, true);
  queue.push(2);
  assert.equal(queue.shift(), 2);
});

test("an element that may be undefined is told apart from an empty queue by isEmpty", () => {
  const queue = new ArrayQueue<undefined>();
  queue.push(undefined);
  assert.equal(queue.isEmpty, false);
  assert.equal(queue.shift(), undefined);
  assert.equal(queue.isEmpty, true);
});

test("an idle queue allocates no buffer; nothing taken stays reachable from it", () => {
  const a = new ArrayQueue<object>();
  const b = new ArrayQueue<object>();
  assert.equal(backing(a), backing(b), "both share the one empty buffer until their first push");
  assert.throws(() => backing(a).push({}), TypeError, "the shared empty buffer is never written to");
  const taken = { taken: true };
  a.push(taken);
  a.push({ kept: true });
  assert.equal(a.shift(), taken);
  assert.ok(!backing(a).includes(taken), "a taken element is not reachable from the queue");
  a.shift();
  assert.ok(backing(a).every((slot) => slot === undefined), "a drained queue holds nothing");
});

test("a queue that stays short reuses its buffer: no allocation per element", () => {
  const queue = new ArrayQueue<number>();
  queue.push(0);
  const buffer = backing(queue);
  for (let i = 1; i < 10_000; i++) {
    queue.push(i);
    assert.equal(queue.shift(), i - 1);
    if (i % 7 === 0) {
      queue.unshift(-i);
      assert.equal(queue.shift(), -i);
    }
  }
  assert.equal(backing(queue), buffer, "the same buffer all along");
});

test("bursts of up to 1024 elements reuse the buffer the first one grew", () => {
  const queue = new ArrayQueue<number>();
  let buffer: unknown = null;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 1000; i++) queue.push(i);
    if (round === 0) buffer = backing(queue);
    for (let i = 0; i < 1000; i++) assert.equal(queue.shift(), i);
    assert.equal(backing(queue), buffer, `round ${round}: no shrinking and growing again`);
  }
});

test("after a burst the buffer shrinks with what is queued; order holds across growth, wrap-around and shrinking", () => {
  const queue = new ArrayQueue<number>();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 5000; i++) queue.push(next++);
    while (queue.size > 10) assert.equal(queue.shift(), expected++);
    assert.ok(backing(queue).length <= 1024, `${backing(queue).length} slots kept for ${queue.size} elements`);
  }
  for (let i = 0; i < 3000; i++) {
    queue.push(next++);
    if (i % 3 === 0) assert.equal(queue.shift(), expected++);
    assert.ok(backing(queue).length <= Math.max(1024, 4 * (queue.size + 1)), `${backing(queue).length} slots for ${queue.size} elements`);
  }
  while (!queue.isEmpty) assert.equal(queue.shift(), expected++);
  assert.equal(expected, next);
});

test("behaves as an array used as a queue, whatever the sequence of operations", () => {
  type Op = { op: "push"; value: number } | { op: "shift" } | { op: "peek" } | { op: "unshift"; value: number } | { op: "clear" } | { op: "takeAll" };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.integer().map((value) => ({ op: "push" as const, value })) },
    { weight: 5, arbitrary: fc.constant({ op: "shift" as const }) },
    { weight: 1, arbitrary: fc.constant({ op: "peek" as const }) },
    { weight: 1, arbitrary: fc.integer().map((value) => ({ op: "unshift" as const, value })) },
    { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
    { weight: 1, arbitrary: fc.constant({ op: "takeAll" as const }) },
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const queue = new ArrayQueue<number>();
      const model: number[] = [];
      for (const step of ops) {
        switch (step.op) {
          case "push":
            queue.push(step.value);
            model.push(step.value);
            break;
          case "shift":
            assert.equal(queue.shift(), model.shift());
            break;
          case "peek":
            assert.equal(queue.peek(), model[0]);
            break;
          case "unshift":
            queue.unshift(step.value);
            model.unshift(step.value);
            break;
          case "clear":
            queue.clear();
            model.length = 0;
            break;
          case "takeAll":
            assert.deepEqual(queue.takeAll(), model.splice(0));
            break;
        }
        assert.equal(queue.size, model.length);
        assert.equal(queue.isEmpty, model.length === 0);
      }
    }),
    { numRuns: 200 },
  );
});
