// The cross-runtime cases: written once, run by runner.ts on each runtime of the matrix (Node.js 20,
// 22, 24, 26, Bun, Deno). Only node: modules and the compiled library: no node:test, no npm package,
// so that every runtime loads them as they are. Sockets on 127.0.0.1, port 0; every wait is bounded.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createServer, get as httpGet } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  CIO,
  CloseReason,
  Frame,
  HttpClient,
  Platform,
  TlsError,
  WebSocketDeflateExtension,
  WebSocketHandshakeError,
  WebSockets,
  toStreams,
  type CioEngineConfig,
  type WebSocketSession,
  type WebSocketsConfig,
} from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { serve, webSocketRoutes, type ServeOptions, type WebSocketHandler, type WebSocketRouting, type WebSocketServer } from "../../src/server/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { toDuplex } from "../../src/node/index.js";
import { TEST_CERT, TEST_KEY } from "../server/fixtures/tls.js";

/** The engines and parts of the library the cases exercise: the columns of the README's engine table. */
export type Area = "CIO" | "server" | "Platform" | "MockEngine" | "Reconnect" | "Streams";

/** One case: `skip` says why it cannot run here (null: it runs); `run` throws when it fails. */
export interface Scenario {
  readonly name: string;
  readonly area: Area;
  readonly skip?: () => string | null;
  readonly run: () => Promise<void>;
}

/** Rejects with a message naming `what` when `promise` takes longer than `millis`. */
export function within<T>(promise: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${millis} ms`)), millis);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

const echo: WebSocketHandler = async (session) => {
  for await (const frame of session.incoming) await session.send(frame);
};

/** A CIO client with the WebSockets plugin, `ws` and `cio` adding to its settings. */
function cioClient(ws: (ws: WebSocketsConfig) => void = () => {}, cio: (cio: CioEngineConfig) => void = () => {}): HttpClient<CioEngineConfig> {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets, ws);
    config.engine(cio);
  });
}

/** A server on 127.0.0.1 (a free port unless `options` says) with an echo route at /echo and `more` routes. */
function echoServer(options: ServeOptions = {}, more: (routes: WebSocketRouting) => void = () => {}): Promise<WebSocketServer> {
  return serve({ host: "127.0.0.1", port: 0, ...options }, (routes) => {
    routes.webSocket("/echo", echo);
    more(routes);
  });
}

/** Runs `body` with a server from `start`, closing it however `body` ends. */
async function withServer(start: Promise<WebSocketServer>, body: (server: WebSocketServer) => Promise<void>): Promise<void> {
  const server = await within(start, 5_000, "the server to listen");
  try {
    await body(server);
  } finally {
    await within(server.close(), 5_000, "server.close()");
  }
}

async function nextFrame(session: Pick<WebSocketSession, "incoming">): Promise<Frame> {
  return within(session.incoming.receive(), 5_000, "a frame");
}

async function textOf(session: Pick<WebSocketSession, "incoming">): Promise<string> {
  const frame = await nextFrame(session);
  assert.ok(frame instanceof Frame.Text, `expected a Text frame, got ${String(frame)}`);
  return frame.readText();
}

async function bytesOf(session: Pick<WebSocketSession, "incoming">): Promise<Uint8Array> {
  const frame = await nextFrame(session);
  assert.ok(frame instanceof Frame.Binary, `expected a Binary frame, got ${String(frame)}`);
  return frame.readBytes();
}

/** Bytes no compressor can shrink much, the same on every runtime (no crypto needed). */
function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

function assertBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: bytes differ`);
}

function hasGlobalWebSocket(): string | null {
  return typeof (globalThis as { WebSocket?: unknown }).WebSocket === "function" ? null : "Node.js 20 has no global WebSocket (Platform takes undici's there, as platform.webSocket)";
}

/** A plain HTTP GET's status. */
function statusOf(url: string): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      const request = httpGet(url, { agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", reject);
    }),
    5_000,
    `GET ${url}`,
  );
}

