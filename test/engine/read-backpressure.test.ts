// Read backpressure of the message-based engines (ws, Platform): a session that does not read holds
// no more than its incoming capacity, whatever the peer sends. ws stops reading its socket, so the
// rest waits at the sender; a runtime WebSocket cannot stop, so the rest waits in the transport.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import type { WebSocket as PeerSocket } from "ws";
import { WebSocket as UndiciWebSocket } from "undici";
import { HttpClient, Platform, WebSockets, type DefaultWebSocketSession } from "../../src/index.js";
import { WsEngine } from "../../src/engine/ws/index.js";
import { startWsPeer, type WsPeer } from "../helpers/ws-peer.js";
import { delay, eventually } from "./helpers/servers.js";

const T = { timeout: 30_000 };
const CAPACITY = 4;

/** Sends `count` binary messages of `size` bytes at once, each starting with its index. */
function flood(socket: PeerSocket, count: number, size: number): void {
  for (let i = 0; i < count; i++) {
    const message = new Uint8Array(size);
    new DataView(message.buffer).setUint32(0, i);
    socket.send(message, { binary: true });
  }
}

/** Frames buffered in the session's `incoming` (a `Channel`: its size is not part of `ReceiveChannel`). */
function buffered(session: DefaultWebSocketSession): number {
  return (session.incoming as unknown as { size: number }).size;
}

/** Reads `count` messages and checks that they come in order, none lost. */
async function readAll(session: DefaultWebSocketSession, count: number): Promise<void> {
  let next = 0;
  for await (const frame of session.incoming) {
    assert.equal(new DataView(frame.data.buffer, frame.data.byteOffset).getUint32(0), next, "in order, none lost");
    if (++next === count) return;
  }
  assert.fail(`incoming ended after ${next} of ${count} messages`);
}

function withSmallIncoming(ws: { channels: { incoming: { capacity: number; onOverflow: "suspend" | "close" } } }): void {
  ws.channels.incoming = { capacity: CAPACITY, onOverflow: "suspend" };
}

describe("read backpressure of the message-based engines", () => {
  let peer: WsPeer;
  const sizes = new Map<string, { count: number; size: number }>([
    ["/ws", { count: 8192, size: 4096 }], // 32 MiB: more than loopback's socket buffers hold
    ["/platform", { count: 2000, size: 1024 }],
  ]);
  before(async () => {
    peer = await startWsPeer((socket, request) => {
      const { count, size } = sizes.get(request.url ?? "")!;
      flood(socket, count, size);
    });
  });
  after(() => peer.close());

  test("ws: a session that does not read pauses ws's socket; incoming stays within its capacity and the rest waits at the peer", T, async () => {
    const client = new HttpClient(WsEngine, (config) => config.install(WebSockets, withSmallIncoming));
    try {
      const { count, size } = sizes.get("/ws")!;
      const session = await client.webSocketSession(`${peer.url}/ws`);
      const sender = peer.sockets.at(-1)!;
      await eventually(() => buffered(session) >= CAPACITY, 10_000, "incoming to fill");
      // Long enough for a reader that did not stop to take in megabytes.
      await delay(300);
      assert.ok(buffered(session) <= CAPACITY, `incoming holds ${buffered(session)} frames, capacity ${CAPACITY}`);
      const waiting = sender.bufferedAmount;
      assert.ok(waiting > (count * size) / 2, `most of the flood waits at the peer (${waiting} of ${count * size} bytes): the client stopped reading`);
      await readAll(session, count);
      await session.close();
    } finally {
      client.close();
    }
  });

  test("Platform: the runtime cannot stop reading, so messages wait in the transport; incoming stays within its capacity", T, async () => {
    const client = new HttpClient(Platform, (config) => {
      config.engine((p) => (p.webSocket = UndiciWebSocket));
      config.install(WebSockets, withSmallIncoming);
    });
    try {
      const { count } = sizes.get("/platform")!;
      const session = await client.webSocketSession(`${peer.url}/platform`);
      const sender = peer.sockets.at(-1)!;
      // Everything is sent and, the runtime reading on, received by the client.
      await eventually(() => sender.bufferedAmount === 0 && buffered(session) >= CAPACITY, 10_000, "the flood to arrive");
      await delay(200);
      assert.ok(buffered(session) <= CAPACITY, `incoming holds ${buffered(session)} frames, capacity ${CAPACITY}`);
      await readAll(session, count);
      await session.close();
    } finally {
      client.close();
    }
  });
});
