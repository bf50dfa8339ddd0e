// How the session groups its writes: a lone send goes out on the next tick; a producer that awaits
// each send against a full `outgoing` gets few, large writes instead of one per `capacity` frames;
// and whatever is held back for that is written by the end of the same turn, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DefaultWebSocketSession } from "../../src/session/default-session.js";
import type { FrameSink, FrameTransport } from "../../src/transport/frame-transport.js";
import { Frame } from "../../src/protocol/frame.js";
import { ProtocolViolationError } from "../../src/errors.js";

const T = { timeout: 5_000 };

/** A transport that takes every write at once and records the frames of each. */
class RecordingTransport implements FrameTransport {
  readonly masking = true;
  maxFrameSize = 1 << 20;
  readonly writes: Frame[][] = [];
  private sink: FrameSink | null = null;
  start(sink: FrameSink): void {
    this.sink = sink;
  }
  write(frames: readonly Frame[]): boolean {
    this.writes.push([...frames]);
    return true;
  }
  pause(): void {}
  resume(): void {}
  flushed(): Promise<void> {
    return Promise.resolve();
  }
  /** Like a socket, the connection outlives end() until the peer closes it (here: terminate()). */
  end(): void {}
  destroy(): void {
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(null);
  }
  get texts(): string[] {
    return this.writes.flat().map((frame) => (frame instanceof Frame.Text ? frame.readText() : `<${frame.frameType}>`));
  }
}

function open(capacity: number): { session: DefaultWebSocketSession; transport: RecordingTransport } {
  const transport = new RecordingTransport();
  const session = new DefaultWebSocketSession({ transport, channels: { outgoing: { capacity, onOverflow: "suspend" } } });
  return { session, transport };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const numbered = (count: number): string[] => Array.from({ length: count }, (_, i) => `message ${i}`);

test("a lone send is written on the next tick, alone", T, async () => {
  const { session, transport } = open(8);
  await session.send("hello");
  await new Promise((resolve) => process.nextTick(resolve));
  assert.deepEqual(transport.texts, ["hello"]);
  assert.equal(transport.writes.length, 1);
  session.terminate();
});

test("a producer awaiting each send against a full outgoing is written in batches far above its capacity", T, async () => {
  const { session, transport } = open(8);
  const expected = numbered(1_000);
  for (const message of expected) await session.send(message);
  await session.flush();
  assert.deepEqual(transport.texts, expected, "every frame written once, in order");
  // Without staging this is one write per 8 (or 9) frames: over 100 writes.
  assert.ok(transport.writes.length <= 5, `${transport.writes.length} writes`);
  session.terminate();
});

test("frames held back for a batch are written by the end of the turn without any further send", T, async () => {
  const { session, transport } = open(4);
  const expected = numbered(10);
  for (const message of expected) await session.send(message);
  // No flush(), no close(): the producer has simply stopped.
  await nextTurn();
  assert.deepEqual(transport.texts, expected);
  session.terminate();
});

test("a held-back batch is written once it reaches 16 KiB, so the peer starts on it while more is made", T, async () => {
  const { session, transport } = open(4);
  const kib = "x".repeat(1024);
  for (let i = 0; i < 100; i++) await session.send(kib);
  await nextTurn();
  assert.equal(transport.writes.flat().length, 100);
  assert.ok(transport.writes.length >= 5, `${transport.writes.length} writes for 100 KiB`);
  for (const write of transport.writes) {
    const bytes = write.reduce((sum, frame) => sum + frame.byteLength, 0);
    assert.ok(bytes <= 16 * 1024 + 4 * 1024, `a write of ${bytes} bytes`);
  }
  session.terminate();
});

test("flush() waits for frames held back for a batch", T, async () => {
  const { session, transport } = open(2);
  const sends = numbered(7).map((message) => session.send(message));
  await Promise.all(sends);
  await session.flush();
  assert.equal(transport.writes.flat().length, 7);
  session.terminate();
});

test("close() after held-back frames writes them first and the Close frame last", T, async () => {
  const { session, transport } = open(3);
  const expected = numbered(20);
  for (const message of expected) await session.send(message);
  void session.close();
  await nextTurn();
  const texts = transport.texts;
  assert.deepEqual(texts.slice(0, 20), expected);
  assert.equal(texts.length, 21);
  assert.ok(transport.writes.flat()[20] instanceof Frame.Close);
  session.terminate();
});

test("a session that fails drops what it staged: no data frame follows its Close", T, async () => {
  const { session, transport } = open(2);
  const sends = numbered(9).map((message) => session.send(message).catch(() => undefined));
  // Let the first flush stage frames (a held-back sender went on), then fail within the same turn.
  await new Promise((resolve) => process.nextTick(resolve));
  await Promise.resolve();
  session.onProtocolError(new ProtocolViolationError("bad frame from the peer"));
  await Promise.all(sends);
  await nextTurn();
  const frames = transport.writes.flat();
  const close = frames.findIndex((frame) => frame instanceof Frame.Close);
  assert.ok(close >= 0, "a Close frame was written");
  assert.equal(close, frames.length - 1, `frames after the Close: ${transport.texts.slice(close + 1).join(", ")}`);
  session.terminate();
});
