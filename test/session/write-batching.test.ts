// How a session groups its writes, as behaviour rather than tuning: the frames of one turn go out in
// few writes; a producer held back by a full `outgoing` is not turned into one write per `capacity`
// frames; nothing held back for batching outlasts the turn; order is kept; nothing follows a Close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DefaultWebSocketSession } from "../../src/session/default-session.js";
import { Frame } from "../../src/protocol/frame.js";
import { ProtocolViolationError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

const T = { timeout: 5_000 };

async function open(capacity: number): Promise<{ session: DefaultWebSocketSession; transport: FakeTransport }> {
  const transport = new FakeTransport();
  const session = new DefaultWebSocketSession({ transport, channels: { outgoing: { capacity, onOverflow: "suspend" } } });
  await Promise.resolve(); // started a microtask after it is made
  return { session, transport };
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const numbered = (count: number): string[] => Array.from({ length: count }, (_, i) => `message ${i}`);

test("the frames one turn sends go out in one write, after the sending code is done", T, async () => {
  const { session, transport } = await open(100);
  const expected = numbered(50);
  for (const message of expected) void session.send(message);
  assert.equal(transport.writes.length, 0, "nothing is written inside send()");
  await nextTick();
  assert.equal(transport.writes.length, 1);
  assert.deepEqual(transport.texts, expected);
  session.terminate();
});

test("a producer held back by a full outgoing gets far fewer writes than it had waits, in order", T, async () => {
  const capacity = 8;
  const { session, transport } = await open(capacity);
  const expected = numbered(1_000);
  for (const message of expected) await session.send(message);
  await session.flush();
  assert.deepEqual(transport.texts, expected, "every frame written once, in order");
  // Written each time the queue filled, this would be over 1000 / 8 = 125 writes.
  const waits = expected.length / capacity;
  assert.ok(transport.writes.length * 10 <= waits, `${transport.writes.length} writes for ${waits} waits`);
  session.terminate();
});

test("nothing held back for a batch outlasts the turn: a producer that stops has everything written by the next", T, async () => {
  const { session, transport } = await open(4);
  const expected = numbered(10);
  for (const message of expected) await session.send(message);
  // No flush(), no close(): the producer has simply stopped.
  await nextTurn();
  assert.deepEqual(transport.texts, expected);
  session.terminate();
});

test("a producer that goes on for long has its frames written while it produces, not all at its end", T, async () => {
  const { session, transport } = await open(4);
  const kib = "x".repeat(1024);
  const count = 1_000;
  let writtenWhenHalfDone = 0;
  for (let i = 0; i < count; i++) {
    await session.send(kib);
    if (i === count / 2) writtenWhenHalfDone = transport.frames.length;
  }
  assert.ok(writtenWhenHalfDone >= count / 4, `${writtenWhenHalfDone} frames written by the time ${count / 2} were sent`);
  await nextTurn();
  assert.equal(transport.frames.length, count);
  session.terminate();
});

test("a ping answered while frames are held back goes out ahead of them; the data keeps its order", T, async () => {
  const { session, transport } = await open(2);
  const expected = numbered(9);
  const sends = expected.map((message) => session.send(message));
  transport.arrive(new Frame.Ping(new Uint8Array([7])));
  await Promise.all(sends);
  await session.flush();
  assert.equal(transport.texts[0], "<pong>");
  assert.deepEqual(transport.texts.slice(1), expected);
  session.terminate();
});

test("close() after held-back frames writes them first and the Close frame last", T, async () => {
  const { session, transport } = await open(3);
  const expected = numbered(20);
  for (const message of expected) await session.send(message);
  void session.close();
  await nextTurn();
  assert.deepEqual(transport.texts, [...expected, "<close 1000>"]);
  session.terminate();
});

test("a session that fails with frames held back writes its Close, and no data after it", T, async () => {
  const { session, transport } = await open(2);
  const sends = numbered(9).map((message) => session.send(message).catch(() => undefined));
  // Let the first flush hold frames back (a held-back sender went on), then fail within the same turn.
  await nextTick();
  await Promise.resolve();
  session.onProtocolError(new ProtocolViolationError("bad frame from the peer"));
  await Promise.all(sends);
  await nextTurn();
  const texts = transport.texts;
  assert.equal(texts.at(-1), "<close 1002>", `written: ${texts.join(", ")}`);
  assert.equal(texts.filter((text) => text.startsWith("<close")).length, 1);
  session.terminate();
});
