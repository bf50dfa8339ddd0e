// The outgoing pump over a hand-driven transport: checks at send time, one write per turn of sends,
// staging for a producer held back by a full queue (bounded, and never past the turn), write
// backpressure, control frames ahead of data, and nothing after a Close.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { OutgoingPump } from "../../src/session/outgoing-pump.js";
import { Frame } from "../../src/protocol/frame.js";
import { ClosedSendChannelError, FrameTooBigError, ProtocolViolationError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

const T = { timeout: 5_000 };
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const numbered = (count: number, prefix = "m"): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

function open(capacity = 8, options: { rsvAllowed?: boolean } = {}): { pump: OutgoingPump; transport: FakeTransport; closes: Frame.Close[] } {
  const transport = new FakeTransport();
  const pump = new OutgoingPump(transport, { capacity, onOverflow: "suspend" }, options.rsvAllowed ?? false);
  transport.start({ onFrame: () => true, onProtocolError: () => {}, onDrain: () => pump.onDrain(), onClosed: () => {} });
  const closes: Frame.Close[] = [];
  pump.listener = { onCloseWritten: (frame) => closes.push(frame) };
  return { pump, transport, closes };
}

describe("OutgoingPump", () => {
  test("frames sent in one synchronous run go out together, after the caller's call, in order", T, async () => {
    const { pump, transport } = open(100);
    for (const text of numbered(20)) void pump.send(new Frame.Text(text));
    assert.equal(transport.writes.length, 0, "nothing is written inside the caller's call");
    await nextTick();
    assert.equal(transport.writes.length, 1);
    assert.deepEqual(transport.texts, numbered(20));
  });

  test("a frame that cannot be sent rejects its own send and is not queued", T, async () => {
    const { pump, transport } = open(8);
    await assert.rejects(pump.send("text" as unknown as Frame), TypeError);
    await assert.rejects(pump.send(new Frame.Ping(new Uint8Array(126))), /at most 125 bytes/);
    await assert.rejects(pump.send(new Frame.Binary(true, new Uint8Array(1), true)), /RSV bits/);
    transport.maxFrameSize = 10;
    await assert.rejects(pump.send(new Frame.Binary(new Uint8Array(11))), FrameTooBigError);
    assert.throws(() => pump.trySend(new Frame.Binary(new Uint8Array(11))), FrameTooBigError);
    await nextTurn();
    assert.equal(transport.frames.length, 0);

    const withExtension = open(8, { rsvAllowed: true });
    await withExtension.pump.send(new Frame.Binary(true, new Uint8Array(1), true));
    await nextTick();
    assert.equal(withExtension.transport.frames.length, 1);
  });

  test("a producer held back by a full queue gets few writes, in order, all before the turn ends", T, async () => {
    const { pump, transport } = open(4);
    const expected = numbered(400);
    for (const text of expected) await pump.send(new Frame.Text(text));
    // The producer was held back about 100 times (once per 4 frames); its frames went out together.
    assert.ok(transport.writes.length < 10, `${transport.writes.length} writes`);
    await nextTurn();
    assert.deepEqual(transport.texts, expected, "every frame, once, in order, without flush() or close()");
  });

  test("staging is bounded: a long producer's frames reach the transport while it is still producing", T, async () => {
    const { pump, transport } = open(4);
    const kib = "x".repeat(1024);
    let writtenMidway = 0;
    for (let i = 0; i < 1000; i++) {
      await pump.send(new Frame.Text(kib));
      if (i === 500) writtenMidway = transport.frames.length;
    }
    assert.ok(writtenMidway >= 250, `only ${writtenMidway} of 500 frames written while the producer went on`);
    await nextTurn();
    assert.equal(transport.frames.length, 1000);
  });

  test("flush() waits for staged frames, and for a transport that is full", T, async () => {
    const { pump, transport } = open(2);
    await Promise.all(numbered(7).map((text) => pump.send(new Frame.Text(text))));
    await pump.flush();
    assert.equal(transport.frames.length, 7);

    transport.accepting = false;
    void pump.send(new Frame.Text("a"));
    await nextTick();
    void pump.send(new Frame.Text("b"));
    let flushed = false;
    const flushing = pump.flush().then(() => (flushed = true));
    await nextTurn();
    assert.equal(flushed, false, "b is not written while the transport is full");
    transport.drain();
    await flushing;
    assert.deepEqual(transport.texts.slice(-2), ["a", "b"]);
  });

  test("write backpressure: nothing is written until the transport drains, and senders wait on the full queue", T, async () => {
    const { pump, transport } = open(2);
    transport.accepting = false;
    await pump.send(new Frame.Text("first"));
    await nextTick();
    assert.equal(transport.writes.length, 1);
    let sent = 0;
    const sends = numbered(5).map((text) => pump.send(new Frame.Text(text)).then(() => sent++));
    await nextTurn();
    assert.equal(transport.writes.length, 1, "no write while the transport is full");
    assert.equal(sent, 2, "the queue took its capacity, the other senders wait");
    transport.drain();
    await Promise.all(sends);
    await pump.flush();
    assert.deepEqual(transport.texts, ["first", ...numbered(5)]);
  });

  test("offer (fan-out): written at once when nothing waits; behind what is queued, in order; refused when full", T, async () => {
    const { pump, transport } = open(2);
    assert.equal(pump.offer(new Frame.Text("now")), true);
    assert.equal(transport.writes.length, 1, "written inside the call: nothing was queued before it");

    void pump.send(new Frame.Text("queued"));
    assert.equal(pump.offer(new Frame.Text("behind")), true);
    assert.equal(transport.writes.length, 1, "queued behind the frame already waiting");
    assert.equal(pump.offer(new Frame.Text("over")), false, "the queue is full: refused, not waited for");
    await nextTick();
    assert.deepEqual(transport.texts, ["now", "queued", "behind"]);

    transport.accepting = false;
    assert.equal(pump.offer(new Frame.Text("fills")), true);
    assert.equal(pump.offer(new Frame.Text("waits")), true);
    assert.equal(transport.writes.length, 3, "nothing more is written while the transport is full");
    transport.drain();
    await pump.flush();
    assert.deepEqual(transport.texts, ["now", "queued", "behind", "fills", "waits"]);
    assert.throws(() => pump.offer(new Frame.Ping(new Uint8Array(126))), /at most 125 bytes/);
  });

  test("control frames go ahead of queued data, and are skipped while the transport is full or after a Close", T, async () => {
    const { pump, transport } = open(8);
    void pump.send(new Frame.Text("queued"));
    pump.writeControl(new Frame.Pong());
    await nextTick();
    assert.deepEqual(transport.texts, ["<pong>", "queued"]);

    transport.accepting = false;
    void pump.send(new Frame.Text("fills"));
    await nextTick();
    pump.writeControl(new Frame.Ping());
    transport.drain();
    pump.queueClose(new Frame.Close());
    await nextTick();
    pump.writeControl(new Frame.Ping());
    assert.deepEqual(transport.texts, ["<pong>", "queued", "fills", "<close 1005>"]);
  });

  test("of Pongs skipped while the transport is full, the latest goes out on drain, ahead of queued data (§5.5.3)", T, async () => {
    const { pump, transport } = open(8);
    transport.accepting = false;
    void pump.send(new Frame.Text("fills"));
    await nextTick();
    void pump.send(new Frame.Text("queued"));
    for (const text of ["p1", "p2", "p3"]) pump.writeControl(new Frame.Pong(new TextEncoder().encode(text)));
    pump.writeControl(new Frame.Ping());
    transport.drain();
    await nextTick();
    const pongs = transport.frames.filter((frame) => frame instanceof Frame.Pong).map((frame) => new TextDecoder().decode(frame.data));
    assert.deepEqual(pongs, ["p3"]);
    assert.deepEqual(transport.texts, ["fills", "<pong>", "queued"]);
  });

  test("a Close goes after everything queued before it; nothing follows it, and later sends are refused", T, async () => {
    const { pump, transport, closes } = open(3);
    const sends = numbered(10).map((text) => pump.send(new Frame.Text(text)));
    const close = new Frame.Close();
    pump.queueClose(close);
    await assert.rejects(pump.send(new Frame.Text("late")), ClosedSendChannelError);
    await Promise.all(sends);
    await pump.flush();
    assert.deepEqual(transport.texts, [...numbered(10), "<close 1005>"]);
    assert.deepEqual(closes, [close]);
    assert.equal(pump.isFinished, true);
  });

  test("a Close sent as a frame (a raw session's) drops what was queued after it", T, async () => {
    const { pump, transport, closes } = open(10);
    void pump.send(new Frame.Text("before"));
    const close = new Frame.Close();
    void pump.send(close);
    void pump.send(new Frame.Text("after"));
    await nextTick();
    assert.deepEqual(transport.texts, ["before", "<close 1005>"]);
    assert.deepEqual(closes, [close]);
    await assert.rejects(pump.send(new Frame.Text("later")), ClosedSendChannelError);
  });

  test("abort: staged frames are dropped and the Close goes out at once, alone", T, async () => {
    const { pump, transport } = open(2);
    const sends = numbered(9).map((text) => pump.send(new Frame.Text(text)));
    // Let the first flush stage frames (a held-back sender went on), then fail within the same turn.
    await nextTick();
    await Promise.resolve();
    pump.abort(new ProtocolViolationError("bad frame from the peer"), new Frame.Close());
    await Promise.allSettled(sends);
    await nextTurn();
    assert.deepEqual(transport.texts, ["<close 1005>"], "nothing staged follows (or precedes) the Close");
    pump.abort(new Error("again"), new Frame.Close());
    assert.equal(transport.texts.length, 1, "no second Close");
  });

  test("abort: senders waiting on a full queue fail with the error", T, async () => {
    const { pump, transport } = open(2);
    transport.accepting = false;
    await pump.send(new Frame.Text("fills the socket"));
    await nextTick();
    const waiting = numbered(5).map((text) => pump.send(new Frame.Text(text)).then(() => "queued", (e: unknown) => e));
    const error = new ProtocolViolationError("bad frame from the peer");
    pump.abort(error, new Frame.Close());
    const outcomes = await Promise.all(waiting);
    assert.deepEqual(outcomes.slice(0, 2), ["queued", "queued"]);
    for (const outcome of outcomes.slice(2)) assert.ok(outcome instanceof ClosedSendChannelError && outcome.cause === error, String(outcome));
    transport.drain();
    await nextTurn();
    assert.deepEqual(transport.texts, ["fills the socket", "<close 1005>"]);
  });

  test("once the connection is gone nothing is written, and flush() callers are let go", T, async () => {
    const { pump, transport } = open(2);
    transport.accepting = false;
    void pump.send(new Frame.Text("a"));
    await nextTick();
    void pump.send(new Frame.Text("b")).catch(() => {});
    const flushing = pump.flush();
    pump.stop(new Error("gone"));
    await flushing;
    transport.drain();
    await nextTurn();
    assert.deepEqual(transport.texts, ["a"]);
  });
});
