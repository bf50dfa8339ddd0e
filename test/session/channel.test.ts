import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Channel } from "../../src/session/channel.js";
import { ChannelOverflowError, ClosedReceiveChannelError, ClosedSendChannelError } from "../../src/errors.js";

/** Lets every queued promise reaction run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Tracks a promise's outcome without awaiting it. */
function track<T>(promise: Promise<T>): { readonly state: "pending" | "resolved" | "rejected"; readonly value?: T; readonly error?: unknown } {
  const tracker: { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } = { state: "pending" };
  promise.then(
    (value) => {
      tracker.state = "resolved";
      tracker.value = value;
    },
    (error: unknown) => {
      tracker.state = "rejected";
      tracker.error = error;
    },
  );
  return tracker;
}

function suspending<T>(capacity: number): Channel<T> {
  return new Channel<T>({ capacity, onOverflow: "suspend" });
}

describe("Channel: FIFO and receiving", () => {
  test("elements come out in the order they went in", async () => {
    const channel = suspending<number>(10);
    for (let i = 0; i < 10; i++) await channel.send(i);
    assert.equal(channel.size, 10);
    const received: number[] = [];
    for (let i = 0; i < 10; i++) received.push(await channel.receive());
    assert.deepEqual(received, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(channel.isEmpty, true);
  });

  test("order holds across many interleaved sends and receives (buffer compaction)", async () => {
    const channel = new Channel<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) await channel.send(next++);
      for (let i = 0; i < 70; i++) assert.equal(await channel.receive(), expected++);
    }
    while (!channel.isEmpty) assert.equal(channel.tryReceive(), expected++);
    assert.equal(expected, next);
  });

  test("a waiting receiver is handed the element directly", async () => {
    const channel = suspending<string>(1);
    const pending = track(channel.receive());
    await settle();
    assert.equal(pending.state, "pending", "receive waits while empty");
    const sent = track(channel.send("a"));
    assert.equal(channel.size, 0, "the element was never buffered");
    await settle();
    assert.equal(sent.state, "resolved");
    assert.equal(pending.state, "resolved");
    assert.equal(pending.value, "a");
    // The channel still has its whole capacity.
    assert.equal(channel.trySend("b"), true);
    assert.equal(channel.trySend("c"), false);
  });

  test("waiting receivers are served in order", async () => {
    const channel = suspending<number>(1);
    const first = channel.receive();
    const second = channel.receive();
    await channel.send(1);
    await channel.send(2);
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  });

  test("tryReceive never waits", async () => {
    const channel = suspending<number>(2);
    assert.equal(channel.tryReceive(), undefined);
    await channel.send(5);
    assert.equal(channel.tryReceive(), 5);
    assert.equal(channel.tryReceive(), undefined);
    channel.close();
    assert.equal(channel.tryReceive(), undefined, "a closed, drained channel gives undefined, not an error");
  });

  test("trySend succeeds while there is room, and fails when full or closed", () => {
    const channel = suspending<number>(2);
    assert.equal(channel.trySend(1), true);
    assert.equal(channel.trySend(2), true);
    assert.equal(channel.isFull, true);
    assert.equal(channel.trySend(3), false);
    assert.equal(channel.tryReceive(), 1);
    assert.equal(channel.trySend(3), true);
    channel.close();
    assert.equal(channel.trySend(4), false);
    assert.equal(channel.tryReceive(), 2);
    assert.equal(channel.tryReceive(), 3);
  });
});

