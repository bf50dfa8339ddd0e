import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { WebSocket } from "ws";
import {
  HttpClient,
  WebSockets,
  Frame,
  CloseReason,
  JsonConverter,
  EngineCapabilityError,
  FrameTooBigError,
  PingTimeoutError,
  ConnectTimeoutError,
  WebSocketHandshakeError,
  type WebSocketsConfig,
} from "../../../src/index.js";
import { WsEngine, WsClientEngine, type WsEngineConfig, type WsEngineOptions } from "../../../src/engine/ws/index.js";
import { startEngineTestServer, eventually, delay, type EngineTestServer } from "../helpers/servers.js";
import { startWsPeer } from "../../helpers/ws-peer.js";

const T = { timeout: 20_000 };

function wsClient(configure: (ws: WebSocketsConfig) => void = () => {}, engine: (config: WsEngineConfig) => void = () => {}): HttpClient<WsEngineConfig> {
  return new HttpClient(WsEngine, (config) => {
    config.engine(engine);
    config.install(WebSockets, (ws) => {
      ws.contentConverter = new JsonConverter();
      configure(ws);
    });
  });
}

describe("the ws engine", () => {
  let server: EngineTestServer;
  before(async () => (server = await startEngineTestServer({ protocols: ["chat.v1"] })));
  after(() => server.close());

  test("echoes text, binary and JSON, and shows the handshake response", T, async () => {
    const client = wsClient();
    try {
      assert.ok(client.engine instanceof WsClientEngine);
      const result = await client.webSocket({ url: `${server.url}/echo`, protocols: ["chat.v1"] }, async (session) => {
        assert.equal(session.response?.status, 101);
        assert.equal(session.response?.headers.get("upgrade")?.toLowerCase(), "websocket");
        assert.equal(session.protocol, "chat.v1");
        await session.send("hello");
        const text = (await session.incoming.receive()) as Frame.Text;
        await session.send(new Uint8Array([9, 8, 7]));
        const binary = (await session.incoming.receive()) as Frame.Binary;
        await session.sendSerialized({ ok: true });
        return { text: text.readText(), bytes: [...binary.readBytes()], json: await session.receiveDeserialized() };
      });
      assert.deepEqual(result, { text: "hello", bytes: [9, 8, 7], json: { ok: true } });
      assert.deepEqual(server.closeReasons.at(-1), new CloseReason(1000, ""));
    } finally {
      client.close();
    }
  });

  test("close codes both ways", T, async () => {
    const client = wsClient();
    try {
      const session = await client.webSocketSession(`${server.url}/echo`);
      const before = server.closeReasons.length;
      await session.close(new CloseReason(CloseReason.Codes.GOING_AWAY, "bye"));
      assert.deepEqual(await session.closeReason, new CloseReason(1001, "bye"));
      await eventually(() => server.closeReasons.length > before);
      assert.deepEqual(server.closeReasons.at(-1), new CloseReason(1001, "bye"));

      const closed = await client.webSocketSession(`${server.url}/close?code=4003&reason=server%20says`);
      for await (const _ of closed.incoming) assert.fail("no frames");
      assert.deepEqual(await closed.closeReason, new CloseReason(4003, "server says"));
    } finally {
      client.close();
    }
  });

  test("the plugin's pings go through ws.ping() and the peer's pongs keep the session alive", T, async () => {
    const peer = await startWsPeer();
    const client = wsClient((ws) => {
      ws.pingIntervalMillis = 40;
      ws.timeoutMillis = 300; // without pongs reaching the session it would fail after ~340 ms
    });
    try {
      const session = await client.webSocketSession(peer.url);
      const { socket } = await peer.nextConnection();
      let pings = 0;
      socket.on("ping", () => pings++);
      await delay(800); // twenty intervals, more than twice the pong timeout
      assert.ok(pings >= 6, `the server saw ${pings} pings`);
      assert.equal(session.pingIntervalMillis, 40);
      await session.send("alive");
      assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "alive");
      await session.close();
      assert.deepEqual(await session.closeReason, new CloseReason(1000, ""));
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("without pongs the pong timeout fails the session with PingTimeoutError", T, async () => {
    const peer = await startWsPeer(() => {}, { autoPong: false });
    const client = wsClient((ws) => {
      ws.pingIntervalMillis = 30;
      ws.timeoutMillis = 150;
    });
    try {
      const session = await client.webSocketSession(peer.url);
      await assert.rejects(session.incoming.receive(), (error: unknown) => (error as Error).cause instanceof PingTimeoutError);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.INTERNAL_ERROR);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("the default session answers the server's pings; a raw session gets them and answers itself", T, async () => {
    const peer = await startWsPeer(() => {});
    const client = wsClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const { socket } = await peer.nextConnection();
      const pong = new Promise<Buffer>((resolve) => socket.once("pong", resolve));
      socket.ping(Buffer.from("are you there"));
      assert.equal((await pong).toString(), "are you there");
      await session.close();

      const raw = await client.webSocketRawSession(peer.url);
      const rawSocket = (await peer.nextConnection()).socket;
      let pongs = 0;
      rawSocket.on("pong", () => pongs++);
      rawSocket.ping(Buffer.from("raw"));
      const ping = await raw.incoming.receive();
      assert.ok(ping instanceof Frame.Ping);
      assert.equal(new TextDecoder().decode(ping.data), "raw");
      await delay(50);
      assert.equal(pongs, 0, "ws's autoPong is off: nothing answered for the raw session");
      await raw.send(new Frame.Pong(ping.data));
      await eventually(() => pongs === 1, 2_000, "the raw session's pong");
      // The server's own pongs reach a raw session too.
      await raw.send(new Frame.Ping(new Uint8Array([1])));
      assert.ok((await raw.incoming.receive()) instanceof Frame.Pong);
      await raw.close();
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("fragmented sends go out as one message; RSV bits are refused at send", T, async () => {
    const client = wsClient();
    try {
      await client.webSocket(`${server.url}/echo`, async (session) => {
        await session.send(new Frame.Text(false, "ab"));
        await session.send(new Frame.Text(false, "cd"));
        await session.send(new Frame.Text(true, "ef"));
        assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "abcdef");
        await assert.rejects(
          session.send(new Frame.Binary(true, new Uint8Array(1), true)),
          (error: unknown) => error instanceof EngineCapabilityError && error.engine === "WsEngine" && error.capability === "rawFrames",
        );
      });
    } finally {
      client.close();
    }
  });

  test("maxFrameSize becomes ws's maxPayload: a bigger message fails with 1009; live, it can be lowered, not raised", T, async () => {
    const client = wsClient((ws) => (ws.maxFrameSize = 1000));
    try {
      const session = await client.webSocketSession(`${server.url}/big?bytes=1001`);
      await assert.rejects(session.incoming.receive(), (error: unknown) => (error as Error).cause instanceof FrameTooBigError);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);

      const live = await client.webSocketSession(`${server.url}/echo`);
      assert.equal(live.maxFrameSize, 1000);
      assert.throws(
        () => (live.maxFrameSize = 2000),
        (error: unknown) => error instanceof EngineCapabilityError && error.capability === "frameSizeLimit",
      );
      await live.send(new Uint8Array(600));
      assert.equal((await live.incoming.receive()).data.length, 600);
      live.maxFrameSize = 700;
      await live.send(new Uint8Array(600));
      assert.equal((await live.incoming.receive()).data.length, 600);
      live.maxFrameSize = 500;
      await assert.rejects(live.send(new Uint8Array(600)), FrameTooBigError, "the limit applies to sending too");
      live.maxFrameSize = 700;
      await live.send(new Uint8Array(600));
      live.maxFrameSize = 500; // lowered while the echo is on its way
      await assert.rejects(live.incoming.receive(), (error: unknown) => (error as Error).cause instanceof FrameTooBigError);
    } finally {
      client.close();
    }
  });

  test("preconfigured ws ClientOptions are merged under the engine's", T, async () => {
    const client = wsClient(undefined, (ws) => {
      ws.preconfigured = { headers: { "x-pre": "configured", "x-both": "pre" }, handshakeTimeout: 5_000 };
    });
    try {
      await client.webSocket({ url: `ws://bob:pw@127.0.0.1:${server.port}/echo`, headers: { "x-both": "request" } }, async (session) => {
        await session.send("x");
        await session.incoming.receive();
      });
      const request = server.requests.at(-1)!;
      assert.equal(request.headers.get("x-pre"), "configured");
      assert.equal(request.headers.get("x-both"), "request", "the request's headers win");
      assert.equal(request.headers.get("authorization"), `Basic ${Buffer.from("bob:pw").toString("base64")}`);
      assert.equal(request.headers.get("sec-websocket-extensions"), null, "permessage-deflate stays off unless asked for");
    } finally {
      client.close();
    }
  });

  test("preconfigured as a factory makes the WebSocket, with the engine's options", T, async () => {
    const seen: { url: string; protocols: string[]; options: WsEngineOptions }[] = [];
    const client = wsClient(
      (ws) => (ws.maxFrameSize = 1 << 20),
      (ws) => {
        ws.preconfigured = (url, protocols, options) => {
          seen.push({ url, protocols, options });
          return new WebSocket(url, protocols, { ...options, headers: { ...options.headers, "x-factory": "yes" } });
        };
      },
    );
    try {
      const text = await client.webSocket({ url: `${server.url}/echo`, protocols: ["chat.v1"] }, async (session) => {
        await session.send("made by the factory");
        return ((await session.incoming.receive()) as Frame.Text).readText();
      });
      assert.equal(text, "made by the factory");
      assert.equal(seen.length, 1);
      assert.equal(seen[0].url, `${server.url}/echo`);
      assert.deepEqual(seen[0].protocols, ["chat.v1"]);
      assert.equal(seen[0].options.autoPong, false);
      assert.equal(seen[0].options.maxPayload, 1 << 20);
      assert.equal(server.requests.at(-1)!.headers.get("x-factory"), "yes");
    } finally {
      client.close();
    }
  });

  test("a refused handshake carries the response; a silent server times out; an abort stops the connect", T, async () => {
    const silent: Socket[] = [];
    const tcp: Server = createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
    const port = (tcp.address() as { port: number }).port;
    const client = wsClient(undefined, (ws) => (ws.connectTimeoutMillis = 300));
    try {
      await assert.rejects(client.webSocketSession(`${server.url}/no-such-route`), (error: unknown) => {
        assert.ok(error instanceof WebSocketHandshakeError);
        assert.equal(error.status, 404);
        assert.match(error.body, /WebSocket route/);
        return true;
      });
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${port}/`), ConnectTimeoutError);
      const abort = new AbortController();
      const opening = client.webSocketSession({ url: `ws://127.0.0.1:${port}/`, signal: abort.signal });
      setTimeout(() => abort.abort(new Error("stop")), 20);
      await assert.rejects(opening, /stop/);
    } finally {
      client.close();
      for (const socket of silent) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  test("a session that fails from inside a delivery (incoming full, onOverflow close) ends the connection at once: ws goes on reading for the close", T, async () => {
    const peer = await startWsPeer((socket) => {
      for (let i = 0; i < 3; i++) socket.send(`m${i}`);
    });
    const client = wsClient((ws) => (ws.channels.incoming = { capacity: 1, onOverflow: "close" }));
    try {
      const session = await client.webSocketSession(peer.url);
      const started = Date.now();
      const { closed } = await peer.nextConnection();
      assert.equal((await closed).code, CloseReason.Codes.VIOLATED_POLICY);
      const millis = Date.now() - started;
      // A paused ws socket would not read the server's Close: the session's 1 s deadline would cut it.
      assert.ok(millis < 600, `the connection ended ${millis} ms after the failure`);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.VIOLATED_POLICY);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("outgoing waits while ws holds more than the high-water mark, and resumes", T, async () => {
    const client = wsClient(
      (ws) => (ws.channels.outgoing = { capacity: 2, onOverflow: "suspend" }),
      (ws) => (ws.writeHighWaterMark = 256 * 1024),
    );
    try {
      const session = await client.webSocketSession(`${server.url}/slow?millis=1200`);
      const count = 400;
      let sent = 0;
      const sending = (async () => {
        for (let i = 0; i < count; i++) {
          await session.send(new Frame.Binary(true, new Uint8Array(64 * 1024).fill(i & 0xff)));
          sent++;
        }
      })();
      let received = 0;
      const receiving = (async () => {
        for await (const frame of session.incoming) {
          assert.equal(frame.data[0], received & 0xff, "in order");
          if (++received === count) break;
        }
      })();
      await delay(600);
      assert.ok(sent < count, `sending waited (${sent} of ${count} sent while the server did not read)`);
      await Promise.all([sending, receiving]);
      await session.close();
    } finally {
      client.close();
    }
  });
});
