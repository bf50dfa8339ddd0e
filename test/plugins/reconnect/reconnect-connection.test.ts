// ReconnectConnection alone, over a fake session: the replay queue's messages go into the
// connection in order, its messages go to the session's incoming, and what was handed over is
// confirmed by a flush or reported as unconfirmed.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ReconnectConnection, type ConnectionHost } from "../../../src/plugins/reconnect/reconnect-connection.js";
import { ReplayQueue, type QueueEntry } from "../../../src/plugins/reconnect/replay-queue.js";
import type { StopRequest } from "../../../src/plugins/reconnect/reconnect-types.js";
import type { DefaultWebSocketSession } from "../../../src/session/default-session.js";
import { Channel } from "../../../src/session/channel.js";
import { Frame } from "../../../src/protocol/frame.js";
import { CloseReason } from "../../../src/protocol/close-reason.js";
import { Wakeups } from "../../../src/util/wakeups.js";

const T = { timeout: 5_000 };
const text = (value: string): Frame => new Frame.Text(true, new TextEncoder().encode(value));
const textOf = (frame: Frame): string => new TextDecoder().decode(frame.data);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An `outgoing` that checks each frame as a session's does, with the check set by the test. */
class CheckedChannel extends Channel<Frame> {
  check: (frame: Frame) => void = () => {};
  override send(frame: Frame): Promise<void> {
    try {
      this.check(frame);
    } catch (error) {
      return Promise.reject(error);
    }
    return super.send(frame);
  }
}

/** The parts of a default session a connection uses, with its flushes settled by hand. */
class FakeSession {
  readonly outgoing: CheckedChannel;
  readonly incoming = new Channel<Frame>();
  readonly closes: (CloseReason | undefined)[] = [];
  readonly closeReason: Promise<CloseReason | null>;
  private readonly flushes: (() => void)[] = [];
  private end!: (reason: CloseReason | null) => void;

  constructor(capacity = Infinity) {
    this.outgoing = new CheckedChannel({ capacity, onOverflow: "suspend" });
    this.closeReason = new Promise((resolve) => (this.end = resolve));
  }
  flush(): Promise<void> {
    return new Promise((resolve) => this.flushes.push(resolve));
  }
  /** Settles every flush under way: what was written before them is confirmed. */
  settleFlushes(): void {
    for (const resolve of this.flushes.splice(0)) resolve();
  }
  close(reason?: CloseReason): Promise<void> {
    this.closes.push(reason);
    return Promise.resolve();
  }
  /** The connection ends (its close reason is known). */
  ended(reason: CloseReason | null = new CloseReason(1006, "")): void {
    this.end(reason);
    this.incoming.close();
  }
  taken(): string[] {
    const frames: string[] = [];
    for (let frame = this.outgoing.tryReceive(); frame !== undefined; frame = this.outgoing.tryReceive()) frames.push(textOf(frame));
    return frames;
  }
}

function setup(capacity = Infinity): {
  session: FakeSession;
  conn: ReconnectConnection;
  host: ConnectionHost & { settled: number; refused: string[]; stop(request: StopRequest): void };
} {
  const session = new FakeSession(capacity);
  let stopping: StopRequest | null = null;
  const host = {
    queue: new ReplayQueue({ messages: Infinity, bytes: Infinity }, "suspend"),
    inbox: new Channel<Frame>({ capacity: 2, onOverflow: "suspend" }),
    stopWakeups: new Wakeups(),
    settled: 0,
    refused: [] as string[],
    stopRequest: () => stopping,
    onSettled() {
      host.settled++;
    },
    onRefused(frame: Frame) {
      host.refused.push(textOf(frame));
    },
    stop(request: StopRequest) {
      stopping = request;
      host.stopWakeups.wakeAll();
    },
  };
  const conn = new ReconnectConnection(session as unknown as DefaultWebSocketSession, host);
  return { session, conn, host };
}