describe("Channel: capacity", () => {
  test("send waits when full and resumes when room appears, keeping order", async () => {
    const channel = suspending<number>(2);
    await channel.send(1);
    await channel.send(2);
    const third = track(channel.send(3));
    const fourth = track(channel.send(4));
    await settle();
    assert.equal(third.state, "pending");
    assert.equal(fourth.state, "pending");
    assert.equal(channel.size, 2);

    assert.equal(await channel.receive(), 1);
    await settle();
    assert.equal(third.state, "resolved", "one slot freed: the first waiting sender goes in");
    assert.equal(fourth.state, "pending");
    assert.equal(channel.size, 2);

    assert.equal(channel.tryReceive(), 2);
    await settle();
    assert.equal(fourth.state, "resolved");
    assert.deepEqual([await channel.receive(), await channel.receive()], [3, 4]);
    assert.equal(channel.isEmpty, true);
  });

  test('"close" overflow policy: a send on a full channel fails with ChannelOverflowError and closes it', async () => {
    const channel = new Channel<number>({ capacity: 2, onOverflow: "close" });
    await channel.send(1);
    await channel.send(2);
    await assert.rejects(channel.send(3), ChannelOverflowError);
    assert.equal(channel.isClosedForSend, true);
    assert.ok(channel.cause instanceof ChannelOverflowError);
    // What was buffered can still be received; then the overflow is the cause.
    assert.equal(await channel.receive(), 1);
    assert.equal(await channel.receive(), 2);
    await assert.rejects(channel.receive(), (error: unknown) => {
      assert.ok(error instanceof ClosedReceiveChannelError);
      assert.ok(error.cause instanceof ChannelOverflowError);
      return true;
    });
    await assert.rejects(channel.send(4), ClosedSendChannelError);
  });

  test("Infinity capacity never waits", async () => {
    const channel = new Channel<number>({ capacity: Infinity, onOverflow: "suspend" });
    for (let i = 0; i < 10_000; i++) {
      const sent = track(channel.send(i));
      await Promise.resolve();
      if (sent.state !== "resolved") assert.fail(`send ${i} waited`);
    }
    assert.equal(channel.size, 10_000);
    assert.equal(channel.isFull, false);
    assert.equal(channel.trySend(-1), true);
    assert.equal(new Channel<number>().capacity, Infinity, "the default channel is unbounded");
    assert.equal(new Channel<number>({ capacity: Infinity, onOverflow: "close" }).trySend(1), true);
  });
});

