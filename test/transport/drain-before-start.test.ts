// A server's handler that sends at once writes before its session's transport has started: when that
// first write fills the socket, the socket's 'drain' may come before the transport listens for it.
// Before the fix, the session's outgoing stayed blocked for good after its first large message.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { serve } from "../../src/server/index.js";
import { within } from "../helpers/ws-peer.js";

test("a server handler's first sends, larger than the socket's buffer, all arrive", { timeout: 20_000 }, async () => {
  const MESSAGES = 64;
  const SIZE = 64 * 1024;
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/", async (session) => {
      const payload = new Uint8Array(SIZE).fill(1);
      for (let i = 0; i < MESSAGES; i++) await session.send(payload);
      await session.close();
    }),
  );
  const client = new WebSocket(server.url);
  let received = 0;
  client.on("message", (data: Buffer) => (received += data.length));
  const code = await within(new Promise<number>((resolve) => client.once("close", resolve)), 10_000, `every message (${received} bytes so far)`);
  assert.equal(received, MESSAGES * SIZE);
  assert.equal(code, 1000);
});
