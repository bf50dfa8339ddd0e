// The receiving half of the extension transport, with a codec whose asynchronous decodes the test
// settles by hand: order, the read budget, pausing, failures and the connection's end.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/protocol/frame.js";
import { ProtocolViolationError } from "../../src/errors.js";
import type { DecodeLimits, ExtensionCodec } from "../../src/extensions/extension.js";
import { InboundDecoder, type DecoderHost } from "../../src/extensions/inbound-decoder.js";
import { RecordingSink } from "../session/fake-transport.js";

const LIMITS: DecodeLimits = { maxFrameSize: 1 << 30, maxMessageSize: Infinity };

/** Text frames whose text starts with "slow" decode asynchronously (settled by `finish`), to upper case; others at once. */
class ManualCodec implements ExtensionCodec {
  readonly negotiated = { name: "x-manual", parameters: {} };
  readonly rsv = { messageStart: 0, continuation: 0, control: 0 };
  readonly pending: { resolve(frame: Frame): void; reject(error: Error): void; frame: Frame }[] = [];
  failOn: string | null = null;
  /** What `decode` throws for `failOn`. */
  readonly thrown = new ProtocolViolationError("cannot decode", 1007);

  decode(frame: Frame): Frame | Promise<Frame> {
    if (!(frame instanceof Frame.Text)) return frame;
    const text = frame.readText();
    if (text === this.failOn) throw this.thrown;
    if (!text.startsWith("slow")) return new Frame.Text(text.toUpperCase());
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, frame }));
  }
  encode(frame: Frame): Frame {
    return frame;
  }
  dispose(): void {}

  /** Settles the oldest decode in progress, then lets promise jobs run. */
  async finish(error?: Error): Promise<void> {
    const job = this.pending.shift()!;
    if (error) job.reject(error);
    else job.resolve(new Frame.Text((job.frame as Frame.Text).readText().toUpperCase()));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

class Host implements DecoderHost {
  resumes = 0;
  finished: { error: Error | null } | null = null;
  resumeReading(): void {
    this.resumes++;
  }
  finish(error: Error | null): void {
    this.finished = { error };
  }
}

function setUp(): { decoder: InboundDecoder; codec: ManualCodec; sink: RecordingSink; host: Host } {
  const codec = new ManualCodec();
  const host = new Host();
  const decoder = new InboundDecoder([codec], LIMITS, host);
  const sink = new RecordingSink();
  decoder.sink = sink;
  return { decoder, codec, sink, host };
}

describe("InboundDecoder", () => {
  test("a frame decoded at once reaches the session within the call, with the session's answer", () => {
    const { decoder, sink } = setUp();
    assert.equal(decoder.onFrame(new Frame.Text("a")), true);
    assert.deepEqual(sink.texts, ["A"]);
    sink.accepting = false;
    assert.equal(decoder.onFrame(new Frame.Text("b")), false, "the session's pause goes down to the connection");
  });

  test("frames behind an asynchronous decode wait for it, whatever their kind, and arrive in order", async () => {
    const { decoder, codec, sink, host } = setUp();
    decoder.onFrame(new Frame.Text("slow 1"));
    assert.equal(decoder.onFrame(new Frame.Ping()), true, "reading goes on while a frame decodes");
    decoder.onFrame(new Frame.Text("fast"));
    decoder.onFrame(new Frame.Text("slow 2"));
    assert.deepEqual(sink.texts, []);
    await codec.finish();
    assert.deepEqual(sink.texts, ["SLOW 1", "<ping>", "FAST"]);
    assert.equal(host.resumes, 0, "not while a frame still decodes");
    await codec.finish();
    assert.deepEqual(sink.texts, ["SLOW 1", "<ping>", "FAST", "SLOW 2"]);
    assert.equal(host.resumes, 1, "reading resumes once the queue is through");
  });

  test("past the budget of waiting bytes, reading stops until the queue is through", async () => {
    const { decoder, codec, sink, host } = setUp();
    decoder.onFrame(new Frame.Text("slow"));
    const big = new Frame.Binary(new Uint8Array(600 * 1024));
    assert.equal(decoder.onFrame(big), true);
    assert.equal(decoder.onFrame(big), false, "over 1 MiB waiting");
    const before = host.resumes;
    await codec.finish();
    assert.equal(sink.frames.length, 3);
    assert.equal(host.resumes, before + 1);
  });

  test("a paused session gets nothing until it resumes, then everything in order", async () => {
    const { decoder, sink, host } = setUp();
    sink.accepting = false;
    assert.equal(decoder.onFrame(new Frame.Text("a")), false);
    assert.equal(decoder.onFrame(new Frame.Text("b")), false, "kept, and the connection stays paused");
    assert.deepEqual(sink.texts, ["A"]);
    sink.accepting = true;
    decoder.resume();
    assert.deepEqual(sink.texts, ["A", "B"]);
    assert.equal(host.resumes, 1);
  });

  test("a framing error behind a decode comes after the frames before it; nothing follows it", async () => {
    const { decoder, codec, sink } = setUp();
    decoder.onFrame(new Frame.Text("slow"));
    const error = new ProtocolViolationError("bad frame");
    decoder.onProtocolError(error);
    assert.equal(decoder.onFrame(new Frame.Text("after")), true);
    await codec.finish();
    assert.deepEqual(sink.texts, ["SLOW"]);
    assert.deepEqual(sink.errors, [error]);
    assert.equal(decoder.onFrame(new Frame.Text("later")), false);
    assert.deepEqual(sink.texts, ["SLOW"]);
  });

  test("a codec that throws or rejects fails the session once, and drops what waits", async () => {
    const { decoder, codec, sink } = setUp();
    codec.failOn = "bad";
    assert.equal(decoder.onFrame(new Frame.Text("bad")), false);
    assert.deepEqual(sink.errors, [codec.thrown]);
    assert.equal(decoder.onFrame(new Frame.Text("after")), false, "nothing more reaches the session");
    assert.deepEqual(sink.texts, []);

    const second = setUp();
    second.decoder.onFrame(new Frame.Text("slow"));
    second.decoder.onFrame(new Frame.Text("waiting"));
    const corrupt = new ProtocolViolationError("corrupt", 1007);
    await second.codec.finish(corrupt);
    assert.deepEqual(second.sink.errors, [corrupt]);
    assert.deepEqual(second.sink.texts, []);
  });

  test("the connection's end is reported after the frames received before it, even while paused", async () => {
    const { decoder, codec, sink, host } = setUp();
    decoder.onFrame(new Frame.Text("slow"));
    sink.accepting = false;
    decoder.onFrame(new Frame.Close());
    decoder.onClosed(null);
    assert.equal(host.finished, null, "not before the message being decoded");
    await codec.finish();
    assert.deepEqual(sink.texts, ["SLOW", "<close 1005>"]);
    assert.deepEqual(host.finished, { error: null });
  });

  test("after stop() (the session ends the connection) nothing reaches it, and the end is reported", async () => {
    const { decoder, codec, sink, host } = setUp();
    decoder.onFrame(new Frame.Text("slow"));
    decoder.stop();
    assert.equal(decoder.onFrame(new Frame.Text("b")), false);
    const error = new Error("reset");
    decoder.onClosed(error);
    await codec.finish();
    assert.deepEqual(sink.texts, []);
    assert.deepEqual(host.finished, { error });
  });
});
