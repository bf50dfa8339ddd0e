// The close handshake over a hand-driven transport, with the real outgoing pump and incoming channel,
// and mocked timers for its deadline: each state's way out, the two funnels (close and fail), what
// the session reports (closeReason, how incoming ends, close()'s promise), and RFC 6455 §7.1.5's 1006.
import { test, describe, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { CloseHandshake, FAIL_GRACE_MILLIS } from "../../src/session/close-handshake.js";
import { OutgoingPump } from "../../src/session/outgoing-pump.js";
import { Channel } from "../../src/session/channel.js";
import { Frame } from "../../src/protocol/frame.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ClosedReceiveChannelError, ClosedSendChannelError, CloseTimeoutError, ConnectionClosedError, ProtocolViolationError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

const T = { timeout: 5_000 };
const TIMEOUT = 1_000;
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const timersMocked = new WeakSet<TestContext>();

interface Setup {
  closing: CloseHandshake;
  transport: FakeTransport;
  pump: OutgoingPump;
  incoming: Channel<Frame>;
  stops: number;
}

function open(t: TestContext, answersPeer = true): Setup {
  if (!timersMocked.has(t)) {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    timersMocked.add(t);
  }
  const transport = new FakeTransport();
  const pump = new OutgoingPump(transport, { capacity: 8, onOverflow: "suspend" }, false);
  const incoming = new Channel<Frame>({ capacity: 8, onOverflow: "suspend" });
  const closing = new CloseHandshake(transport, pump, incoming, TIMEOUT, answersPeer);
  // What the session does with the transport's news, as far as the handshake is concerned.
  transport.start({
    onFrame: () => true,
    onProtocolError: (error) => closing.fail(error),
    onDrain: () => pump.onDrain(),
    onClosed: (error) => closing.onEnded(error),
  });
  const setup: Setup = { closing, transport, pump, incoming, stops: 0 };
  closing.heartbeat = { stop: () => setup.stops++ };
  return setup;
}

const reason = (code: number, message = ""): CloseReason => new CloseReason(code, message);

describe("CloseHandshake", () => {
  test("a protocol error acted on at the end of the turn is still the reason when the connection ends first", T, async (t) => {
    const { closing } = open(t);
    closing.failAfterDelivered(new ProtocolViolationError("Reserved opcode 3"));
    closing.onEnded(null);
    assert.equal((await closing.reason)?.code, 1002);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await closing.reason)?.code, 1002);
  });

  test("close(): our Close after the queued frames, the peer's answer completes it, and we report our reason", T, async (t) => {
    const { closing, transport, pump, incoming } = open(t);
    void pump.send(new Frame.Text("last words"));
    closing.close(new Frame.Close(reason(4000, "bye")));
    assert.equal(closing.state, "close-queued");
    closing.close(new Frame.Close(reason(4001))); // later calls change nothing
    await nextTick();
    assert.deepEqual(transport.texts, ["last words", "<close 4000>"]);
    assert.equal(closing.state, "close-sent");
    closing.onCloseReceived(reason(1000, "peer's words"));
    assert.equal(closing.state, "handshake-done");
    assert.deepEqual(transport.ends, [TIMEOUT], "a client waits for the server to close TCP, within the deadline");
    const ended = closing.whenEnded();
    transport.connectionGone(null);
    await ended;
    assert.equal(closing.state, "ended");
    assert.deepEqual(await closing.reason, reason(4000, "bye"));
    assert.equal(incoming.isClosedForReceive, true);
    await assert.rejects(incoming.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === undefined);
  });

  test("a peer that never answers: the connection is cut at the deadline, incoming fails with CloseTimeoutError, closeReason 1006", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    closing.close(new Frame.Close(reason(1000)));
    await nextTick();
    t.mock.timers.tick(TIMEOUT - 1);
    assert.equal(transport.destroyed, false);
    t.mock.timers.tick(1);
    assert.equal(transport.destroyed, true);
    await closing.whenEnded();
    const closeReason = await closing.reason;
    assert.equal(closeReason?.code, 1006);
    await assert.rejects(incoming.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof CloseTimeoutError);
  });

  test("1006 when the connection ends after our Close and before the peer's (§7.1.5)", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    closing.close(new Frame.Close(reason(1000, "ours")));
    await nextTick();
    transport.connectionGone(null);
    assert.equal((await closing.reason)?.code, 1006);
    await assert.rejects(incoming.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof ConnectionClosedError);
  });

  test("the peer's Close is answered with its code once the reader has taken what came before it", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    incoming.push(new Frame.Text("before the close"));
    closing.onCloseReceived(reason(4002, "peer leaves"));
    assert.equal(closing.state, "close-received");
    assert.equal(closing.closeReceived, true);
    await nextTurn();
    await nextTurn();
    assert.deepEqual(transport.texts, [], "not before the reader took the frame before the Close");
    assert.ok(incoming.tryReceive() instanceof Frame.Text);
    closing.onIncomingDrained();
    await nextTurn();
    await nextTick();
    assert.deepEqual(transport.texts, ["<close 4002>"]);
    assert.equal(closing.state, "handshake-done");
    assert.deepEqual(transport.ends, [TIMEOUT]);
    transport.connectionGone(null);
    assert.deepEqual(await closing.reason, reason(4002, "peer leaves"));
    assert.equal(incoming.isClosedForReceive, true);
  });

  test("a Close without a code is answered without one; a reader that never drains still gets it answered at the deadline", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    incoming.push(new Frame.Text("never read"));
    closing.onCloseReceived(reason(CloseReason.Codes.NO_STATUS_RECEIVED));
    await nextTurn();
    assert.deepEqual(transport.texts, []);
    t.mock.timers.tick(TIMEOUT);
    await nextTick();
    const [close] = transport.frames;
    assert.ok(close instanceof Frame.Close);
    assert.equal(close.byteLength, 0, "an empty Close, as the peer's");
  });

  test("close() after the peer's Close sends the answer at once, with the peer's code, not ours", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    incoming.push(new Frame.Text("unread"));
    closing.onCloseReceived(reason(4003));
    closing.close(new Frame.Close(reason(1000)));
    await nextTick();
    assert.deepEqual(transport.texts, ["<close 4003>"]);
  });

  test("a raw session (no automatic answer): incoming stays open, and the user's own Close completes the handshake", T, async (t) => {
    const { closing, transport, incoming } = open(t, false);
    closing.onCloseReceived(reason(4004));
    assert.equal(incoming.isClosedForSend, false, "the raw session's reader gets the Close frame itself");
    await nextTurn();
    assert.deepEqual(transport.texts, []);
    closing.close(new Frame.Close(reason(4005)));
    await nextTick();
    assert.deepEqual(transport.texts, ["<close 4005>"]);
    assert.equal(closing.state, "handshake-done");
    assert.deepEqual(await closing.reason, reason(4004), "the peer's reason, as its Close came first");
  });

  test("both Closes queued at once: the peer's arrives while ours waits, and ours completes the handshake", T, async (t) => {
    const { closing, transport } = open(t);
    closing.close(new Frame.Close(reason(4006)));
    closing.onCloseReceived(reason(4007));
    assert.equal(closing.state, "reply-queued");
    await nextTick();
    assert.deepEqual(transport.texts, ["<close 4006>"]);
    assert.equal(closing.state, "handshake-done");
    transport.connectionGone(null);
    assert.deepEqual(await closing.reason, reason(4007));
  });

  test("fail(): the queue is dropped, a Close with the error's code goes out at once, and the connection ends within the grace", T, async (t) => {
    const { closing, transport, pump, incoming } = open(t);
    const sends = ["a", "b"].map((text) => pump.send(new Frame.Text(text)));
    const error = new ProtocolViolationError("reserved opcode");
    closing.fail(error);
    closing.fail(new Error("second failure")); // only the first counts
    assert.equal(closing.state, "failed");
    assert.deepEqual(transport.texts, ["<close 1002>"], "at once, and nothing queued before it follows");
    assert.deepEqual(transport.ends, [0], "waiting for nobody");
    await assert.rejects(pump.send(new Frame.Text("c")), ClosedSendChannelError);
    await assert.rejects(incoming.receive(), (e: unknown) => e instanceof ClosedReceiveChannelError && e.cause === error);
    assert.deepEqual(await closing.reason, reason(1002, "reserved opcode"));
    await Promise.allSettled(sends);
    await nextTurn();
    assert.equal(transport.texts.length, 1, "nothing after the Close (§5.5.1)");
    t.mock.timers.tick(FAIL_GRACE_MILLIS);
    assert.equal(transport.destroyed, true);
    await closing.whenEnded();
    assert.equal((await closing.reason)?.code, 1002, "the first reason stays");
  });

  test("fail(..., cut): the connection is cut at once (a peer presumed dead)", T, (t) => {
    const { closing, transport } = open(t);
    closing.fail(new Error("no pong"), 1011, true);
    assert.deepEqual(transport.texts, ["<close 1011>"]);
    assert.equal(transport.destroyed, true);
  });

  test("terminate(): no Close, the connection cut, closeReason 1006 \"Terminated\"; close() after it just waits", T, async (t) => {
    const { closing, transport } = open(t);
    closing.terminate();
    closing.close(new Frame.Close());
    await nextTurn();
    assert.deepEqual(transport.texts, []);
    assert.equal(transport.destroyed, true);
    await closing.whenEnded();
    assert.deepEqual(await closing.reason, reason(1006, "Terminated"));
  });

  test("the connection lost without a handshake: 1006 with the error, incoming fails with ConnectionClosedError", T, async (t) => {
    const { closing, transport, incoming } = open(t);
    const reset = new Error("read ECONNRESET");
    transport.connectionGone(reset);
    assert.deepEqual(await closing.reason, reason(1006, "read ECONNRESET"));
    await assert.rejects(incoming.receive(), (e: unknown) => e instanceof ClosedReceiveChannelError && e.cause instanceof ConnectionClosedError && e.cause.cause === reset);
  });

  test("the heartbeat is stopped when the peer's Close arrives, on failure, and at the end", T, (t) => {
    for (const end of [(s: Setup) => s.closing.onCloseReceived(reason(1000)), (s: Setup) => s.closing.fail(new Error("x")), (s: Setup) => s.transport.connectionGone(null)]) {
      const setup = open(t);
      end(setup);
      assert.ok(setup.stops >= 1);
    }
  });
});
