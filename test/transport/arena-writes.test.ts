// Large client frames are written from the wasm arena (src/protocol/mask-arena.ts), whose room is lent
// until the socket has handed the bytes on. These runs make the writes wait (a peer that does not read,
// TLS) so frames are lent across ticks, and check every byte the peer got and that all room comes back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CIO, HttpClient, WebSockets } from "../../src/index.js";
import { arenaFramesLent } from "../../src/protocol/mask-arena.js";
import { hasWasmSimd } from "../../src/protocol/masking.js";
import { delay, startWsPeer, waitFor, within, TEST_CA, type WsPeer } from "../helpers/ws-peer.js";
import { patternBytes } from "../helpers/frames.js";
import { dieWithWritesLent } from "../helpers/lent-writes.js";

const T = { timeout: 30_000, skip: !hasWasmSimd };

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Sends `count` distinct frames of `size` bytes and checks that the peer got each, whole and in order. */
async function sendAndCheck(peer: WsPeer, url: string, client: HttpClient, count: number, size: number, readLate: boolean): Promise<void> {
  const received: string[] = [];
  const expected = Array.from({ length: count }, (_, i) => digest(patternBytes(size, i + 1)));
  const session = await client.webSocketSession(url);
  const { socket } = await peer.nextConnection();
  // A peer that stops reading fills the socket buffers: writes then complete later, with frames lent.
  if (readLate) (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
  socket.on("message", (data: Buffer) => received.push(digest(data)));
  const sends = expected.map((_, i) => session.send(patternBytes(size, i + 1)));
  let lentWhileStalled = 0;
  if (readLate) {
    // Let the writes stall, then read: frames lent meanwhile must not have been overwritten.
    await delay(300);
    lentWhileStalled = arenaFramesLent();
    (socket as unknown as { _socket: { resume(): void } })._socket.resume();
  }
  await within(Promise.all(sends), 20_000, "the sends");
  await waitFor(() => received.length === count || undefined, 20_000, "every frame at the peer");
  assert.deepEqual(received, expected);
  if (readLate) assert.ok(lentWhileStalled > 0, "the run had frames lent while the peer did not read");
  await session.close();
  await waitFor(() => arenaFramesLent() === 0 || undefined, 5_000, "all arena room given back");
}

test("frames lent while a peer does not read arrive intact, and the arena is given back", T, async () => {
  const peer = await startWsPeer(() => {});
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    await sendAndCheck(peer, peer.url, client, 300, 64 * 1024 + 5, true);
  } finally {
    client.close();
    await peer.close();
  }
});

test("over TLS, large frames arrive intact and the arena is given back", T, async () => {
  const peer = await startWsPeer(() => {}, { tls: true });
  const client = new HttpClient(CIO, (config) => {
    config.install(WebSockets);
    config.engine((cio) => (cio.tls = { ca: TEST_CA }));
  });
  try {
    await sendAndCheck(peer, peer.url, client, 30, 100_003, false);
  } finally {
    client.close();
    await peer.close();
  }
});

test("a connection that dies with frames lent still gives the arena back", T, () =>
  dieWithWritesLent(300, 64 * 1024, () => arenaFramesLent() > 0));
