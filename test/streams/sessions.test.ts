// toStreams beyond a client's CIO session: a server's session, MockEngine's, a reconnecting session
// across its connections, and backpressure both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloseReason, FrameTooBigError, HttpClient, WebSockets, toStreams, type StreamMessage } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { ReconnectGaveUpError } from "../../src/plugins/reconnect/index.js";
import { deferred } from "../helpers/deferred.js";
import { settlesWithin, waitFor, within } from "../helpers/ws-peer.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { cioClient, readAll, rejectionOf, take } from "./helpers.js";

const T = { timeout: 20_000 };

test("a server's session: readable.pipeTo(writable) echoes, and ends when the client closes", T, async () => {
  const ended = deferred<CloseReason | null>();
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/echo", async (session) => {
      const { readable, writable } = toStreams(session);
      await readable.pipeTo(writable);
      ended.resolve(await session.closeReason);
    }),
  );
  const session = await cioClient().webSocketSession(`${server.url}/echo`);
  const { readable, writable } = toStreams(session);
  const writer = writable.getWriter();
  await writer.write("ping");
  await writer.write(new Uint8Array([1, 2, 3]));
  const reader = readable.getReader();
  assert.deepEqual(await take(reader, 2), ["ping", new Uint8Array([1, 2, 3])]);
  await within(writer.close(), 5_000, "the client's close");
  assert.deepEqual(await within(ended.promise, 5_000, "the server's pipe to end"), new CloseReason(1000, ""));
});

test("a server's session: a message over its maxFrameSize errors its readable with FrameTooBigError", T, async () => {
  const failure = deferred<unknown>();
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/small", async (session: DefaultWebSocketServerSession) => {
      session.maxFrameSize = 16;
      failure.resolve(await readAll(toStreams(session).readable).catch((error: unknown) => error));
    }),
  );
  const session = await cioClient().webSocketSession(`${server.url}/small`);
  await session.send("x".repeat(17));
  const error = await within(failure.promise, 5_000, "the server's readable");
  assert.ok(error instanceof FrameTooBigError, `got ${String(error)}`);
  assert.equal((await session.closeReason)?.code, 1009);
});

test("MockEngine: the server's messages reach the client's readable, the client's abort reaches the server", T, async () => {
  const serverClose = deferred<CloseReason | null>();
  const engine = new MockEngine(async (server) => {
    await server.send("hello");
    await server.send(new Uint8Array([42]));
    serverClose.resolve(await server.closeReason);
  }, { protocols: ["feed.v1"] });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const streams = toStreams(await client.webSocketSession({ url: "ws://mock/feed", protocols: ["feed.v1"] }));
  assert.equal(streams.protocol, "feed.v1");
  assert.deepEqual(await take(streams.readable.getReader(), 2), ["hello", new Uint8Array([42])]);
  await streams.writable.abort(new CloseReason(4404, "gone"));
  assert.deepEqual(await within(serverClose.promise, 5_000, "the server's close"), new CloseReason(4404, "gone"));
  assert.deepEqual(engine.errors, []);
});

test("MockEngine: a message over the client's maxFrameSize errors the readable with FrameTooBigError", T, async () => {
  const engine = new MockEngine(async (server) => {
    await server.send(new Uint8Array(64));
    await server.closeReason;
  });
  const client = new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.maxFrameSize = 32)));
  const error = await rejectionOf(readAll(toStreams(await client.webSocketSession("ws://mock/")).readable));
  assert.ok(error instanceof FrameTooBigError, `got ${String(error)}`);
});