describe("ReconnectConnection", () => {
  test("forward moves queued messages into the connection in order, then waits for more", T, async () => {
    const { session, conn, host } = setup();
    for (const value of ["a", "b", "c"]) await host.queue.send(text(value));
    const forwarding = conn.forward();
    await turn();
    assert.deepEqual(session.taken(), ["a", "b", "c"]);
    assert.equal(host.queue.size, 0);
    await host.queue.send(text("d"));
    await turn();
    assert.deepEqual(session.taken(), ["d"]);
    session.ended();
    conn.markEnded();
    await forwarding;
  });

  test("handed messages are confirmed by a flush started after them; the oldest unconfirmed is tracked", T, async () => {
    const { session, conn, host } = setup();
    assert.equal(conn.oldestSeq(), Infinity);
    await host.queue.send(text("a"));
    const first = host.queue.shift()!;
    assert.equal(conn.handDirect(first), true);
    assert.equal(conn.oldestSeq(), 0);
    session.settleFlushes();
    await turn();
    assert.equal(conn.oldestSeq(), Infinity);
    assert.equal(host.settled, 1);
    assert.deepEqual(conn.takeUnconfirmed(), []);
  });

  test("what was handed over and not confirmed when the connection ended is taken as unconfirmed", T, async () => {
    const { session, conn, host } = setup();
    for (const value of ["a", "b"]) await host.queue.send(text(value));
    const forwarding = conn.forward();
    await turn();
    session.ended();
    await turn();
    session.settleFlushes(); // too late: the connection has ended
    await forwarding;
    assert.equal(host.settled, 0);
    assert.deepEqual(conn.takeUnconfirmed().map((entry) => textOf(entry.frame)), ["a", "b"]);
  });

  test("a full connection: the message waits in hand, and goes back to the queue's front if the connection closes", T, async () => {
    const { session, conn, host } = setup(1);
    for (const value of ["a", "b", "c"]) await host.queue.send(text(value));
    const forwarding = conn.forward();
    await turn();
    assert.equal(textOf(conn.holding!.frame), "b", "the message waiting for room is held");
    assert.equal(conn.oldestSeq(), 0);
    session.settleFlushes(); // "a" is confirmed; "b" in hand is not
    await turn();
    assert.equal(conn.oldestSeq(), 1);
    session.outgoing.close();
    session.outgoing.cancel();
    await forwarding;
    assert.equal(conn.holding, null);
    assert.deepEqual([textOf(host.queue.shift()!.frame), textOf(host.queue.shift()!.frame)], ["b", "c"], "nothing lost, order kept");
  });

  test("a message the session refuses for good is reported and the rest goes on", T, async () => {
    const { session, conn, host } = setup(1);
    let refuse = false;
    session.outgoing.check = (frame) => {
      if (refuse && textOf(frame) === "bad") throw new RangeError("too big now");
    };
    for (const value of ["a", "bad", "c"]) await host.queue.send(text(value));
    refuse = true;
    const forwarding = conn.forward();
    await turn();
    assert.deepEqual(host.refused, ["bad"]);
    assert.deepEqual(session.taken(), ["a", "c"]);
    session.ended();
    await forwarding;
  });

  test("direct hand-over only while nothing is held and the session is not stopping", T, async () => {
    const { conn, host } = setup();
    await host.queue.send(text("a"));
    const entry = host.queue.shift()!;
    host.stop({ reason: new CloseReason(1000, ""), mode: "drain", error: null });
    assert.equal(conn.handDirect(entry), false);
  });

  test("direct hand-over: taken by an open connection, refused while a message is held or once the connection has ended", T, async () => {
    const entries = async (host: ConnectionHost): Promise<[QueueEntry, QueueEntry]> => {
      for (const value of ["a", "b"]) await host.queue.send(text(value));
      return [host.queue.shift()!, host.queue.shift()!];
    };

    const open = setup();
    const [first] = await entries(open.host);
    assert.equal(open.conn.handDirect(first), true);
    assert.deepEqual(open.session.taken(), ["a"]);

    const holding = setup();
    const [held, next] = await entries(holding.host);
    holding.conn.holding = held;
    assert.equal(holding.conn.handDirect(next), false, "it would overtake the message in hand");
    assert.deepEqual(holding.session.taken(), []);

    const ended = setup();
    const [late] = await entries(ended.host);
    ended.conn.markEnded();
    assert.equal(ended.conn.handDirect(late), false, "it would never be confirmed");
    assert.deepEqual(ended.session.taken(), []);
  });

  test("close() with a drain: once the queue is closed and empty, everything is confirmed, then the connection closes with the reason", T, async () => {
    const { session, conn, host } = setup();
    await host.queue.send(text("last"));
    const forwarding = conn.forward();
    await turn();
    const reason = new CloseReason(4000, "bye");
    host.stop({ reason, mode: "drain", error: null });
    host.queue.close();
    await turn();
    assert.deepEqual(session.closes, [], "not before what was handed over is confirmed");
    session.settleFlushes();
    await forwarding;
    assert.deepEqual(session.closes, [reason]);
  });

  test("a stop without a drain: forwarding takes nothing, and queued messages stay", T, async () => {
    for (const mode of ["abort", "cut"] as const) {
      const { session, conn, host } = setup();
      for (const value of ["a", "b"]) await host.queue.send(text(value));
      host.stop({ reason: new CloseReason(1001, ""), mode, error: null });
      await conn.forward();
      assert.deepEqual(session.taken(), [], mode);
      assert.equal(host.queue.size, 2, mode);
    }
  });

  test("a stop without a drain ends a forwarder waiting for messages", T, async () => {
    const { session, conn, host } = setup();
    const forwarding = conn.forward();
    await turn();
    host.stop({ reason: new CloseReason(1001, ""), mode: "abort", error: null });
    conn.wakeups.wakeAll();
    await forwarding;
    assert.equal(host.queue.trySend(text("kept")), true);
    await turn();
    assert.deepEqual(session.taken(), []);
    assert.equal(host.queue.size, 1);
  });

  test("pump moves the connection's messages into incoming, waiting while it is full, and tells how the connection ended", T, async () => {
    const { session, conn, host } = setup();
    for (const value of ["1", "2", "3", "4"]) session.incoming.push(text(value));
    const pumping = conn.pump();
    await turn();
    assert.equal(host.inbox.size, 2, "incoming is full: the pump waits");
    assert.equal(session.incoming.size, 1, "one in hand, the rest left in the connection");
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(textOf(await host.inbox.receive()));
    assert.deepEqual(got, ["1", "2", "3", "4"]);
    session.ended();
    assert.equal(await pumping, null);

    const failed = setup();
    const cause = new Error("reset");
    failed.session.incoming.close(cause);
    assert.equal(await failed.conn.pump(), cause, "an abnormal end gives its cause");
  });
});