/** Starts a server on `port` again, which the runtime may hold for a moment after the close. */
async function listenAgain(start: () => Promise<WebSocketServer>): Promise<WebSocketServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EADDRINUSE" || attempt === 20) throw error;
      await sleep(50);
    }
  }
}

export const scenarios: readonly Scenario[] = [
  {
    name: "CIO: text",
    area: "CIO",
    run: () =>
      withServer(echoServer(), async (server) => {
        const texts = ["hello", "", "héllo wörld ✓ 🚀", "x".repeat(70_000)];
        const echoed = await cioClient().webSocket(`${server.url}/echo`, async (session) => {
          const back: string[] = [];
          for (const text of texts) {
            await session.send(text);
            back.push(await textOf(session));
          }
          return back;
        });
        assert.deepEqual(echoed, texts);
      }),
  },
  {
    name: "CIO: binary",
    area: "CIO",
    run: () =>
      withServer(echoServer(), async (server) => {
        await cioClient().webSocket(`${server.url}/echo`, async (session) => {
          for (const size of [0, 1, 125, 126, 65_535, 65_536, 1 << 20]) {
            const sent = noise(size, size + 1);
            await session.send(sent);
            assertBytes(await bytesOf(session), sent, `${size} bytes`);
          }
        });
      }),
  },
  {
    name: "CIO: fragmented messages",
    area: "CIO",
    run: () =>
      withServer(
        echoServer({}, (routes) =>
          routes.webSocket("/fragments", async (session) => {
            // The server sends a message in three fragments; a raw client sees them as sent.
            await session.send(new Frame.Text(false, "one "));
            await session.send(new Frame.Text(false, "two "));
            await session.send(new Frame.Text(true, "three"));
            for await (const _frame of session.incoming);
          }),
        ),
        async (server) => {
          // Client to server: the server's session reassembles the fragments into one message.
          await cioClient().webSocket(`${server.url}/echo`, async (session) => {
            await session.send(new Frame.Binary(false, Uint8Array.of(1, 2)));
            await session.send(new Frame.Binary(false, Uint8Array.of(3)));
            await session.send(new Frame.Binary(true, Uint8Array.of(4, 5)));
            assertBytes(await bytesOf(session), Uint8Array.of(1, 2, 3, 4, 5), "reassembled by the server");
          });
          const client = cioClient();
          const raw = await within(client.webSocketRawSession(`${server.url}/fragments`), 5_000, "the raw session");
          const fragments: [boolean, string][] = [];
          for (let i = 0; i < 3; i++) {
            const frame = await nextFrame(raw);
            fragments.push([frame.fin, new TextDecoder().decode(frame.readBytes())]);
          }
          assert.deepEqual(fragments, [[false, "one "], [false, "two "], [true, "three"]]);
          // The default session reassembles the same three fragments into one Text frame.
          assert.equal(await client.webSocket(`${server.url}/fragments`, textOf), "one two three");
          await within(raw.close(), 5_000, "the raw session's close");
        },
      ),
  },
  {
    name: "CIO: ping/pong",
    area: "CIO",
    run: () =>
      withServer(echoServer({ pingInterval: "50ms", timeout: "2s" }), async (server) => {
        const raw = await within(cioClient().webSocketRawSession(`${server.url}/echo`), 5_000, "the raw session");
        try {
          // The server pings every 50 ms; a raw session sees the Ping itself.
          const ping = await nextFrame(raw);
          assert.ok(ping instanceof Frame.Ping, `expected the server's Ping, got ${String(ping)}`);
          // Our Ping, answered by the server's session with a Pong carrying its payload.
          await raw.send(new Frame.Ping(Uint8Array.of(7, 8, 9)));
          let pong: Frame;
          do pong = await nextFrame(raw);
          while (pong instanceof Frame.Ping);
          assert.ok(pong instanceof Frame.Pong, `expected a Pong, got ${String(pong)}`);
          assertBytes(pong.readBytes(), Uint8Array.of(7, 8, 9), "the Pong's payload");
        } finally {
          await within(raw.close(), 5_000, "the raw session's close");
        }
        // A default session answers the server's pings and pings it too: alive after many rounds.
        await cioClient((ws) => (ws.pingInterval = "50ms")).webSocket(`${server.url}/echo`, async (session) => {
          await sleep(400);
          await session.send("still here");
          assert.equal(await textOf(session), "still here");
        });
      }),
  },
  {
    name: "CIO: close codes",
    area: "CIO",
    run: async () => {
      const serverSaw: (CloseReason | null)[] = [];
      const start = echoServer({ onError: () => {} }, (routes) => {
        routes.webSocket("/bye", (session) => session.close(4001, "bye"));
        routes.webSocket("/throw", () => {
          throw new Error("a handler's bug");
        });
        routes.webSocket("/watch", async (session) => {
          for await (const _frame of session.incoming);
          serverSaw.push(await session.closeReason);
        });
      });
      await withServer(start, async (server) => {
        const client = cioClient();
        const bye = await within(client.webSocketSession(`${server.url}/bye`), 5_000, "/bye");
        assert.deepEqual(await within(bye.closeReason, 5_000, "/bye's close"), new CloseReason(4001, "bye"));
        const thrown = await within(client.webSocketSession(`${server.url}/throw`), 5_000, "/throw");
        assert.equal((await within(thrown.closeReason, 5_000, "/throw's close"))?.code, 1011);
        const watched = await within(client.webSocketSession(`${server.url}/watch`), 5_000, "/watch");
        await within(watched.close(4002, "later"), 5_000, "the client's close");
        assert.deepEqual(await watched.closeReason, new CloseReason(4002, "later"));
        for (let i = 0; i < 100 && serverSaw.length === 0; i++) await sleep(20);
        assert.deepEqual(serverSaw, [new CloseReason(4002, "later")]);
      });
    },
  },
  {
    name: "CIO: permessage-deflate both ways",
    area: "CIO",
    run: async () => {
      const serverExtensions: string[] = [];
      const sockets: Socket[] = [];
      const start = serve({ host: "127.0.0.1", port: 0, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) =>
        routes.webSocket("/echo", async (session, request) => {
          serverExtensions.push(...session.extensions.map((extension) => extension.name));
          await echo(session, request);
        }),
      );
      await withServer(start, async (server) => {
        server.httpServer.on("connection", (socket: Socket) => sockets.push(socket));
        const text = "the same words again and again; ".repeat(8_192); // 256 KiB that deflate shrinks a lot
        const client = cioClient((ws) => ws.extensions((e) => e.install(WebSocketDeflateExtension)));
        await client.webSocket(`${server.url}/echo`, async (session) => {
          assert.deepEqual(session.extensions.map((extension) => extension.name), ["permessage-deflate"]);
          await session.send(text);
          assert.equal(await textOf(session), text);
          const binary = noise(100_000, 3); // incompressible: sent as it is, still intact
          await session.send(binary);
          assertBytes(await bytesOf(session), binary, "binary through deflate");
        });
        assert.deepEqual(serverExtensions, ["permessage-deflate"]);
        // Compressed both ways: each way, the wire carried the 100 000 incompressible bytes and far
        // less than the 256 KiB of text on top (a runtime's socket counting nothing fails too).
        assert.equal(sockets.length, 1);
        const [socket] = sockets;
        for (const [way, bytes] of [["client to server", socket.bytesRead], ["server to client", socket.bytesWritten]] as const) {
          assert.ok(bytes >= 100_000 && bytes < 100_000 + 30_000, `${way}: ${bytes} bytes on the wire`);
        }
      });
    },
  },
  {
    name: "CIO: wss with a private CA",
    area: "CIO",
    run: () =>
      withServer(echoServer({ tls: { key: TEST_KEY, cert: TEST_CERT } }), async (server) => {
        assert.ok(server.url.startsWith("wss://"), server.url);
        const trusting = cioClient(undefined, (cio) => (cio.tls = { ca: TEST_CERT }));
        const echoed = await trusting.webSocket(`${server.url}/echo`, async (session) => {
          await session.send("over TLS");
          return textOf(session);
        });
        assert.equal(echoed, "over TLS");
        // Without the CA, the certificate is refused: a TlsError, not a hang or a plain Error.
        const refused = await within(cioClient().webSocketSession(`${server.url}/echo`).then(
          () => null,
          (error: unknown) => error,
        ), 5_000, "the untrusted connect");
        assert.ok(refused instanceof TlsError, `expected TlsError, got ${String(refused)}`);
      }),
  },
  {
    name: "server: serve()",
    area: "server",
    run: async () => {
      const start = echoServer({}, (routes) => routes.webSocket("/chat", echo, { protocols: ["chat.v1"] }));
      const server = await within(start, 5_000, "serve()");
      let closed = false;
      try {
        const client = cioClient();
        const session = await within(client.webSocketSession({ url: `${server.url}/chat`, protocols: ["chat.v2", "chat.v1"] }), 5_000, "/chat");
        assert.equal(session.protocol, "chat.v1");
        await session.send("hi");
        assert.equal(await textOf(session), "hi");
        const missing = await within(client.webSocketSession(`${server.url}/missing`).then(() => null, (error: unknown) => error), 5_000, "/missing");
        assert.ok(missing instanceof WebSocketHandshakeError && missing.status === 404, `expected a 404 handshake error, got ${String(missing)}`);
        assert.equal(await statusOf(`http://127.0.0.1:${server.port}/chat`), 426);
        // Closing the server closes its sessions with 1001.
        await within(server.close(), 5_000, "server.close()");
        closed = true;
        assert.equal((await within(session.closeReason, 5_000, "the session's close"))?.code, 1001);
      } finally {
        if (!closed) await server.close();
      }
    },
  },
  {
    name: "server: upgrade handler on node:http",
    area: "server",
    run: async () => {
      const routes = webSocketRoutes((r) => r.webSocket("/ws", echo));
      const httpServer = createServer((request, response) => {
        if (!routes.handleRequest(request, response)) response.writeHead(200).end("the app's answer");
      });
      httpServer.on("upgrade", routes.handleUpgrade);
      httpServer.listen(0, "127.0.0.1");
      await within(once(httpServer, "listening"), 5_000, "listen");
      const { port } = httpServer.address() as AddressInfo;
      try {
        assert.equal(await statusOf(`http://127.0.0.1:${port}/app`), 200);
        assert.equal(await statusOf(`http://127.0.0.1:${port}/ws`), 426);
        const session = await within(cioClient().webSocketSession(`ws://127.0.0.1:${port}/ws`), 5_000, "/ws");
        await session.send(Uint8Array.of(1, 2, 3));
        assertBytes(await bytesOf(session), Uint8Array.of(1, 2, 3), "echoed");
        await within(routes.close(), 5_000, "routes.close()");
        assert.equal((await within(session.closeReason, 5_000, "the session's close"))?.code, 1001);
      } finally {
        httpServer.closeAllConnections();
        await within(new Promise((resolve) => httpServer.close(resolve)), 5_000, "the http server's close");
      }
    },
  },
  {
    name: "Platform: the runtime's global WebSocket",
    area: "Platform",
    skip: hasGlobalWebSocket,
    run: () =>
      withServer(
        echoServer({}, (routes) => routes.webSocket("/bye", (session) => session.close(4003, "done"))),
        async (server) => {
          const client = new HttpClient(Platform, (config) => config.install(WebSockets));
          await client.webSocket(`${server.url}/echo`, async (session) => {
            await session.send("via the runtime's WebSocket");
            assert.equal(await textOf(session), "via the runtime's WebSocket");
            const sent = noise(70_000, 5);
            await session.send(sent);
            assertBytes(await bytesOf(session), sent, "binary");
          });
          const bye = await within(client.webSocketSession(`${server.url}/bye`), 5_000, "/bye");
          assert.deepEqual(await within(bye.closeReason, 5_000, "/bye's close"), new CloseReason(4003, "done"));
        },
      ),
  },
  {
    name: "MockEngine: a scripted server",
    area: "MockEngine",
    run: async () => {
      const engine = new MockEngine(async (server) => {
        await server.send("welcome");
        for await (const frame of server.incoming) {
          if (frame instanceof Frame.Text && frame.readText() === "stop") return server.close(4004, "stopped");
          await server.send(frame);
        }
      });
      const client = new HttpClient(engine, (config) => config.install(WebSockets));
      const session = await within(client.webSocketSession("wss://mock.example/feed"), 5_000, "the mock session");
      assert.equal(await textOf(session), "welcome");
      await session.send(Uint8Array.of(4, 2));
      assertBytes(await bytesOf(session), Uint8Array.of(4, 2), "echoed");
      await session.send("stop");
      assert.deepEqual(await within(session.closeReason, 5_000, "the mock's close"), new CloseReason(4004, "stopped"));
    },
  },
  {
    name: "Reconnect: through a server restart",
    area: "Reconnect",
    run: async () => {
      const start = (port: number, generation: number) =>
        serve({ host: "127.0.0.1", port }, (routes) =>
          routes.webSocket("/feed", async (session) => {
            await session.send(`hello from server ${generation}`);
            for await (const _frame of session.incoming);
          }),
        );
      let server = await within(start(0, 1), 5_000, "server 1");
      const { port } = server;
      const client = new HttpClient(CIO, (config) => {
        config.install(WebSockets);
        config.install(Reconnect, (reconnect) => {
          reconnect.minDelay = "20ms";
          reconnect.maxDelay = "200ms";
        });
      });
      const feed = client.reconnectingSession(`ws://127.0.0.1:${port}/feed`);
      const opened: number[] = [];
      feed.on("open", (event) => opened.push(event.attempt));
      try {
        assert.equal(await textOf(feed), "hello from server 1");
        await within(server.close(), 5_000, "server 1's close"); // 1001: the default policy reconnects
        await sleep(100);
        server = await within(listenAgain(() => start(port, 2)), 5_000, "server 2");
        assert.equal(await textOf(feed), "hello from server 2");
        assert.equal(opened.length, 2, `opened ${opened.length} times`);
      } finally {
        await within(feed.close(), 5_000, "the feed's close");
        await within(server.close(), 5_000, "the last server's close");
      }
    },
  },
  {
    name: "Streams: toStreams (Web Streams) over CIO",
    area: "Streams",
    run: () =>
      withServer(echoServer(), async (server) => {
        const session = await cioClient().webSocketSession(`${server.url}/echo`);
        const { readable, writable } = toStreams(session);
        const writer = writable.getWriter();
        const reader = readable.getReader();
        const sent = noise(100_000, 9);
        await writer.write("text through a WritableStream");
        await writer.write(sent);
        assert.equal((await within(reader.read(), 5_000, "the text")).value, "text through a WritableStream");
        const bytes = (await within(reader.read(), 5_000, "the bytes")).value;
        assert.ok(bytes instanceof Uint8Array);
        assertBytes(bytes, sent, "binary");
        await writer.close();
        assert.equal((await within(reader.read(), 5_000, "the end")).done, true);
        assert.equal((await session.closeReason)?.code, 1000);
      }),
  },
  {
    name: "Streams: toDuplex (node:stream) through pipeline",
    area: "Streams",
    run: () =>
      withServer(echoServer(), async (server) => {
        const session = await cioClient().webSocketSession(`${server.url}/echo`);
        const chunks = Array.from({ length: 64 }, (_, n) => noise(16_384, n + 1));
        const expected = Buffer.concat(chunks);
        const duplex = toDuplex(session);
        const received: Buffer[] = [];
        let total = 0;
        const reading = pipeline(
          duplex,
          new Writable({
            write(chunk: Buffer, _encoding, done) {
              received.push(chunk);
              total += chunk.length;
              if (total >= expected.length) duplex.end();
              done();
            },
          }),
        );
        await pipeline(Readable.from(chunks), duplex, { end: false });
        await within(reading, 10_000, "the echo through the duplex");
        assertBytes(Buffer.concat(received), expected, "pipeline");
      }),
  },
];
