import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { WebSocket as UndiciWebSocket } from "undici";
import {
  HttpClient,
  Platform,
  PlatformEngine,
  WebSockets,
  Frame,
  CloseReason,
  JsonConverter,
  EngineCapabilityError,
  FrameTooBigError,
  ConnectionClosedError,
  ConnectTimeoutError,
  WebSocketHandshakeError,
  type PlatformEngineConfig,
  type WebSocketsConfig,
} from "../../../src/index.js";
import { startEngineTestServer, eventually, delay, type EngineTestServer } from "../helpers/servers.js";

const T = { timeout: 20_000 };

/** undici's WebSocket, watched: every instance made and the largest `bufferedAmount` seen after a send. */
class WatchedWebSocket extends UndiciWebSocket {
  static made: WatchedWebSocket[] = [];
  maxBuffered = 0;
  constructor(url: string, init: ConstructorParameters<typeof UndiciWebSocket>[1]) {
    super(url, init);
    WatchedWebSocket.made.push(this);
  }
  override send(data: Parameters<UndiciWebSocket["send"]>[0]): void {
    super.send(data);
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
  }
}

function platformClient(
  configure: (ws: WebSocketsConfig) => void = () => {},
  engine: (p: PlatformEngineConfig) => void = () => {},
): HttpClient<PlatformEngineConfig> {
  return new HttpClient(Platform, (config) => {
    config.engine((p) => {
      p.webSocket = WatchedWebSocket;
      engine(p);
    });
    config.install(WebSockets, (ws) => {
      ws.contentConverter = new JsonConverter();
      configure(ws);
    });
  });
}

function isCapability(capability: string) {
  return (error: unknown): boolean =>
    error instanceof EngineCapabilityError && error.engine === "Platform" && error.capability === capability;
}

