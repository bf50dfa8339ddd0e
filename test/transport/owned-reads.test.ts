// A CIO client on plain TCP reads into buffers kite-ws chooses (src/transport/owned-reads.ts): one
// buffer every connection shares, and a large frame's own payload. These runs check every byte that
// arrives that way from an independent peer, with reads that straddle frames everywhere, while other
// connections read into the same shared buffer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { WebSocket } from "ws";
import { CIO, HttpClient, WebSockets, type DefaultWebSocketSession } from "../../src/index.js";
import { SocketTransport } from "../../src/transport/socket-transport.js";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { patternBytes } from "../helpers/frames.js";

const T = { timeout: 60_000 };

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Sizes around every length encoding and the in-place threshold, and a few large ones. */
const SIZES = [0, 1, 125, 126, 127, 4_000, 16_383, 16_384, 16_385, 65_535, 65_536, 65_537, 100_000, 1_000_000, 3 * 1024 * 1024 + 7];

/** Every message the peer sends, pipelined (one write each, so reads cut them anywhere). */
function script(seed: number): Uint8Array[] {
  const messages: Uint8Array[] = [];
  for (let round = 0; round < 3; round++) for (const [i, size] of SIZES.entries()) messages.push(patternBytes(size, seed + round * 100 + i));
  return messages;
}

async function receiveAll(session: DefaultWebSocketSession, count: number): Promise<string[]> {
  const got: string[] = [];
  for await (const frame of session.incoming) {
    got.push(digest(frame.data));
    if (got.length === count) break;
  }
  return got;
}

test("messages of every size, pipelined by a ws peer to three connections at once, arrive byte for byte", T, async () => {
  const inPlace = { reads: 0 };
  const original = SocketTransport.prototype.onReadInPlace;
  SocketTransport.prototype.onReadInPlace = function (this: SocketTransport, bytes: number) {
    inPlace.reads++;
    original.call(this, bytes);
  };
  let seed = 0;
  const peer = await startWsPeer((socket: WebSocket) => {
    const messages = script(++seed * 1000);
    for (const message of messages) socket.send(message, { binary: true });
  });
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const sessions = await Promise.all([0, 1, 2].map(() => client.webSocketSession(peer.url)));
    const results = await within(
      Promise.all(sessions.map((session) => receiveAll(session, 3 * SIZES.length))),
      40_000,
      "every message",
    );
    // Each connection's seed is the order the peer accepted it in: compare as sets of runs.
    const expected = [1, 2, 3].map((n) => script(n * 1000).map(digest));
    assert.deepEqual(
      results.map((r) => r.join()).sort(),
      expected.map((r) => r.join()).sort(),
    );
    assert.ok(inPlace.reads > 0, "large payloads were read in place");
    await Promise.all(sessions.map((session) => session.close()));
  } finally {
    SocketTransport.prototype.onReadInPlace = original;
    client.close();
    await peer.close();
  }
});

test("a client that stops reading in the middle of a large frame read in place resumes it intact", T, async () => {
  const big = patternBytes(5 * 1024 * 1024, 42);
  const small = patternBytes(300, 43);
  const peer = await startWsPeer((socket: WebSocket) => {
    socket.send(small, { binary: true });
    socket.send(big, { binary: true });
    socket.send(small, { binary: true });
  });
  const client = new HttpClient(CIO, (config) => {
    config.install(WebSockets, (ws) => {
      ws.channels.incoming = { capacity: 1, onOverflow: "suspend" };
    });
  });
  try {
    const session = await client.webSocketSession(peer.url);
    // Nothing is taken for a while: the transport pauses with the large frame partly read.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const got = await within(receiveAll(session, 3), 20_000, "three messages");
    assert.deepEqual(got, [digest(small), digest(big), digest(small)]);
    await session.close();
  } finally {
    client.close();
    await peer.close();
  }
});