test("backpressure: a reader that stops reading stops the server's sends; reading again lets them all through", T, async () => {
  const COUNT = 2_000;
  let sent = 0;
  const engine = new MockEngine(async (server) => {
    const payload = new Uint8Array(16 * 1024);
    for (let i = 0; i < COUNT; i++) {
      await server.send(payload);
      sent++;
    }
    await server.close();
  }, { highWaterMark: 64 * 1024 });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const { readable } = toStreams(await client.webSocketSession("ws://mock/"));
  const reader = readable.getReader();
  await take(reader, 1);
  // Nobody reads: the server is held back once incoming (64 frames or 4 MiB) and the in-memory "socket" are full.
  await waitFor(() => sent > 0, 5_000, "the server to send");
  let before = -1;
  while (before !== sent) {
    before = sent;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(sent < 400, `the server sent ${sent} of ${COUNT} messages to a reader that stopped reading`);
  let count = 1;
  for (;;) {
    const { done } = await within(reader.read(), 5_000, "the next message");
    if (done) break;
    count++;
  }
  assert.equal(count, COUNT);
});

test("backpressure: a write waits while outgoing is full, and goes on when the peer reads", T, async () => {
  const reading = deferred<void>();
  let received = 0;
  const engine = new MockEngine(async (server) => {
    await reading.promise;
    for await (const frame of server.incoming) received += frame.data.byteLength;
  }, { highWaterMark: 64 * 1024, server: { channels: { incoming: { capacity: 4, onOverflow: "suspend" } } } });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const session = await client.webSocketSession("ws://mock/");
  const writer = toStreams(session).writable.getWriter();
  const chunk = new Uint8Array(64 * 1024);
  let written = 0;
  let pending: Promise<void> | null = null;
  for (let i = 0; i < 1_000 && pending === null; i++) {
    const write = writer.write(chunk);
    if ((await settlesWithin(write, 50)).state === "timeout") pending = write;
    else written++;
  }
  assert.ok(pending !== null, "a write waited");
  assert.ok(written < 200, `${written} writes of 64 KiB went through to a peer that does not read`);
  reading.resolve();
  await within(pending, 5_000, "the waiting write");
  await within(writer.close(), 5_000, "close");
  assert.equal(received, (written + 1) * chunk.byteLength);
});

test("a reconnecting session: the streams live across connections, and end when the session closes", T, async () => {
  let connections = 0;
  const servers: DefaultWebSocketServerSession[] = [];
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/", async (session) => {
      servers.push(session);
      await session.send(`hello ${++connections}`);
      for await (const frame of session.incoming) await session.send(frame.readBytes());
    }),
  );
  const reconnecting = reconnectClient().reconnectingSession(server.url);
  const { readable, writable } = toStreams(reconnecting);
  const reader = readable.getReader();
  const writer = writable.getWriter();
  assert.deepEqual(await take(reader, 1), ["hello 1"]);
  await writer.write(new Uint8Array([1]));
  assert.deepEqual(await take(reader, 1), [new Uint8Array([1])]);
  // The connection is lost: the same streams go on over the next one.
  servers[0].terminate();
  assert.deepEqual(await take(reader, 1), ["hello 2"]);
  await writer.write(new Uint8Array([2]));
  assert.deepEqual(await take(reader, 1), [new Uint8Array([2])]);
  await within(writer.close(), 5_000, "close");
  assert.deepEqual(await within(reader.read(), 5_000, "the end"), { value: undefined, done: true });
  assert.equal(reconnecting.state, "closed");
});

test("a reconnecting session that gives up errors the readable with ReconnectGaveUpError", T, async () => {
  const server = await serve({ host: "127.0.0.1", port: 0 }, (routes) => routes.webSocket("/", (session) => session.closeReason));
  const reconnecting = reconnectClient((r) => (r.maxAttempts = 2)).reconnectingSession(server.url);
  const chunks: StreamMessage[] = [];
  const { readable } = toStreams(reconnecting);
  await waitFor(() => reconnecting.state === "open", 5_000, "the first connection");
  await server.close();
  const error = await rejectionOf(
    readable.pipeTo(new WritableStream({ write: (chunk) => void chunks.push(chunk) })),
    10_000,
  );
  assert.ok(error instanceof ReconnectGaveUpError, `got ${String(error)}`);
  assert.deepEqual(chunks, []);
});