describe("Channel: close", () => {
  test("close() lets buffered elements drain, then receive throws ClosedReceiveChannelError", async () => {
    const channel = suspending<string>(4);
    await channel.send("a");
    await channel.send("b");
    channel.close();
    assert.equal(channel.isClosedForSend, true);
    assert.equal(channel.isClosedForReceive, false);
    assert.equal(await channel.receive(), "a");
    assert.equal(await channel.receive(), "b");
    assert.equal(channel.isClosedForReceive, true);
    await assert.rejects(channel.receive(), (error: unknown) => {
      assert.ok(error instanceof ClosedReceiveChannelError);
      assert.equal(error.cause, undefined, "a plain close has no cause");
      return true;
    });
  });

  test("close(cause): receive throws ClosedReceiveChannelError with .cause", async () => {
    const channel = suspending<string>(4);
    await channel.send("a");
    const cause = new Error("connection reset");
    channel.close(cause);
    assert.equal(channel.cause, cause);
    assert.equal(await channel.receive(), "a");
    await assert.rejects(channel.receive(), (error: unknown) => {
      assert.ok(error instanceof ClosedReceiveChannelError);
      assert.equal(error.cause, cause);
      assert.match(error.message, /connection reset/);
      return true;
    });
  });

  test("close wakes waiting receivers with ClosedReceiveChannelError", async () => {
    const plain = suspending<number>(1);
    const waiting = plain.receive();
    plain.close();
    await assert.rejects(waiting, (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === undefined);

    const withCause = suspending<number>(1);
    const waiting2 = withCause.receive();
    const cause = new Error("boom");
    withCause.close(cause);
    await assert.rejects(waiting2, (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === cause);
  });

  test("sends already waiting when the channel closes are still delivered", async () => {
    const channel = suspending<number>(1);
    await channel.send(1);
    const waiting = track(channel.send(2));
    channel.close();
    assert.equal(channel.isClosedForReceive, false);
    assert.equal(await channel.receive(), 1);
    assert.equal(await channel.receive(), 2);
    await settle();
    assert.equal(waiting.state, "resolved");
    await assert.rejects(channel.receive(), ClosedReceiveChannelError);
  });

  test("send after close rejects with ClosedSendChannelError (with .cause when closed with one)", async () => {
    const plain = suspending<number>(1);
    plain.close();
    await assert.rejects(plain.send(1), (error: unknown) => error instanceof ClosedSendChannelError && error.cause === undefined);

    const withCause = suspending<number>(1);
    const cause = new Error("gone");
    withCause.close(cause);
    await assert.rejects(withCause.send(1), (error: unknown) => error instanceof ClosedSendChannelError && error.cause === cause);
  });

  test("a second close changes nothing", async () => {
    const channel = suspending<number>(1);
    const first = new Error("first");
    channel.close(first);
    channel.close(new Error("second"));
    assert.equal(channel.cause, first);
    await assert.rejects(channel.receive(), (error: unknown) => (error as Error).cause === first);
  });
});

describe("Channel: for await", () => {
  test("iterates buffered and later elements, and ends on a plain close", async () => {
    const channel = suspending<number>(2);
    await channel.send(1);
    const seen: number[] = [];
    const loop = (async () => {
      for await (const value of channel) seen.push(value);
    })();
    await settle();
    await channel.send(2);
    await channel.send(3);
    await settle();
    channel.close();
    await loop;
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test("ends at once on a channel closed before iteration, after draining it", async () => {
    const channel = suspending<number>(2);
    await channel.send(1);
    channel.close();
    const seen: number[] = [];
    for await (const value of channel) seen.push(value);
    assert.deepEqual(seen, [1]);
  });

  test("throws ClosedReceiveChannelError on a close with a cause, while waiting", async () => {
    const channel = suspending<number>(2);
    const seen: number[] = [];
    const cause = new Error("protocol error");
    const loop = (async () => {
      for await (const value of channel) seen.push(value);
    })();
    await channel.send(1);
    await settle();
    channel.close(cause);
    await assert.rejects(loop, (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === cause);
    assert.deepEqual(seen, [1]);
  });

  test("throws after draining on a channel already closed with a cause", async () => {
    const channel = suspending<number>(2);
    await channel.send(1);
    const cause = new Error("protocol error");
    channel.close(cause);
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const value of channel) seen.push(value);
      })(),
      (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === cause,
    );
    assert.deepEqual(seen, [1]);
  });
});

describe("Channel: cancel", () => {
  test("drops buffered elements and closes", async () => {
    const channel = suspending<number>(4);
    await channel.send(1);
    await channel.send(2);
    channel.cancel();
    assert.equal(channel.size, 0);
    assert.equal(channel.isEmpty, true);
    assert.equal(channel.isClosedForSend, true);
    assert.equal(channel.isClosedForReceive, true);
    assert.equal(channel.tryReceive(), undefined);
    await assert.rejects(channel.receive(), ClosedReceiveChannelError);
    await assert.rejects(channel.send(3), ClosedSendChannelError);
  });

  test("rejects waiting senders and waiting receivers", async () => {
    const full = suspending<number>(1);
    await full.send(1);
    const waitingSend = full.send(2);
    const cause = new Error("cancelled");
    full.cancel(cause);
    await assert.rejects(waitingSend, (error: unknown) => error instanceof ClosedSendChannelError && error.cause === cause);
    await assert.rejects(full.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === cause);

    const empty = suspending<number>(1);
    const waitingReceive = empty.receive();
    empty.cancel();
    await assert.rejects(waitingReceive, ClosedReceiveChannelError);
  });

  test("cancel after close still drops what is buffered", async () => {
    const channel = suspending<number>(4);
    await channel.send(1);
    channel.close();
    channel.cancel();
    assert.equal(channel.isEmpty, true);
    await assert.rejects(channel.receive(), ClosedReceiveChannelError);
  });
});
