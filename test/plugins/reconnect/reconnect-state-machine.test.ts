// ReconnectStateMachine alone, over fake connections: its states and events as attempts fail,
// connections open and end, hooks fail, and the session is closed or cut. No network.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ReconnectStateMachine } from "../../../src/plugins/reconnect/reconnect-state-machine.js";
import type { OnOpenHook, ReconnectDeps, ReconnectState } from "../../../src/plugins/reconnect/reconnect-types.js";
import type { ReconnectSettings } from "../../../src/plugins/reconnect/reconnect-config.js";
import { defaultShouldReconnect } from "../../../src/plugins/reconnect/policy.js";
import { ReconnectGaveUpError } from "../../../src/plugins/reconnect/errors.js";
import type { ReconnectEvent } from "../../../src/plugins/reconnect/events.js";
import type { DefaultWebSocketSession } from "../../../src/session/default-session.js";
import { Channel } from "../../../src/session/channel.js";
import { Frame } from "../../../src/protocol/frame.js";
import { CloseReason } from "../../../src/protocol/close-reason.js";
import { ConnectError, ClosedReceiveChannelError } from "../../../src/errors.js";

const T = { timeout: 5_000 };
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A connection as the machine sees it: ended by the peer (`drop`), by `close` or by `terminate`. */
class FakeSession {
  readonly outgoing = new Channel<Frame>();
  readonly incoming = new Channel<Frame>();
  readonly closeReason: Promise<CloseReason | null>;
  timeoutMillis = 1000;
  closedWith: CloseReason | null | undefined = undefined;
  terminated = false;
  /** Flushes wait for `settleFlushes()` instead of resolving at once. */
  holdFlushes = false;
  private readonly flushes: (() => void)[] = [];
  private end!: (reason: CloseReason | null) => void;
  constructor() {
    this.closeReason = new Promise((resolve) => (this.end = resolve));
  }
  flush(): Promise<void> {
    if (!this.holdFlushes) return Promise.resolve();
    return new Promise((resolve) => this.flushes.push(resolve));
  }
  /** Settles every flush under way: what was written before them is confirmed. */
  settleFlushes(): void {
    for (const resolve of this.flushes.splice(0)) resolve();
  }
  close(reason: CloseReason = new CloseReason(1000, "")): Promise<void> {
    if (this.closedWith === undefined) this.closedWith = reason;
    this.finish(reason);
    return Promise.resolve();
  }
  terminate(): void {
    this.terminated = true;
    this.finish(new CloseReason(1006, ""));
  }
  /** The peer ends the connection. */
  drop(reason: CloseReason): void {
    this.finish(reason);
  }
  private finish(reason: CloseReason): void {
    this.end(reason);
    this.incoming.close();
    this.settleFlushes(); // as a real session lets flush() callers go once the connection is gone
  }
}

function settings(overrides: Partial<ReconnectSettings> = {}): ReconnectSettings {
  return {
    minDelayMillis: 1,
    maxDelayMillis: 1,
    factor: 1,
    maxAttempts: Infinity,
    connectTimeoutMillis: null,
    minUptimeMillis: 0,
    maxRetryAfterMillis: 0,
    shouldReconnect: defaultShouldReconnect,
    maxQueued: { messages: Infinity, bytes: Infinity },
    onQueueOverflow: "suspend",
    random: () => 0,
    ...overrides,
  };
}

/** A machine whose connects are answered, in turn, by `answers` (a session, or an error to fail with). */
function machine(answers: (FakeSession | Error)[], overrides: Partial<ReconnectSettings> = {}, hooks: OnOpenHook[] = []) {
  const deps: ReconnectDeps = {
    settings: settings(overrides),
    connect: () => {
      const next = answers.shift() ?? new ConnectError("no more answers", "ECONNREFUSED");
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next as unknown as DefaultWebSocketSession);
    },
    resolveUrl: (request) => new URL(String(request.url)),
    incoming: { capacity: 8, onOverflow: "suspend" },
    maxFrameSize: 1 << 20,
    converter: null,
  };
  const m = new ReconnectStateMachine("ws://127.0.0.1:1/", deps, null, hooks);
  const events: string[] = [];
  const states: ReconnectState[] = [];
  for (const type of ["connecting", "open", "closed", "failed", "retry", "gaveUp", "dropped", "ended"] as const) {
    m.hub.on(type, (event: ReconnectEvent) => {
      events.push(event.type);
      states.push(m.state);
    });
  }
  return { m, events, states };
}

