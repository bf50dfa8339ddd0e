// ArrivalQueue: what a message-based engine (ws, Platform) received, held while the session is
// paused, dropped once it stopped reading, and ended by the close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArrivalQueue, type Arrival } from "../../src/engine/arrival-queue.js";
import { Frame } from "../../src/protocol/frame.js";

/** A session as the queue sees it: it records what it is given and takes `room` frames before asking for a pause. */
class RecordingSink {
  readonly frames: string[] = [];
  readonly errors: Error[] = [];
  constructor(public room = Infinity) {}
  onFrame(frame: Frame): boolean {
    this.frames.push(new TextDecoder().decode(frame.data));
    return this.frames.length < this.room;
  }
  onProtocolError(error: Error): void {
    this.errors.push(error);
  }
  onDrain(): void {}
  onClosed(): void {}
}

const text = (value: string): Arrival<string> => ({ kind: "frame", frame: new Frame.Text(true, new TextEncoder().encode(value)) });
const close = (why: string): Arrival<string> => ({ kind: "close", close: why });
const frame = (value: string): Frame => new Frame.Text(true, new TextEncoder().encode(value));

function queue(): { arrivals: ArrivalQueue<string>; closes: string[]; pauses: () => number } {
  const closes: string[] = [];
  let pauses = 0;
  const arrivals = new ArrivalQueue<string>(
    (why) => closes.push(why),
    () => pauses++,
  );
  return { arrivals, closes, pauses: () => pauses };
}

test("frames go to the session in order as they arrive; the close ends delivery", () => {
  const { arrivals, closes } = queue();
  const sink = new RecordingSink();
  for (const value of ["a", "b", "c"]) arrivals.push(text(value), sink);
  arrivals.push(close("bye"), sink);
  assert.deepEqual(sink.frames, ["a", "b", "c"]);
  assert.deepEqual(closes, ["bye"]);
});

test("what arrives before the session starts waits for it", () => {
  const { arrivals } = queue();
  arrivals.push(text("early"), null);
  arrivals.push(text("later"), null);
  const sink = new RecordingSink();
  arrivals.deliver(sink);
  assert.deepEqual(sink.frames, ["early", "later"]);
});

test("a session that asks for a pause is given nothing more until it resumes: the rest waits here", () => {
  const { arrivals, pauses } = queue();
  const sink = new RecordingSink(2);
  for (let i = 0; i < 10; i++) arrivals.push(text(String(i)), sink);
  assert.deepEqual(sink.frames, ["0", "1"], "nothing reaches a paused session");
  assert.equal(arrivals.paused, true);
  assert.equal(pauses(), 1, "the runtime is asked once to stop handing over more");
  arrivals.deliver(sink); // a delivery while still paused (a new arrival, a start) changes nothing
  assert.deepEqual(sink.frames, ["0", "1"]);

  sink.room = 5;
  arrivals.paused = false; // the session resumed
  arrivals.deliver(sink);
  assert.deepEqual(sink.frames, ["0", "1", "2", "3", "4"], "in order, up to the next pause");
  assert.equal(pauses(), 2);
  sink.room = Infinity;
  arrivals.paused = false;
  arrivals.deliver(sink);
  assert.deepEqual(sink.frames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
});

test("a frame that arrives while the session is paused waits, though nothing else does; taken at once otherwise", () => {
  const { arrivals } = queue();
  const sink = new RecordingSink(1);
  arrivals.pushFrame(frame("taken"), sink);
  assert.equal(arrivals.paused, true, "the queue sets paused when the session asks for it");
  const held = (arrivals as unknown as { queue: { size: number } }).queue;
  assert.equal(held.size, 0, "a frame the session took at once never went through the queue");
  arrivals.pushFrame(frame("held"), sink);
  assert.deepEqual(sink.frames, ["taken"], "nothing reaches a paused session");
  assert.equal(held.size, 1);
  sink.room = Infinity;
  arrivals.paused = false; // the session resumed
  arrivals.deliver(sink);
  arrivals.pushFrame(frame("next"), sink);
  assert.deepEqual(sink.frames, ["taken", "held", "next"]);
  assert.equal(held.size, 0);
});

test("frames pushed before the session starts, while frames wait, or once stopped keep their order or are dropped", () => {
  const { arrivals, closes } = queue();
  arrivals.pushFrame(frame("early"), null);
  const sink = new RecordingSink(1);
  arrivals.pushFrame(frame("later"), sink); // a frame waits: this one goes behind it
  assert.deepEqual(sink.frames, ["early"]);
  sink.room = Infinity;
  arrivals.paused = false;
  arrivals.pushFrame(frame("last"), sink);
  assert.deepEqual(sink.frames, ["early", "later", "last"]);
  arrivals.stopped = true;
  arrivals.pushFrame(frame("dropped"), sink);
  arrivals.push(close("bye"), sink);
  assert.deepEqual(sink.frames, ["early", "later", "last"]);
  assert.deepEqual(closes, ["bye"]);
});

test("a session that stops delivery and then asks for a pause (it failed the connection) does not pause the runtime", () => {
  for (const how of ["at once", "from the queue"] as const) {
    const { arrivals, pauses } = queue();
    const sink = new RecordingSink();
    sink.onFrame = () => {
      arrivals.stopped = true; // as the transport's end(), called by the session from inside onFrame
      return false;
    };
    if (how === "at once") arrivals.pushFrame(frame("fails"), sink);
    else {
      arrivals.push(text("fails"), null);
      arrivals.deliver(sink);
    }
    assert.equal(pauses(), 0, `${how}: reading goes on, so the peer's close is seen`);
    assert.equal(arrivals.paused, false, how);
  }
});

test("a close behind paused frames waits for them; once stopped, they are dropped and the close goes at once", () => {
  const { arrivals, closes } = queue();
  const sink = new RecordingSink(1);
  arrivals.push(text("taken"), sink);
  arrivals.push(text("waiting"), sink);
  arrivals.push(close("bye"), sink);
  assert.deepEqual(closes, [], "the close keeps its place behind the frames");
  arrivals.stopped = true; // the session is ending the connection: only the close matters now
  arrivals.deliver(sink);
  assert.deepEqual(sink.frames, ["taken"]);
  assert.deepEqual(closes, ["bye"]);
});

test("an error of ours stops delivery: it reaches the session, the frames after it do not", () => {
  const { arrivals, closes } = queue();
  const sink = new RecordingSink();
  arrivals.push(text("before"), sink);
  arrivals.push({ kind: "error", error: new RangeError("too big") }, sink);
  arrivals.push(text("after"), sink);
  arrivals.push(close("gone"), sink);
  assert.deepEqual(sink.frames, ["before"]);
  assert.deepEqual(sink.errors.map((error) => error.message), ["too big"]);
  assert.equal(arrivals.stopped, true);
  assert.deepEqual(closes, ["gone"]);
});

test("once finished, what was left is dropped and nothing more is queued or delivered", () => {
  const { arrivals, closes } = queue();
  const sink = new RecordingSink(1);
  arrivals.push(text("a"), sink);
  arrivals.push(text("b"), sink);
  arrivals.finish();
  arrivals.paused = false;
  arrivals.push(text("c"), sink);
  arrivals.push(close("late"), sink);
  arrivals.deliver(sink);
  assert.deepEqual(sink.frames, ["a"]);
  assert.deepEqual(closes, []);
  const held = (arrivals as unknown as { queue: { size: number } }).queue.size;
  assert.equal(held, 0, "a finished connection keeps nothing in memory");
});
