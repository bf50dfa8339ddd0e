// How the session groups its writes: a lone send goes out at once (next tick), and a producer that
// awaits each send against a full `outgoing` does not make one small write per `capacity` frames.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DefaultWebSocketSession } from "../../src/session/default-session.js";
import type { FrameSink, FrameTransport } from "../../src/session/transport.js";
import type { Frame } from "../../src/protocol/frame.js";

/** A transport that takes every write at once and records how many frames each carried. */
class RecordingTransport implements FrameTransport {
  readonly masking = true;
  maxFrameSize = 1 << 20;
  readonly writes: number[] = [];
  private sink: FrameSink | null = null;
  start(sink: FrameSink): void {
    this.sink = sink;
  }
  write(frames: readonly Frame[]): boolean {
    this.writes.push(frames.length);
    return true;
  }
  pause(): void {}
  resume(): void {}
  flushed(): Promise<void> {
    return Promise.resolve();
  }
  end(): void {
    this.destroy();
  }
  destroy(): void {
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(null);
  }
}

function session(capacity: number): { session: DefaultWebSocketSession; transport: RecordingTransport } {
  const transport = new RecordingTransport();
  const s = new DefaultWebSocketSession({ transport, channels: { outgoing: { capacity, onOverflow: "suspend" } } });
  return { session: s, transport };
}

test("a lone send is written on the next tick, alone", { timeout: 5_000 }, async () => {
  const { session: s, transport } = session(8);
  await s.send("hello");
  await new Promise((resolve) => process.nextTick(resolve));
  assert.deepEqual(transport.writes, [1]);
  s.terminate();
});

test("a producer awaiting each send against a full outgoing is written in batches far above its capacity", { timeout: 5_000 }, async () => {
  const { session: s, transport } = session(8);
  const count = 1_000;
  for (let i = 0; i < count; i++) await s.send(`message ${i}`);
  await s.flush();
  assert.equal(transport.writes.reduce((a, b) => a + b, 0), count, "every frame written once");
  // One write per 8 (or 9) frames would be over 100 writes.
  assert.ok(transport.writes.length <= 20, `${transport.writes.length} writes: ${transport.writes.join(",")}`);
  s.terminate();
});
