// A forwarding transport passes everything through both ways, unchanged: writes, flow control, the
// end, the limits, and the inner transport's frames, drains and end to the session above.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/protocol/frame.js";
import type { FrameSink } from "../../src/transport/frame-transport.js";
import { ForwardingTransport } from "../../src/transport/forwarding-transport.js";
import { FakeTransport } from "../session/fake-transport.js";

class Passing extends ForwardingTransport {}

test("everything goes through, both ways, and the end reaches the session once", async () => {
  const inner = new FakeTransport(false);
  const forwarding = new Passing(inner);
  const seen: string[] = [];
  const sink: FrameSink = {
    onFrame: (frame) => (seen.push(`frame ${(frame as Frame.Text).readText()}`), false),
    onProtocolError: (error) => void seen.push(`error ${error.message}`),
    onDrain: () => void seen.push("drain"),
    onClosed: (error) => void seen.push(`closed ${error?.message ?? "clean"}`),
  };
  assert.equal(forwarding.masking, false);
  forwarding.start(sink);

  inner.accepting = false;
  assert.equal(forwarding.write([new Frame.Text("out")]), false, "the inner transport's answer");
  assert.deepEqual(inner.texts, ["out"]);
  forwarding.maxFrameSize = 1234;
  assert.equal(inner.maxFrameSize, 1234);
  assert.equal(forwarding.maxFrameSize, 1234);
  forwarding.maxMessageSize = 99;
  assert.equal(inner.maxMessageSize, 99);
  forwarding.resume();
  forwarding.end(250);
  assert.deepEqual(inner.ends, [250]);

  assert.equal(inner.arrive(new Frame.Text("in")), false, "the session's answer");
  inner.drain();
  forwarding.destroy();
  assert.equal(inner.destroyed, true);
  await new Promise((resolve) => setImmediate(resolve));
  inner.connectionGone(null);
  assert.deepEqual(seen, ["frame in", "drain", "closed clean"]);
  await forwarding.flushed();
});
