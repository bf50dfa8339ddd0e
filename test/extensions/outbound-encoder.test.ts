// The sending half of the extension transport, with a codec whose asynchronous encodes the test
// settles by hand: order, batching, the encode budget and drain, ending after what was taken, failures.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/protocol/frame.js";
import type { ExtensionCodec } from "../../src/extensions/extension.js";
import { OutboundEncoder, type EncoderHost } from "../../src/extensions/outbound-encoder.js";
import { FakeTransport } from "../session/fake-transport.js";

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Text frames starting with "slow" encode asynchronously (settled by `finish`), to upper case; others at once. */
class ManualCodec implements ExtensionCodec {
  readonly negotiated = { name: "x-manual", parameters: {} };
  readonly rsv = { messageStart: 0, continuation: 0, control: 0 };
  readonly pending: { resolve(frame: Frame): void; reject(error: Error): void; frame: Frame }[] = [];
  failOn: string | null = null;
  /** What `encode` threw for `failOn`. */
  readonly thrown = new Error("cannot encode");

  decode(frame: Frame): Frame {
    return frame;
  }
  encode(frame: Frame): Frame | Promise<Frame> {
    if (!(frame instanceof Frame.Text)) return frame;
    const text = frame.readText();
    if (text === this.failOn) throw this.thrown;
    if (!text.startsWith("slow")) return new Frame.Text(text.toUpperCase());
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, frame }));
  }
  dispose(): void {}

  async finish(error?: Error): Promise<void> {
    const job = this.pending.shift()!;
    if (error) job.reject(error);
    else job.resolve(new Frame.Text((job.frame as Frame.Text).readText().toUpperCase()));
    await settle();
  }
}

class Host implements EncoderHost {
  drains = 0;
  failures: Error[] = [];
  drained(): void {
    this.drains++;
  }
  encodeFailed(error: Error): void {
    this.failures.push(error);
  }
}

function setUp(): { encoder: OutboundEncoder; codec: ManualCodec; inner: FakeTransport; host: Host } {
  const codec = new ManualCodec();
  const inner = new FakeTransport();
  const host = new Host();
  return { encoder: new OutboundEncoder([codec], inner, host), codec, inner, host };
}

describe("OutboundEncoder", () => {
  test("frames encoded at once go out in one write, within the call", () => {
    const { encoder, inner } = setUp();
    assert.equal(encoder.write([new Frame.Text("a"), new Frame.Ping(), new Frame.Text("b")]), true);
    assert.deepEqual(inner.writes.map((w) => w.length), [3]);
    assert.deepEqual(inner.texts, ["A", "<ping>", "B"]);
    assert.equal(encoder.isIdle, true);
  });

  test("frames behind an asynchronous encode wait for it and go out in order", async () => {
    const { encoder, codec, inner } = setUp();
    encoder.write([new Frame.Text("a"), new Frame.Text("slow"), new Frame.Ping(), new Frame.Text("b")]);
    assert.deepEqual(inner.texts, ["A"], "the run before the slow frame is written at once");
    assert.equal(encoder.isIdle, false);
    const idle = encoder.idle();
    await codec.finish();
    assert.deepEqual(inner.texts, ["A", "SLOW", "<ping>", "B"]);
    await idle;
  });

  test("past the encode budget the session is told to wait, and drained once the queue drops under the budget", async () => {
    const { encoder, codec, inner, host } = setUp();
    assert.equal(encoder.write([new Frame.Text("slow 1")]), true);
    assert.equal(encoder.write([new Frame.Text("slow 2")]), true);
    const big = new Frame.Binary(new Uint8Array(700 * 1024));
    assert.equal(encoder.write([big]), true);
    assert.equal(encoder.write([big]), false, "over 1 MiB waiting");
    await codec.finish();
    assert.deepEqual(inner.texts, ["SLOW 1"]);
    assert.equal(host.drains, 0, "still over the budget behind the second slow frame");
    await codec.finish();
    assert.deepEqual(inner.texts, ["SLOW 1", "SLOW 2", "<binary>", "<binary>"]);
    assert.equal(host.drains, 1);
  });

  test("a full connection beneath holds the session back until it drains", async () => {
    const { encoder, inner, host } = setUp();
    inner.accepting = false;
    assert.equal(encoder.write([new Frame.Text("a")]), false);
    inner.accepting = true;
    encoder.onDrain();
    await settle();
    assert.equal(host.drains, 1);
  });

  test("end waits for the frames taken before it; when idle it goes through at once", async () => {
    const { encoder, codec, inner } = setUp();
    encoder.end(50);
    assert.deepEqual(inner.ends, [50]);

    const second = setUp();
    second.encoder.write([new Frame.Text("slow"), new Frame.Close()]);
    second.encoder.end(100);
    assert.deepEqual(second.inner.ends, []);
    await second.codec.finish();
    assert.deepEqual(second.inner.texts, ["SLOW", "<close 1005>"]);
    assert.deepEqual(second.inner.ends, [100]);
    void codec;
  });

  test("a codec that fails drops the queue, reports it, lets a waiting end go ahead, and takes the session's Close after", async () => {
    const { encoder, codec, inner, host } = setUp();
    codec.failOn = "bad";
    encoder.write([new Frame.Text("slow"), new Frame.Text("bad"), new Frame.Text("never")]);
    encoder.end(10);
    await codec.finish();
    assert.deepEqual(host.failures, [codec.thrown]);
    assert.deepEqual(inner.texts, ["SLOW"]);
    assert.deepEqual(inner.ends, [10]);
    encoder.write([new Frame.Close()]);
    assert.deepEqual(inner.texts, ["SLOW", "<close 1005>"]);
  });

  test("once the connection is gone, nothing more is encoded or written", async () => {
    const { encoder, codec, inner, host } = setUp();
    encoder.write([new Frame.Text("slow"), new Frame.Text("b")]);
    encoder.end(10);
    encoder.stop();
    await codec.finish();
    assert.equal(encoder.write([new Frame.Text("c")]), true);
    assert.deepEqual(inner.texts, []);
    assert.deepEqual(inner.ends, [], "no end on a connection that is gone");
    assert.equal(host.drains, 0);
    await encoder.idle();
  });
});
