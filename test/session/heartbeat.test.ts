// The heartbeat with mocked timers over a hand-driven transport: pings on schedule ahead of queued
// data, any pong keeps the session alive, a missing pong fails it (1011) and cuts the connection.
import { test, describe, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Heartbeat } from "../../src/session/heartbeat.js";
import { CloseHandshake } from "../../src/session/close-handshake.js";
import { OutgoingPump } from "../../src/session/outgoing-pump.js";
import { Channel } from "../../src/session/channel.js";
import { Frame } from "../../src/protocol/frame.js";
import { ClosedReceiveChannelError, PingTimeoutError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

const T = { timeout: 5_000 };
const TIMEOUT = 500;
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

function open(t: TestContext, mockTimers = true): { heartbeat: Heartbeat; closing: CloseHandshake; transport: FakeTransport; pump: OutgoingPump; incoming: Channel<Frame> } {
  if (mockTimers) t.mock.timers.enable({ apis: ["setTimeout"] });
  const transport = new FakeTransport();
  const pump = new OutgoingPump(transport, { capacity: 8, onOverflow: "suspend" }, false);
  const incoming = new Channel<Frame>({ capacity: 8, onOverflow: "suspend" });
  const closing = new CloseHandshake(transport, pump, incoming, TIMEOUT, true);
  transport.start({ onFrame: () => true, onProtocolError: () => {}, onDrain: () => pump.onDrain(), onClosed: (error) => closing.onEnded(error) });
  const heartbeat = new Heartbeat(pump, closing);
  closing.heartbeat = heartbeat;
  return { heartbeat, closing, transport, pump, incoming };
}

const pings = (transport: FakeTransport): number => transport.frames.filter((frame) => frame instanceof Frame.Ping).length;

describe("Heartbeat", () => {
  test("no pings without an interval", T, (t) => {
    const { transport } = open(t);
    t.mock.timers.tick(60_000);
    assert.equal(pings(transport), 0);
  });

  test("a ping every interval, each with its own payload; pongs keep the session alive", T, (t) => {
    const { heartbeat, closing, transport } = open(t);
    heartbeat.intervalMillis = 200;
    for (let i = 0; i < 10; i++) {
      t.mock.timers.tick(200);
      heartbeat.onPong();
    }
    assert.equal(pings(transport), 10);
    const payloads = new Set(transport.frames.map((frame) => Buffer.from(frame.data).toString()));
    assert.equal(payloads.size, 10);
    assert.equal(closing.state, "open");
    assert.equal(transport.destroyed, false);
  });

  test("a ping goes ahead of data waiting in the queue", T, async (t) => {
    const { heartbeat, transport, pump } = open(t);
    heartbeat.intervalMillis = 100;
    void pump.send(new Frame.Text("queued"));
    t.mock.timers.tick(100);
    await nextTick();
    assert.deepEqual(transport.texts, ["<ping>", "queued"]);
  });

  test("no pong within timeoutMillis: the session fails with 1011 and the connection is cut at once", T, async (t) => {
    const { heartbeat, closing, transport, incoming } = open(t);
    heartbeat.intervalMillis = 100;
    t.mock.timers.tick(100); // ping
    t.mock.timers.tick(TIMEOUT - 1);
    assert.equal(closing.state, "open", "pings go on meanwhile, and the first one's deadline still runs");
    t.mock.timers.tick(1);
    assert.equal(closing.state, "failed");
    assert.equal(transport.texts.at(-1), "<close 1011>");
    assert.equal(transport.destroyed, true);
    const reason = await closing.reason;
    assert.equal(reason?.code, 1011);
    await assert.rejects(incoming.receive(), (e: unknown) => e instanceof ClosedReceiveChannelError && e.cause instanceof PingTimeoutError);
  });

  test("a new interval restarts the schedule; null stops it", T, (t) => {
    const { heartbeat, transport } = open(t);
    heartbeat.intervalMillis = 100;
    t.mock.timers.tick(90);
    heartbeat.intervalMillis = 1_000;
    t.mock.timers.tick(900);
    assert.equal(pings(transport), 0);
    t.mock.timers.tick(100);
    assert.equal(pings(transport), 1);
    heartbeat.onPong();
    heartbeat.intervalMillis = null;
    t.mock.timers.tick(10_000);
    assert.equal(pings(transport), 1);
    assert.equal(heartbeat.intervalMillis, null);
  });

  test("no pings once our Close is out, and none after stop() (the close handshake's)", T, async (t) => {
    const { heartbeat, closing, transport } = open(t);
    heartbeat.intervalMillis = 100;
    closing.close(new Frame.Close());
    await nextTick();
    t.mock.timers.tick(300);
    assert.equal(pings(transport), 0);

    const other = open(t, false);
    other.heartbeat.intervalMillis = 100;
    other.closing.onCloseReceived(null);
    t.mock.timers.tick(1_000);
    assert.equal(pings(other.transport), 0, "stopped when the peer's Close arrived");
  });
});
