// Masked client frames too large for the wasm arena are built in one reusable buffer
// (src/protocol/large-frame-buffer.ts), lent to one frame at a time until the socket wrote it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CIO, HttpClient, WebSockets } from "../../src/index.js";
import { giveBackLargeFrameBuffer, largeFrameBufferHeld, lendLargeFrameBuffer, LARGE_FRAME_BUFFER_MAX } from "../../src/protocol/large-frame-buffer.js";
import { delay, startWsPeer, waitFor, within } from "../helpers/ws-peer.js";
import { patternBytes } from "../helpers/frames.js";
import { dieWithWritesLent } from "../helpers/lent-writes.js";

const T = { timeout: 30_000 };

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

test("the buffer is lent to one frame at a time, grows to the largest size asked, and refuses sizes over its maximum", () => {
  const first = lendLargeFrameBuffer(3_000_000);
  assert.ok(first !== null);
  assert.equal(first.length, 3_000_000);
  assert.equal(lendLargeFrameBuffer(1000), null, "lent already");
  giveBackLargeFrameBuffer();
  const again = lendLargeFrameBuffer(2_000_000)!;
  assert.equal(again.buffer, first.buffer, "the same memory, reused");
  giveBackLargeFrameBuffer();
  const bigger = lendLargeFrameBuffer(5_000_000)!;
  assert.equal(bigger.length, 5_000_000);
  giveBackLargeFrameBuffer();
  assert.equal(lendLargeFrameBuffer(LARGE_FRAME_BUFFER_MAX + 1), null);
});

test("the buffer is dropped a few seconds after its last use", T, async () => {
  lendLargeFrameBuffer(1_000_000);
  giveBackLargeFrameBuffer();
  assert.equal(largeFrameBufferHeld().held, true);
  await waitFor(() => !largeFrameBufferHeld().held || undefined, 10_000, "the buffer dropped");
});

test("large frames sent on two connections whose peers do not read arrive intact, and the buffer is given back", T, async () => {
  const peer = await startWsPeer(() => {});
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const size = 3 * 1024 * 1024 + 3;
    const count = 4;
    // Two connections: a frame of one waits in its socket's buffer, lent the buffer, while the
    // other connection builds its frames (which must then take another buffer).
    const runs = [];
    for (let c = 0; c < 2; c++) {
      const session = await client.webSocketSession(peer.url);
      const { socket } = await peer.nextConnection();
      const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      raw.pause();
      const received: string[] = [];
      socket.on("message", (data: Buffer) => received.push(digest(data)));
      runs.push({ session, raw, received, payloads: Array.from({ length: count }, (_, i) => patternBytes(size, c * 100 + i + 1)) });
    }
    // Text and binary, interleaved across the two connections.
    const text = (p: Uint8Array): string => Buffer.from(p).toString("latin1");
    const sends = [];
    for (let i = 0; i < count; i++) for (const run of runs) sends.push(i % 2 === 0 ? run.session.send(run.payloads[i]) : run.session.send(text(run.payloads[i])));
    await delay(300);
    assert.equal(largeFrameBufferHeld().lent, true, "a frame holds the buffer while its peer does not read");
    for (const run of runs) run.raw.resume();
    await within(Promise.all(sends), 20_000, "the sends");
    for (const run of runs) {
      await waitFor(() => run.received.length === count || undefined, 20_000, "every frame at the peer");
      const expected = run.payloads.map((p, i) => (i % 2 === 0 ? digest(p) : digest(Buffer.from(text(p), "utf8"))));
      assert.deepEqual(run.received, expected);
      await run.session.close();
    }
    await waitFor(() => !largeFrameBufferHeld().lent || undefined, 5_000, "the buffer given back");
  } finally {
    client.close();
    await peer.close();
  }
});

test("a connection that dies with the buffer lent gives it back", T, () =>
  dieWithWritesLent(4, 4 * 1024 * 1024, () => largeFrameBufferHeld().lent));
