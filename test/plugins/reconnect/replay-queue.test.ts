// ReplayQueue alone: the bounded FIFO a reconnecting session sends into, with its overflow policies,
// its direct hand-over to an open connection, and what it gives back when the session ends.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ReplayQueue, type QueueEntry } from "../../../src/plugins/reconnect/replay-queue.js";
import { QueueOverflowError } from "../../../src/plugins/reconnect/errors.js";
import type { QueueOverflowPolicy } from "../../../src/plugins/reconnect/reconnect-config.js";
import { Frame } from "../../../src/protocol/frame.js";
import { ClosedSendChannelError } from "../../../src/errors.js";

const text = (value: string): Frame.Text => new Frame.Text(true, new TextEncoder().encode(value));
const textOf = (entry: QueueEntry | undefined): string | undefined => (entry === undefined ? undefined : new TextDecoder().decode(entry.frame.data));

function replayQueue(policy: QueueOverflowPolicy, messages = Infinity, bytes = Infinity): ReplayQueue {
  return new ReplayQueue({ messages, bytes }, policy);
}

/** Whether `promise` has settled after the microtasks queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("ReplayQueue", () => {
  test("first in, first out, numbered in the order accepted, counted in messages and payload bytes", async () => {
    const queue = replayQueue("suspend");
    await queue.send(text("one"));
    assert.equal(queue.trySend(text("three")), true);
    assert.equal(queue.size, 2);
    assert.equal(queue.byteSize, 8);
    assert.equal(queue.seqHorizon, 2);
    assert.equal(textOf(queue.peek()), "one", "peek leaves it in place");
    const first = queue.shift()!;
    assert.deepEqual([textOf(first), first.seq, first.bytes], ["one", 0, 3]);
    const second = queue.shift()!;
    assert.deepEqual([textOf(second), second.seq], ["three", 1]);
    assert.equal(queue.shift(), undefined);
    assert.equal(queue.byteSize, 0);
  });

  test("unshift puts a taken message back in front, with its bytes", async () => {
    const queue = replayQueue("suspend");
    await queue.send(text("a"));
    await queue.send(text("bb"));
    const taken = queue.shift()!;
    queue.unshift(taken);
    assert.equal(queue.byteSize, 3);
    assert.deepEqual([textOf(queue.shift()), textOf(queue.shift())], ["a", "bb"]);
  });

  test('"suspend": a send that does not fit waits, and goes in, in order, as room appears', async () => {
    const queue = replayQueue("suspend", 2);
    await queue.send(text("1"));
    await queue.send(text("2"));
    const third = queue.send(text("3"));
    const fourth = queue.send(text("4"));
    assert.equal(await settled(third), false, "waits while the queue is full");
    assert.equal(queue.trySend(text("x")), false, "trySend does not overtake waiting sends");
    assert.equal(textOf(queue.shift()), "1");
    assert.equal(await settled(third), true);
    assert.equal(await settled(fourth), false);
    assert.equal(textOf(queue.shift()), "2");
    await fourth;
    assert.deepEqual([textOf(queue.shift()), textOf(queue.shift())], ["3", "4"]);
  });

  test('"suspend": a small message does not overtake a large one waiting for room', async () => {
    const queue = replayQueue("suspend", Infinity, 10);
    await queue.send(text("123456"));
    const large = queue.send(text("12345678"));
    const small = queue.send(text("1"));
    assert.equal(await settled(small), false, "it would fit, but waits its turn");
    queue.shift();
    await Promise.all([large, small]);
    assert.deepEqual([textOf(queue.shift()), textOf(queue.shift())], ["12345678", "1"]);
  });

  test('"drop-oldest": the oldest messages make room and are reported', async () => {
    const queue = replayQueue("drop-oldest", 2);
    const dropped: string[] = [];
    queue.onDropped = (entry) => dropped.push(textOf(entry)!);
    for (const value of ["1", "2", "3", "4"]) await queue.send(text(value));
    assert.deepEqual(dropped, ["1", "2"]);
    assert.deepEqual([textOf(queue.shift()), textOf(queue.shift())], ["3", "4"]);
  });

  test('"fail": a send that does not fit rejects with QueueOverflowError naming the bound; the queue is unchanged', async () => {
    const byCount = replayQueue("fail", 1);
    await byCount.send(text("kept"));
    await assert.rejects(byCount.send(text("refused")), (error: unknown) => error instanceof QueueOverflowError && error.limit === "messages" && error.max === 1);
    assert.equal(byCount.size, 1);
    const byBytes = replayQueue("fail", Infinity, 10);
    await byBytes.send(text("123456"));
    await assert.rejects(byBytes.send(text("123456")), (error: unknown) => error instanceof QueueOverflowError && error.limit === "bytes" && error.max === 10);
    assert.equal(byBytes.seqHorizon, 1, "a refused message takes no sequence number");
  });

  test("the byte bound counts payloads; one message larger than it still fits an empty queue", async () => {
    const queue = replayQueue("fail", Infinity, 4);
    await queue.send(text("larger than four"));
    await assert.rejects(queue.send(text("x")), QueueOverflowError);
    queue.shift();
    await queue.send(text("1234"));
    await assert.rejects(queue.send(text("5")), QueueOverflowError);
  });

  test("validate refuses a message before it is queued", async () => {
    const queue = replayQueue("suspend");
    queue.validate = (frame) => {
      if (frame.byteLength > 3) throw new RangeError("too long");
    };
    await assert.rejects(queue.send(text("toolong")), RangeError);
    assert.throws(() => queue.trySend(text("toolong")), RangeError);
    assert.equal(queue.size, 0);
    assert.equal(queue.seqHorizon, 0);
  });

  test("direct: an empty queue hands a message to the open connection at once; behind queued ones it waits its turn", async () => {
    const queue = replayQueue("suspend");
    const handed: string[] = [];
    let accepting = true;
    queue.direct = (entry) => {
      if (accepting) handed.push(`${textOf(entry)}#${entry.seq}`);
      return accepting;
    };
    await queue.send(text("a"));
    assert.deepEqual(handed, ["a#0"]);
    assert.equal(queue.size, 0);
    accepting = false;
    await queue.send(text("b")); // the connection's buffer is full: it waits here
    accepting = true;
    await queue.send(text("c")); // "b" is first: no overtaking
    assert.deepEqual(handed, ["a#0"]);
    assert.deepEqual([textOf(queue.shift()), textOf(queue.shift())], ["b", "c"]);
    assert.equal(queue.seqHorizon, 3);
  });

  test("changed() resolves when a message is queued or the queue closes, at once if either already holds", async () => {
    const queue = replayQueue("suspend");
    const first = queue.changed();
    assert.equal(await settled(first), false);
    await queue.send(text("x"));
    assert.equal(await settled(first), true);
    assert.equal(await settled(queue.changed()), true, "not empty: at once");
    queue.shift();
    const second = queue.changed();
    queue.close();
    assert.equal(await settled(second), true);
  });

  test("close(): no more sends, but what is queued can still be taken", async () => {
    const queue = replayQueue("suspend");
    await queue.send(text("queued"));
    queue.close();
    assert.equal(queue.isClosedForSend, true);
    await assert.rejects(queue.send(text("late")), ClosedSendChannelError);
    assert.equal(queue.trySend(text("late")), false);
    assert.equal(textOf(queue.shift()), "queued");
  });

  test("cancel(cause): waiting sends reject with the cause, and the messages never taken are returned", async () => {
    const queue = replayQueue("suspend", 1);
    await queue.send(text("queued"));
    const waiting = queue.send(text("waiting"));
    const cause = new Error("gave up");
    const left = queue.cancel(cause);
    assert.deepEqual(left.map(textOf), ["queued"]);
    await assert.rejects(waiting, (error: unknown) => error instanceof ClosedSendChannelError && error.cause === cause);
    assert.equal(queue.size, 0);
    assert.equal(queue.byteSize, 0);
    await assert.rejects(queue.send(text("after")), (error: unknown) => error instanceof ClosedSendChannelError && error.cause === cause);
  });

  test("thousands of messages through a queue that never empties keep their order", async () => {
    const queue = replayQueue("suspend");
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      await queue.send(text(String(i)));
      if (i % 3 !== 0) assert.equal(textOf(queue.shift()), String(next++));
    }
    for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) assert.equal(textOf(entry), String(next++));
    assert.equal(next, 5000);
  });
});
