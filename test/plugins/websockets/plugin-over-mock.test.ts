// The WebSockets plugin's layer (settings reaching the session, the builders' block semantics) needs
// no socket: these run over MockEngine, whose server side is a real DefaultWebSocketSession.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CloseReason,
  EngineCapabilityError,
  Frame,
  FrameTooBigError,
  HttpClient,
  JsonConverter,
  PingTimeoutError,
  WebSockets,
  WebSocketDeflateExtension,
  type WebSocketsConfig,
} from "../../../src/index.js";
import { MockEngine, type MockEngineOptions } from "../../../src/testing/index.js";

const T = { timeout: 10_000 };

function clientOver(engine: MockEngine, configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(engine, (config) => config.install(WebSockets, configure));
}

function serverOnly(options: MockEngineOptions = {}): MockEngine {
  return new MockEngine(options);
}

test("the plugin's settings reach every session it opens", T, async () => {
  const engine = serverOnly();
  const converter = new JsonConverter();
  const client = clientOver(engine, (ws) => {
    ws.pingIntervalMillis = 5_000;
    ws.timeoutMillis = 7_000;
    ws.maxFrameSize = 4_096;
    ws.maxMessageSize = 8_192;
    ws.contentConverter = converter;
  });
  const opening = client.webSocketSession("ws://mock.test/settings");
  const { server } = await engine.nextConnection();
  const session = await opening;
  try {
    assert.equal(session.pingIntervalMillis, 5_000);
    assert.equal(session.timeoutMillis, 7_000);
    assert.equal(session.maxFrameSize, 4_096);
    assert.equal(session.maxMessageSize, 8_192);
    assert.equal(session.converter, converter);
    // The limit is enforced on what the peer sends: 1009 and FrameTooBigError.
    await server.send(new Uint8Array(5_000));
    await assert.rejects(session.incoming.receive(), (error: unknown) => error instanceof Error && error.cause instanceof FrameTooBigError);
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);
  } finally {
    client.close();
  }
});

test("webSocket(block) closes with 1000 and resolves with the block's value", T, async () => {
  let serverSaw: CloseReason | null = null;
  const engine = new MockEngine(async (server) => {
    for await (const frame of server.incoming) await server.send(frame);
    serverSaw = await server.closeReason;
  });
  const client = clientOver(engine);
  const value = await client.webSocket("ws://mock.test/echo", async (session) => {
    await session.send("ping?");
    const frame = await session.incoming.receive();
    return frame instanceof Frame.Text ? frame.readText() : null;
  });
  assert.equal(value, "ping?");
  assert.deepEqual(serverSaw, new CloseReason(CloseReason.Codes.NORMAL, ""));
  client.close();
});

test("a block that throws closes with 1011 and rejects with the block's error", T, async () => {
  const engine = serverOnly();
  const client = clientOver(engine);
  const boom = new Error("the block failed");
  const running = client.webSocket("ws://mock.test/fail", async () => {
    throw boom;
  });
  const { server } = await engine.nextConnection();
  await assert.rejects(running, (error: unknown) => error === boom);
  const reason = await server.closeReason;
  assert.equal(reason?.code, CloseReason.Codes.INTERNAL_ERROR);
  assert.equal(reason?.message, "the block failed");
  client.close();
});

test("pings at the plugin's interval; a peer that stops reading (so answers no ping) fails the session with PingTimeoutError", T, async () => {
  // The server's incoming holds one frame and nobody reads it: once full, the server stops reading,
  // so the client's pings behind it go unanswered, as with a stalled peer over TCP.
  const engine = serverOnly({ server: { channels: { incoming: { capacity: 1, onOverflow: "suspend" } } } });
  const client = clientOver(engine, (ws) => {
    ws.pingIntervalMillis = 40;
    ws.timeoutMillis = 200;
  });
  const opening = client.webSocketSession("ws://mock.test/ping");
  const { server } = await engine.nextConnection();
  const session = await opening;
  // The session's timers do not keep a process alive (they are unref'd); this test must stay alive.
  const keepAlive = setInterval(() => {}, 1_000);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(session.incoming.isClosedForReceive, false, "answered pings keep the session open");
    await session.send("one");
    await session.send("two");
    await assert.rejects(session.incoming.receive(), (error: unknown) => error instanceof Error && error.cause instanceof PingTimeoutError);
    assert.equal(server.incoming.tryReceive() instanceof Frame.Text, true);
  } finally {
    clearInterval(keepAlive);
    client.close();
  }
});

test("an engine that cannot honour a setting fails when the client is built", T, () => {
  const engine = serverOnly();
  assert.throws(
    () => clientOver(engine, (ws) => ws.extensions((e) => e.install(WebSocketDeflateExtension))),
    (error: unknown) => error instanceof EngineCapabilityError && error.message.includes("extensions"),
  );
});
