// A session's zlib contexts are released when it ends, however it ends: no leak after many sessions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { WebSocketDeflateExtension, CloseReason, Frame } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { liveZlibStreams } from "../../src/extensions/permessage-deflate/zlib-context.js";
import { zlibLimiter } from "../../src/extensions/permessage-deflate/zlib-limiter.js";
import { startWsPeer, waitFor, within } from "../helpers/ws-peer.js";
import { deflateClient, rawWsClient, zipBomb } from "./helpers.js";

const T = { timeout: 60_000 };

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

describe("zlib contexts are released", () => {
  test("200 sessions (our client ↔ our server), ended every way: live zlib streams return to what they were", T, async () => {
    const baseline = liveZlibStreams();
    const server = await serve({ port: 0, maxMessageSize: 1 << 20, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) =>
      routes.webSocket("/echo", echo),
    );
    const client = deflateClient();
    try {
      const message = randomBytes(2000).toString("hex");
      let peak = 0;
      for (let round = 0; round < 4; round++) {
        const sessions = await Promise.all(Array.from({ length: 50 }, () => client.webSocketSession(`${server.url}/echo`)));
        await Promise.all(
          sessions.map(async (session) => {
            await session.send(message);
            const frame = await session.incoming.receive();
            assert.ok(frame instanceof Frame.Text);
            assert.equal(frame.readText(), message);
          }),
        );
        peak = Math.max(peak, liveZlibStreams() - baseline);
        await Promise.all(
          sessions.map(async (session, i) => {
            switch (i % 4) {
              case 0:
                return session.close(new CloseReason(1000, ""));
              case 1:
                session.terminate();
                return session.closeReason;
              case 2:
                // The server fails it: a message over maxMessageSize (1009), inflated on the server.
                await session.send(Buffer.alloc(2 << 20));
                return session.closeReason;
              default:
                // Left mid-compression: a large message queued, then cut.
                void session.send(randomBytes(1 << 20)).catch(() => {});
                session.terminate();
                return session.closeReason;
            }
          }),
        );
      }
      // 50 sessions, each with an inflate and a deflate context on each side.
      assert.equal(peak, 200, `peak of ${peak} streams`);
      await waitFor(() => liveZlibStreams() === baseline, 10_000, "every zlib stream to be released");
      assert.equal(zlibLimiter.active, 0);
    } finally {
      client.close();
      await server.close();
    }
  });

  test("a zip bomb and a peer that vanishes mid-inflate release their contexts too", T, async () => {
    const baseline = liveZlibStreams();
    const server = await serve({ port: 0, maxMessageSize: 4 << 20, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) =>
      routes.webSocket("/echo", echo),
    );
    try {
      const bomb = await zipBomb(1024);
      for (let i = 0; i < 20; i++) {
        const raw = await rawWsClient(server.port, "/echo", { "Sec-WebSocket-Extensions": "permessage-deflate" });
        raw.send({ opcode: 2, payload: bomb, rsv: 0x40 });
        if (i % 2 === 0) assert.equal(await raw.closeCode(), 1009);
        raw.socket.destroy();
      }
      await waitFor(() => server.routes.sessions.size === 0, 10_000, "the sessions to end");
      await waitFor(() => liveZlibStreams() === baseline, 10_000, "every zlib stream to be released");
    } finally {
      await server.close();
    }
  });

  test("memory stays bounded over 1000 compressed sessions against ws", T, async () => {
    const peer = await startWsPeer(undefined, { perMessageDeflate: {} });
    const client = deflateClient();
    const baseline = liveZlibStreams();
    try {
      const message = randomBytes(4000).toString("hex");
      const run = async (count: number): Promise<void> => {
        for (let batch = 0; batch < count / 50; batch++) {
          await Promise.all(
            Array.from({ length: 50 }, async () => {
              const session = await client.webSocketSession(peer.url);
              await session.send(message);
              await within(session.incoming.receive(), 5_000, "an echo");
              await session.close();
            }),
          );
        }
      };
      await run(200); // warm up
      gc();
      const before = process.memoryUsage();
      await run(1000);
      await waitFor(() => liveZlibStreams() === baseline, 10_000, "every zlib stream to be released");
      gc();
      const after = process.memoryUsage();
      const grown = after.heapUsed + after.external - (before.heapUsed + before.external);
      // Each session held about 300 KiB of zlib state while open; 1000 of them leaking would be ~300 MiB.
      assert.ok(grown < 64 * 1024 * 1024, `heap + external grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      client.close();
      await peer.close();
    }
  });
});
