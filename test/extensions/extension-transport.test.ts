// ExtensionTransport's own wiring between the session (a recording sink), its two halves and the
// transport beneath (a FakeTransport): where an encode failure goes, drains after a destroy, releasing
// the codecs once, and what the connection's end does to output still waiting.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/protocol/frame.js";
import type { ExtensionCodec } from "../../src/extensions/extension.js";
import { ExtensionTransport } from "../../src/extensions/extension-transport.js";
import { FakeTransport, RecordingSink } from "../session/fake-transport.js";

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Text frames starting with "slow" encode asynchronously (settled by `finish`), "bad" throws; other
 * frames pass as they are, both ways. Records what it was asked to encode and how often it was released.
 */
class ManualCodec implements ExtensionCodec {
  readonly negotiated = { name: "x-manual", parameters: {} };
  readonly rsv = { messageStart: 0, continuation: 0, control: 0 };
  readonly pending: { resolve(frame: Frame): void; reject(error: Error): void; frame: Frame }[] = [];
  readonly encoded: string[] = [];
  readonly thrown = new Error("cannot encode");
  disposals = 0;

  decode(frame: Frame): Frame {
    return frame;
  }
  encode(frame: Frame): Frame | Promise<Frame> {
    if (!(frame instanceof Frame.Text)) return frame;
    const text = frame.readText();
    this.encoded.push(text);
    if (text === "bad") throw this.thrown;
    if (!text.startsWith("slow")) return frame;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, frame }));
  }
  dispose(): void {
    this.disposals++;
  }

  async finish(error?: Error): Promise<void> {
    const job = this.pending.shift()!;
    if (error) job.reject(error);
    else job.resolve(job.frame);
    await settle();
  }
}

function setUp(): { transport: ExtensionTransport; codec: ManualCodec; inner: FakeTransport; sink: RecordingSink } {
  const codec = new ManualCodec();
  const inner = new FakeTransport();
  const transport = new ExtensionTransport(inner, [codec]);
  const sink = new RecordingSink();
  transport.start(sink);
  return { transport, codec, inner, sink };
}

describe("ExtensionTransport", () => {
  test("frames pass through the codecs both ways, and the session's pause and resume reach the connection", () => {
    const { transport, inner, sink } = setUp();
    assert.equal(inner.sink, transport, "it is the sink of the transport beneath");
    assert.equal(transport.write([new Frame.Text("a")]), true);
    assert.deepEqual(inner.texts, ["a"]);
    sink.accepting = false;
    assert.equal(inner.arrive(new Frame.Text("b")), false);
    assert.deepEqual(sink.texts, ["b"]);
    sink.accepting = true;
    transport.resume();
    assert.equal(inner.resumes, 1);
  });

  test("a failed encode fails the session with its error while frames still reach it; the connection stays", async () => {
    const { transport, codec, inner, sink } = setUp();
    transport.write([new Frame.Text("bad")]);
    assert.deepEqual(sink.errors, [codec.thrown]);
    assert.equal(inner.destroyed, false);
    const rejected = new Error("rejected");
    const second = setUp();
    second.transport.write([new Frame.Text("slow")]);
    await second.codec.finish(rejected);
    assert.deepEqual(second.sink.errors, [rejected]);
    assert.equal(second.inner.destroyed, false);
  });

  test("a failed encode after the session ended the connection cuts it, as nobody is left to tell", async () => {
    const { transport, codec, inner, sink } = setUp();
    transport.write([new Frame.Text("slow")]);
    transport.end(100);
    assert.deepEqual(inner.ends, [], "the end waits for the frame being encoded");
    await codec.finish(new Error("rejected"));
    assert.deepEqual(sink.errors, []);
    assert.equal(inner.destroyed, true);
    await settle();
    assert.deepEqual(sink.closed, { error: null });
  });

  test("a session waiting for a drain is not told of one after it destroyed the connection", async () => {
    // The drain came in the same turn, before the destroy: it is told asynchronously, so not at all.
    const { transport, inner, sink } = setUp();
    inner.accepting = false;
    assert.equal(transport.write([new Frame.Text("a")]), false);
    inner.drain();
    transport.destroy();
    await settle();
    assert.equal(sink.drains, 0);

    // The drain comes after the destroy, before the connection reports its end.
    const late = setUp();
    late.inner.destroy = () => void (late.inner.destroyed = true);
    late.inner.accepting = false;
    assert.equal(late.transport.write([new Frame.Text("a")]), false);
    late.transport.destroy();
    late.inner.drain();
    await settle();
    assert.equal(late.sink.drains, 0);
    late.inner.connectionGone(null);
    assert.deepEqual(late.sink.closed, { error: null });

    const live = setUp();
    live.inner.accepting = false;
    assert.equal(live.transport.write([new Frame.Text("a")]), false);
    live.inner.drain();
    await settle();
    assert.equal(live.sink.drains, 1, "without the destroy, it is");
  });

  test("the codecs are released once when destroy and the connection's end both come, in either order", async () => {
    const { transport, codec, inner, sink } = setUp();
    transport.destroy();
    assert.equal(codec.disposals, 1, "released by the destroy itself");
    await settle(); // the FakeTransport reports its end after destroy, as a socket does
    assert.equal(inner.closed, true);
    assert.deepEqual(sink.closed, { error: null });
    assert.equal(codec.disposals, 1);

    const second = setUp();
    const error = new Error("reset");
    second.inner.connectionGone(error);
    assert.deepEqual(second.sink.closed, { error });
    assert.equal(second.codec.disposals, 1);
    second.transport.destroy();
    assert.equal(second.codec.disposals, 1);
  });

  test("when the connection is gone, output waiting to be encoded is dropped and a waiting end is moot", async () => {
    const { transport, codec, inner, sink } = setUp();
    transport.write([new Frame.Text("slow"), new Frame.Text("b")]);
    transport.write([new Frame.Text("c")]);
    transport.end(100);
    const flushed = transport.flushed();
    inner.connectionGone(null);
    await flushed;
    await codec.finish();
    assert.deepEqual(codec.encoded, ["slow"], "nothing behind the frame in progress is encoded");
    assert.deepEqual(inner.writes, []);
    assert.deepEqual(inner.ends, []);
    assert.equal(transport.write([new Frame.Text("d")]), true, "later writes are taken and dropped");
    assert.deepEqual(codec.encoded, ["slow"]);
    assert.deepEqual(sink.closed, { error: null });
    assert.equal(codec.disposals, 1);
  });
});