/** Waits until `events` holds `count` events of `type`. */
async function until(events: string[], type: string, count = 1): Promise<void> {
  while (events.filter((event) => event === type).length < count) await turn();
}

describe("ReconnectStateMachine", () => {
  test("connecting → open → (connection lost) → retrying → connecting → open; close() → closing → closed", T, async () => {
    const first = new FakeSession();
    const second = new FakeSession();
    const { m, events, states } = machine([first, second]);
    assert.equal(m.state, "connecting");
    m.start();
    await until(events, "open");
    assert.equal(m.state, "open");
    assert.equal(m.session, first as unknown as DefaultWebSocketSession);
    first.drop(new CloseReason(1001, "restart"));
    await until(events, "open", 2);
    assert.equal(m.session, second as unknown as DefaultWebSocketSession);
    assert.deepEqual(events, ["connecting", "open", "closed", "retry", "connecting", "open"]);
    // Each event is told before the state it announces is entered for the wait ("retry", then "retrying").
    assert.deepEqual(states, ["connecting", "open", "open", "open", "connecting", "open"]);
    m.stop({ reason: new CloseReason(4000, "bye"), mode: "drain", error: null });
    assert.equal(m.state, "closing");
    const ended = await m.ended;
    assert.equal(m.state, "closed");
    assert.deepEqual(second.closedWith, new CloseReason(4000, "bye"));
    assert.deepEqual(ended.reason, new CloseReason(4000, "bye"));
    assert.equal(ended.error, null);
    assert.deepEqual(events.slice(-2), ["closed", "ended"]);
  });

  test("failed attempts in a row up to maxAttempts: gaveUp, and incoming ends with ReconnectGaveUpError", T, async () => {
    const refused = (): ConnectError => new ConnectError("refused", "ECONNREFUSED");
    const { m, events } = machine([refused(), refused(), refused()], { maxAttempts: 3 });
    m.start();
    const ended = await m.ended;
    assert.deepEqual(events, ["connecting", "failed", "retry", "connecting", "failed", "retry", "connecting", "failed", "gaveUp", "ended"]);
    assert.ok(ended.error instanceof ReconnectGaveUpError && ended.error.why === "maxAttempts" && ended.error.attempts === 3);
    await assert.rejects(m.inbox.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === ended.error);
  });

  test("a close the policy does not retry (1000) ends the session normally", T, async () => {
    const session = new FakeSession();
    const { m, events } = machine([session]);
    m.start();
    await until(events, "open");
    session.drop(new CloseReason(1000, "done"));
    const ended = await m.ended;
    assert.deepEqual(events, ["connecting", "open", "closed", "gaveUp", "ended"]);
    assert.equal(ended.error, null);
    assert.deepEqual(ended.reason, new CloseReason(1000, "done"));
  });

  test("an onOpen hook that throws closes that connection with 1011 and counts as a failed attempt", T, async () => {
    const session = new FakeSession();
    const { m, events } = machine([session], { maxAttempts: 1 }, [
      () => {
        throw new Error("auth refused");
      },
    ]);
    m.start();
    const ended = await m.ended;
    assert.deepEqual(session.closedWith, new CloseReason(1011, "onOpen: auth refused"));
    assert.deepEqual(events, ["connecting", "failed", "gaveUp", "ended"]);
    assert.ok(ended.error instanceof ReconnectGaveUpError);
  });

  test("stop() during the wait between attempts ends it at once", T, async () => {
    const { m, events } = machine([new ConnectError("refused", "ECONNREFUSED")], { minDelayMillis: 60_000, maxDelayMillis: 60_000, random: () => 0.9 });
    m.start();
    await until(events, "retry");
    assert.equal(m.state, "retrying");
    m.stop({ reason: new CloseReason(1000, ""), mode: "drain", error: null });
    const ended = await m.ended;
    assert.deepEqual(ended.reason, new CloseReason(1000, ""));
    assert.equal(events.filter((event) => event === "connecting").length, 1, "no further attempt");
  });

  test("a stop that cuts (terminate) ends the open connection without a close handshake; queued messages are reported unsent", T, async () => {
    const session = new FakeSession();
    const { m, events } = machine([session]);
    m.start();
    await until(events, "open");
    m.queue.direct = null; // keep what follows in the queue
    await m.queue.send(new Frame.Text(true, new TextEncoder().encode("queued")));
    m.stop({ reason: new CloseReason(1006, "Terminated"), mode: "cut", error: null });
    const ended = await m.ended;
    assert.equal(session.terminated, true);
    assert.equal(ended.unsent.length, 1);
  });

  test("a harsher stop takes over one under way: a close() still draining becomes a cut", T, async () => {
    const session = new FakeSession();
    const { m, events } = machine([session]);
    m.start();
    await until(events, "open");
    session.holdFlushes = true; // the message in flight stays unconfirmed, so the drain waits
    assert.equal(m.queue.trySend(new Frame.Text(true, new TextEncoder().encode("x"))), true);
    m.stop({ reason: new CloseReason(1000, ""), mode: "drain", error: null });
    await turn();
    assert.equal(session.closedWith, undefined, "still draining");
    m.stop({ reason: new CloseReason(1006, "Terminated"), mode: "cut", error: null });
    assert.equal(session.terminated, true);
    const ended = await m.ended;
    assert.equal(ended.error, null);
  });

  test("a connection that stayed up for minUptime starts a new streak of attempts", T, async () => {
    const refused = (): ConnectError => new ConnectError("refused", "ECONNREFUSED");
    const session = new FakeSession();
    const { m, events } = machine([refused(), session, refused(), refused()], { maxAttempts: 2 });
    m.start();
    await until(events, "open");
    session.drop(new CloseReason(1006, ""));
    const ended = await m.ended;
    assert.deepEqual(events.filter((event) => event === "connecting" || event === "open" || event === "gaveUp"), ["connecting", "connecting", "open", "connecting", "connecting", "gaveUp"]);
    assert.ok(ended.error instanceof ReconnectGaveUpError && ended.error.attempts === 2);
  });

  test("minUptime: a connection dropped sooner goes on with the streak; one dropped later starts a new one", T, async () => {
    const refused = (): ConnectError => new ConnectError("refused", "ECONNREFUSED");
    for (const [upMillis, connects] of [[0, 3], [60, 5]] as const) {
      const session = new FakeSession();
      const { m, events } = machine([refused(), session, refused(), refused()], { maxAttempts: 3, minUptimeMillis: 40 });
      m.start();
      await until(events, "open");
      await new Promise((resolve) => setTimeout(resolve, upMillis));
      session.drop(new CloseReason(1006, ""));
      const ended = await m.ended;
      assert.equal(events.filter((event) => event === "connecting").length, connects, `up ${upMillis} ms`);
      assert.ok(ended.error instanceof ReconnectGaveUpError && ended.error.attempts === 3);
    }
  });

  test("while open, a send with nothing queued goes straight into the connection; flush() waits for its confirmation", T, async () => {
    const session = new FakeSession();
    const { m, events } = machine([session]);
    m.start();
    await until(events, "open");
    session.holdFlushes = true;
    assert.equal(m.queue.trySend(new Frame.Text(true, new TextEncoder().encode("x"))), true);
    assert.equal(session.outgoing.size, 1, "handed over at once");
    assert.equal(m.queue.size, 0);
    let flushed = false;
    const flushing = m.flush().then(() => (flushed = true));
    await turn();
    assert.equal(flushed, false, "pending while the connection's own flush is");
    session.settleFlushes();
    await flushing;
    assert.equal(flushed, true);
    m.stop({ reason: new CloseReason(1000, ""), mode: "abort", error: null });
    await m.ended;
  });
});
