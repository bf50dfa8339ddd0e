// permessage-deflate between undici's WebSocket (which offers it, and inflates what it receives) and
// kite-ws/server, through a relay that records the frames.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { WebSocket as UndiciWebSocket } from "undici";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { WebSocketDeflateExtension, type WebSocketDeflateConfig } from "../../src/index.js";
import { within } from "../helpers/ws-peer.js";
import { startTap } from "./helpers.js";

const T = { timeout: 30_000 };
const RSV1 = 0x40;

type Undici = InstanceType<typeof UndiciWebSocket>;

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

async function open(url: string): Promise<Undici> {
  const socket = new UndiciWebSocket(url);
  socket.binaryType = "arraybuffer";
  await within(
    new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`undici could not open ${url}`)), { once: true });
    }),
    5_000,
    "undici to open",
  );
  return socket;
}

function roundTrip(socket: Undici, message: string | Buffer): Promise<string | ArrayBuffer> {
  const received = new Promise<string | ArrayBuffer>((resolve) =>
    socket.addEventListener("message", (event) => resolve(event.data as string | ArrayBuffer), { once: true }),
  );
  socket.send(message);
  return within(received, 10_000, "an echo");
}

async function close(socket: Undici): Promise<number> {
  const closed = new Promise<number>((resolve) => socket.addEventListener("close", (event) => resolve(event.code), { once: true }));
  socket.close(1000);
  return within(closed, 5_000, "undici to close");
}

describe("undici's WebSocket ↔ our server, permessage-deflate", () => {
  const cases: [string, ((d: WebSocketDeflateConfig) => void) | undefined, string][] = [
    ["defaults", undefined, "permessage-deflate"],
    ["server_no_context_takeover", (d) => (d.serverNoContextTakeover = true), "permessage-deflate; server_no_context_takeover"],
    ["server_max_window_bits=9", (d) => (d.serverMaxWindowBits = 9), "permessage-deflate; server_max_window_bits=9"],
    ["client_max_window_bits=10 (undici offers the parameter)", (d) => (d.clientMaxWindowBits = 10), "permessage-deflate; client_max_window_bits=10"],
    ["compressIfBiggerThan(100)", (d) => d.compressIfBiggerThan(100), "permessage-deflate"],
  ];
  for (const [name, configure, answer] of cases) {
    test(`${name}: answered "${answer}", messages of every size echo`, T, async () => {
      const server = await serve({ port: 0, extensions: (e) => e.install(WebSocketDeflateExtension, configure) }, (routes) => routes.webSocket("/echo", echo));
      const tap = await startTap(server.port);
      try {
        const socket = await open(`${tap.url}/echo`);
        assert.equal(tap.answer(), answer);
        assert.equal(socket.extensions, answer);
        const block = randomBytes(300).toString("hex");
        const texts = ["", "short", block + block, randomBytes(2000).toString("hex").repeat(200)];
        for (const text of texts) assert.equal(await roundTrip(socket, text), text);
        const binary = Buffer.from(randomBytes(100).toString("hex").repeat(1000));
        assert.ok(Buffer.from((await roundTrip(socket, binary)) as ArrayBuffer).equals(binary));
        assert.equal(await close(socket), 1000);
        const fromServer = tap.fromServer().filter((frame) => frame.opcode < 8);
        const compressed = fromServer.map((frame) => frame.rsv === RSV1);
        const threshold = name.startsWith("compressIfBiggerThan");
        // undici sends uncompressed; we compress everything (or what is bigger than the threshold).
        assert.deepEqual(compressed, threshold ? [false, false, true, true, true] : [true, true, true, true, true]);
        assert.ok(tap.fromClient().every((frame) => frame.rsv === 0));
      } finally {
        await tap.close();
        await server.close();
      }
    });
  }

  test("repeated messages are smaller with context takeover, as undici keeps its inflate context", T, async () => {
    const server = await serve({ port: 0, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) => routes.webSocket("/echo", echo));
    const tap = await startTap(server.port);
    try {
      const socket = await open(`${tap.url}/echo`);
      const text = randomBytes(3000).toString("hex");
      for (let i = 0; i < 3; i++) assert.equal(await roundTrip(socket, text), text);
      assert.equal(await close(socket), 1000);
      const sizes = tap
        .fromServer()
        .filter((frame) => frame.opcode < 8)
        .map((frame) => frame.payload.length);
      assert.ok(sizes[1] < sizes[0] / 20 && sizes[2] < sizes[0] / 20, `sizes ${sizes.join(", ")}`);
    } finally {
      await tap.close();
      await server.close();
    }
  });
});