describe("the Platform engine over undici's WebSocket", () => {
  let server: EngineTestServer;
  before(async () => (server = await startEngineTestServer({ protocols: ["chat.v2", "chat.v1"] })));
  after(() => server.close());

  test("echoes text, binary and JSON through the same session API", T, async () => {
    const client = platformClient();
    try {
      assert.ok(client.engine instanceof PlatformEngine);
      const result = await client.webSocket(`${server.url}/echo`, async (session) => {
        assert.equal(session.response, null, "the WebSocket API does not show the handshake response");
        assert.deepEqual(session.extensions, []);
        assert.equal(session.masking, true);
        await session.send("hello");
        const text = await session.incoming.receive();
        assert.ok(text instanceof Frame.Text && text.fin);
        await session.outgoing.send(new Frame.Binary(true, new Uint8Array([1, 2, 3, 255])));
        const binary = await session.incoming.receive();
        assert.ok(binary instanceof Frame.Binary);
        await session.sendSerialized({ n: 1, list: ["a"] });
        const value = await session.receiveDeserialized<{ n: number; list: string[] }>();
        return { text: text.readText(), bytes: [...binary.readBytes()], value };
      });
      assert.deepEqual(result, { text: "hello", bytes: [1, 2, 3, 255], value: { n: 1, list: ["a"] } });
    } finally {
      client.close();
    }
  });

  test("for await over incoming, a negotiated subprotocol, headers and URL credentials", T, async () => {
    const client = platformClient();
    try {
      const port = server.port;
      const session = await client.webSocketSession({
        url: `ws://alice:s%C3%A9same@127.0.0.1:${port}/echo`,
        protocols: ["chat.v1"],
        headers: { "x-kite": "platform" },
      });
      assert.equal(session.protocol, "chat.v1");
      const request = server.requests.at(-1)!;
      assert.equal(request.headers.get("x-kite"), "platform");
      assert.equal(request.headers.get("authorization"), `Basic ${Buffer.from("alice:sésame").toString("base64")}`);
      for (let i = 0; i < 5; i++) await session.send(`m${i}`);
      const seen: string[] = [];
      for await (const frame of session.incoming) {
        seen.push((frame as Frame.Text).readText());
        if (seen.length === 5) break;
      }
      assert.deepEqual(seen, ["m0", "m1", "m2", "m3", "m4"]);
      await session.close();
      assert.deepEqual(await session.closeReason, new CloseReason(1000, ""));
    } finally {
      client.close();
    }
  });

  test("close codes from the client: 1000 and 3000–4999 reach the server with their reason", T, async () => {
    const client = platformClient();
    try {
      for (const [code, reason] of [
        [1000, "done"],
        [4001, "custom bye"],
        [3000, ""],
      ] as const) {
        const before = server.closeReasons.length;
        const session = await client.webSocketSession(`${server.url}/echo`);
        await session.close(new CloseReason(code, reason));
        assert.deepEqual(await session.closeReason, new CloseReason(code, reason));
        await eventually(() => server.closeReasons.length > before, 5_000, "the server's close");
        assert.deepEqual(server.closeReasons.at(-1), new CloseReason(code, reason));
      }
    } finally {
      client.close();
    }
  });

  test("close codes the WebSocket API may not send go out without a code (the server sees 1005), as documented", T, async () => {
    const client = platformClient();
    try {
      const before = server.closeReasons.length;
      await assert.rejects(
        client.webSocket(`${server.url}/echo`, () => {
          throw new Error("block failed");
        }),
        /block failed/,
      );
      await eventually(() => server.closeReasons.length > before, 5_000, "the server's close");
      assert.equal(server.closeReasons.at(-1)?.code, CloseReason.Codes.NO_STATUS_RECEIVED);
    } finally {
      client.close();
    }
  });

  test("close codes from the server reach closeReason, and incoming ends", T, async () => {
    const client = platformClient();
    try {
      for (const [code, reason] of [
        [1001, "going away"],
        [1011, "oops"],
        [4002, "custom"],
      ] as const) {
        const session = await client.webSocketSession(`${server.url}/close?code=${code}&reason=${encodeURIComponent(reason)}`);
        const frames: Frame[] = [];
        for await (const frame of session.incoming) frames.push(frame);
        assert.deepEqual(frames, []);
        assert.deepEqual(await session.closeReason, new CloseReason(code, reason));
        await assert.rejects(session.send("late"), (error: unknown) => error instanceof Error);
      }
    } finally {
      client.close();
    }
  });

  test("what the WebSocket API cannot do fails with EngineCapabilityError at send, never silently", T, async () => {
    const client = platformClient();
    try {
      await client.webSocket(`${server.url}/echo`, async (session) => {
        await assert.rejects(session.send(new Frame.Ping(new Uint8Array([1]))), isCapability("pingFrames"));
        await assert.rejects(session.outgoing.send(new Frame.Pong()), isCapability("pingFrames"));
        await assert.rejects(session.send(new Frame.Text(false, "frag")), isCapability("fragmentedFrames"));
        await assert.rejects(session.send(new Frame.Binary(true, new Uint8Array(1), true)), isCapability("rawFrames"));
        assert.throws(() => (session.pingIntervalMillis = 1_000), isCapability("pingFrames"));
        assert.equal(session.pingIntervalMillis, null);
        session.pingIntervalMillis = null; // turning pings off is always possible
        // The session is still usable after each refusal.
        await session.send("still here");
        assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "still here");
      });
      await assert.rejects(client.webSocketRawSession(`${server.url}/echo`), isCapability("rawFrames"));
    } finally {
      client.close();
    }
  });

  test("maxFrameSize is enforced per message on receive: a bigger one fails the session with FrameTooBigError", T, async () => {
    const client = platformClient();
    try {
      const session = await client.webSocketSession(`${server.url}/big?bytes=2000`);
      session.maxFrameSize = 1000;
      await assert.rejects(session.incoming.receive(), (error: unknown) => {
        const cause = (error as Error).cause;
        assert.ok(cause instanceof FrameTooBigError, `cause: ${String(cause)}`);
        assert.equal(cause.size, 2000);
        assert.equal(cause.limit, 1000);
        return true;
      });
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);
      // maxMessageSize, enforced by the session itself, works on this engine as on any other.
      const limited = platformClient((ws) => (ws.maxMessageSize = 500));
      const other = await limited.webSocketSession(`${server.url}/big?bytes=501`);
      await assert.rejects(other.incoming.receive(), (error: unknown) => (error as Error).cause instanceof FrameTooBigError);
      limited.close();
    } finally {
      client.close();
    }
  });

  test("outgoing waits while bufferedAmount is above the high-water mark, and resumes when it drains", T, async () => {
    const client = platformClient(
      (ws) => (ws.channels.outgoing = { capacity: 2, onOverflow: "suspend" }),
      (p) => {
        p.writeHighWaterMark = 256 * 1024;
        p.drainPollMillis = 5;
      },
    );
    try {
      // The server reads nothing for a while: TCP fills, undici's bufferedAmount grows.
      const session = await client.webSocketSession(`${server.url}/slow?millis=1500`);
      const socket = WatchedWebSocket.made.at(-1)!;
      const chunk = new Uint8Array(64 * 1024);
      const count = 400; // 25 MiB: more than loopback's socket buffers hold
      let sent = 0;
      const sending = (async () => {
        for (let i = 0; i < count; i++) {
          chunk[0] = i & 0xff;
          await session.send(new Frame.Binary(true, chunk.slice()));
          sent++;
        }
      })();
      await delay(700);
      const sentWhileBlocked = sent;
      assert.ok(sentWhileBlocked < count, `sending waited (${sentWhileBlocked} of ${count} sent while the server did not read)`);
      assert.ok(socket.maxBuffered > 256 * 1024, `bufferedAmount rose above the mark (${socket.maxBuffered})`);
      // undici's buffer stays bounded near the mark plus one batch, not the whole 25 MiB.
      assert.ok(socket.maxBuffered < 4 * 1024 * 1024, `bufferedAmount stayed bounded (${socket.maxBuffered})`);
      await sending;
      let received = 0;
      for await (const frame of session.incoming) {
        assert.equal(frame.data[0], received & 0xff, "in order");
        if (++received === count) break;
      }
      await session.flush();
      await session.close();
    } finally {
      client.close();
    }
  });

  test("a refused handshake, a refused port, a silent server and an abort each fail clearly", T, async () => {
    const silent: Socket[] = [];
    const tcp: Server = createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const silentPort = (tcp.address() as { port: number }).port;
    const client = platformClient(undefined, (p) => (p.connectTimeoutMillis = 300));
    try {
      await assert.rejects(client.webSocketSession(`${server.url}/no-such-route`), (error: unknown) => {
        assert.ok(error instanceof WebSocketHandshakeError);
        assert.match(error.message, /does not say why/);
        return true;
      });
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise((resolve) => closed.close(resolve));
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${closedPort}/`), WebSocketHandshakeError);
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${silentPort}/`), ConnectTimeoutError);
      const abort = new AbortController();
      const opening = client.webSocketSession({ url: `ws://127.0.0.1:${silentPort}/`, signal: abort.signal });
      abort.abort(new Error("changed my mind"));
      await assert.rejects(opening, /changed my mind/);
    } finally {
      client.close();
      for (const socket of silent) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  test("a connection that drops without a close handshake ends with 1006 and ConnectionClosedError", T, async () => {
    const client = platformClient();
    try {
      const session = await client.webSocketSession(`${server.url}/echo`);
      await eventually(() => server.server.routes.sessions.size > 0, 5_000, "the server's session");
      for (const serverSession of server.server.routes.sessions) serverSession.terminate();
      await assert.rejects(session.incoming.receive(), (error: unknown) => (error as Error).cause instanceof ConnectionClosedError);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.CLOSED_ABNORMALLY);
    } finally {
      client.close();
    }
  });

  test("terminate() ends the session at once with 1006", T, async () => {
    const client = platformClient();
    try {
      const session = await client.webSocketSession(`${server.url}/echo`);
      session.terminate();
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.CLOSED_ABNORMALLY);
      await assert.rejects(session.send("x"));
    } finally {
      client.close();
    }
  });
});
