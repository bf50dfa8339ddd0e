// kite-ws/server against an independent client: the `ws` package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { serve, type DefaultWebSocketServerSession, type WebSocketServerRequest } from "../../src/server/index.js";
import { Frame, CloseReason } from "../../src/index.js";
import { delay, openWs, within, wsClosed, wsMessage } from "./helpers.js";
import { deferred } from "../helpers/deferred.js";

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

test("echoes text and binary messages to a ws client", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0 }, (routes) => routes.webSocket("/echo", echo));
  try {
    const client = await openWs(`${server.url}/echo`);
    client.send("hello");
    const text = await within(wsMessage(client), 2_000);
    assert.equal(text.isBinary, false);
    assert.equal(text.data.toString(), "hello");
    client.send(Buffer.from([0, 1, 2, 255]));
    const binary = await within(wsMessage(client), 2_000);
    assert.equal(binary.isBinary, true);
    assert.deepEqual([...binary.data], [0, 1, 2, 255]);
    const closed = wsClosed(client);
    client.close(1000);
    assert.equal((await within(closed, 2_000)).code, 1000);
  } finally {
    await server.close();
  }
});

test("reassembles a message that ws sends in fragments", { timeout: 10_000 }, async () => {
  const received = deferred<Frame>();
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/frag", async (session) => {
      const frame = await session.incoming.receive();
      received.resolve(frame);
      await session.send(frame);
    }),
  );
  try {
    const client = await openWs(`${server.url}/frag`);
    client.send("hel", { fin: false });
    client.send("lo ", { fin: false });
    client.send("world", { fin: true });
    const frame = await within(received.promise, 2_000);
    assert.ok(frame instanceof Frame.Text);
    assert.equal(frame.fin, true);
    assert.equal(frame.readText(), "hello world");
    assert.equal((await within(wsMessage(client), 2_000)).data.toString(), "hello world");
    // The handler returned after one message: the session closes with 1000.
    assert.equal((await within(wsClosed(client), 2_000)).code, 1000);
  } finally {
    await server.close();
  }
});

test("a client's close code and reason reach the handler", { timeout: 10_000 }, async () => {
  const reason = deferred<CloseReason | null>();
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/c", async (session) => {
      for await (const _ of session.incoming) {
        // ignore messages
      }
      reason.resolve(await session.closeReason);
    }),
  );
  try {
    const client = await openWs(`${server.url}/c`);
    const closed = wsClosed(client);
    client.close(4002, "client says bye");
    assert.deepEqual(await within(reason.promise, 2_000), new CloseReason(4002, "client says bye"));
    // The server answered with the same code (RFC 6455 §5.5.1).
    assert.equal((await within(closed, 2_000)).code, 4002);
  } finally {
    await server.close();
  }
});

test("a handler's close code and reason reach the client", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/c", async (session) => {
      await session.close(new CloseReason(4003, "server says bye"));
    }),
  );
  try {
    const client = await openWs(`${server.url}/c`);
    assert.deepEqual(await within(wsClosed(client), 2_000), { code: 4003, reason: "server says bye" });
  } finally {
    await server.close();
  }
});

test("a handler that throws closes with 1011 (its message with exposeErrors), and is reported", { timeout: 10_000 }, async () => {
  const reported = deferred<{ error: unknown; request: WebSocketServerRequest | null }>();
  const server = await serve({ port: 0, exposeErrors: true, onError: (error, request) => reported.resolve({ error, request }) }, (routes) =>
    routes.webSocket("/boom", async (session) => {
      await session.incoming.receive();
      throw new Error("handler exploded");
    }),
  );
  try {
    const client = await openWs(`${server.url}/boom?x=1`);
    client.send("go");
    assert.deepEqual(await within(wsClosed(client), 2_000), { code: 1011, reason: "handler exploded" });
    const { error, request } = await within(reported.promise, 2_000);
    assert.equal((error as Error).message, "handler exploded");
    assert.equal(request?.url.pathname, "/boom");
    assert.equal(request?.url.search, "?x=1");
  } finally {
    await server.close();
  }
});

test("a handler that throws synchronously does not crash the process", { timeout: 10_000 }, async () => {
  const errors: unknown[] = [];
  const server = await serve({ port: 0, onError: (error) => errors.push(error) }, (routes) =>
    routes.webSocket("/sync", () => {
      throw new TypeError("sync failure");
    }),
  );
  try {
    const client = await openWs(`${server.url}/sync`);
    assert.deepEqual(await within(wsClosed(client), 2_000), { code: 1011, reason: "Internal error" });
    assert.equal(errors.length, 1);
  } finally {
    await server.close();
  }
});

test("the handler gets the request: URL, headers, remote address, offered protocols", { timeout: 10_000 }, async () => {
  const seen = deferred<WebSocketServerRequest>();
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket(
      "/who",
      (_session, request) => {
        seen.resolve(request);
      },
      { protocols: ["b"] },
    ),
  );
  try {
    const client = await openWs(`${server.url}/who?name=kite`, ["a", "b"], { headers: { "X-Test": "yes" } });
    const request = await within(seen.promise, 2_000);
    assert.equal(request.url.href, `${server.url}/who?name=kite`);
    assert.equal(request.headers.get("x-test"), "yes");
    assert.equal(request.remoteAddress, "127.0.0.1");
    assert.deepEqual(request.protocols, ["a", "b"]);
    assert.equal(client.protocol, "b");
    assert.equal(request.raw.method, "GET");
    await within(wsClosed(client), 2_000);
  } finally {
    await server.close();
  }
});

test("the server's pings reach the client, which answers them", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0, pingInterval: "50ms", timeoutMillis: 1_000 }, (routes) => routes.webSocket("/echo", echo));
  try {
    const client = await openWs(`${server.url}/echo`);
    let pings = 0;
    client.on("ping", () => pings++);
    await delay(400);
    assert.ok(pings >= 3, `expected several pings, got ${pings}`);
    // ws answers every ping, so the session is still alive.
    client.send("still here");
    assert.equal((await within(wsMessage(client), 2_000)).data.toString(), "still here");
    client.close();
  } finally {
    await server.close();
  }
});

test("a client that does not answer pings is closed after the pong timeout", { timeout: 10_000 }, async () => {
  const reason = deferred<CloseReason | null>();
  const server = await serve({ port: 0, pingInterval: 50, timeoutMillis: 200 }, (routes) =>
    routes.webSocket("/live", async (session) => {
      void session.closeReason.then(reason.resolve);
      for await (const _ of session.incoming) {
        // nothing
      }
    }),
  );
  try {
    // autoPong: false makes ws a client that never answers (a dead peer, as far as pings go).
    const client = await openWs(`${server.url}/live`, undefined, { autoPong: false });
    const closed = once(client, "close");
    const closeReason = await within(reason.promise, 2_000);
    assert.equal(closeReason?.code, CloseReason.Codes.INTERNAL_ERROR);
    assert.match(closeReason?.message ?? "", /pong/i);
    await within(closed, 2_000);
    assert.equal(server.routes.sessions.size, 0);
  } finally {
    await server.close();
  }
});

test("server.close() closes open sessions with 1001 and waits for their handlers", { timeout: 10_000 }, async () => {
  let handlersDone = 0;
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/echo", async (session) => {
      await echo(session);
      await delay(50); // a handler that finishes some work after its session ends
      handlersDone++;
    }),
  );
  const clients = await Promise.all([openWs(`${server.url}/echo`), openWs(`${server.url}/echo`)]);
  const closes = clients.map(wsClosed);
  assert.equal(server.routes.sessions.size, 2);
  await within(server.close(), 5_000, "server.close()");
  assert.equal(handlersDone, 2);
  for (const closed of await Promise.all(closes)) assert.equal(closed.code, 1001);
  assert.equal(server.routes.sessions.size, 0);
  assert.equal(server.httpServer.listening, false);
});

test("server.close() cuts a client that ignores the close within the timeout", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0, timeoutMillis: 300 }, (routes) =>
    routes.webSocket("/stuck", async () => {
      await new Promise(() => {}); // never looks at its session, never returns
    }),
  );
  const client = await openWs(`${server.url}/stuck`);
  // Stop reading: the client never answers the Close frame.
  (client as unknown as { _socket: import("node:net").Socket })._socket.pause();
  const started = Date.now();
  await within(server.close(), 3_000, "server.close()");
  assert.ok(Date.now() - started < 2_500);
  client.terminate();
});

test("maxFrameSize and maxMessageSize close with 1009", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0, maxFrameSize: 1024, maxMessageSize: 1500 }, (routes) => {
    routes.webSocket("/echo", echo);
    routes.webSocket("/length", async (session) => {
      for await (const frame of session.incoming) await session.send(String(frame.data.length));
    });
  });
  try {
    const big = await openWs(`${server.url}/echo`);
    big.send(Buffer.alloc(1025));
    assert.equal((await within(wsClosed(big), 2_000)).code, 1009);
    // Fragments each within maxFrameSize, together above maxMessageSize.
    const long = await openWs(`${server.url}/echo`);
    long.send(Buffer.alloc(1000), { fin: false });
    long.send(Buffer.alloc(1000), { fin: true });
    assert.equal((await within(wsClosed(long), 2_000)).code, 1009);
    // Within both limits, all is well.
    const fine = await openWs(`${server.url}/length`);
    fine.send(Buffer.alloc(700), { fin: false });
    fine.send(Buffer.alloc(700), { fin: true });
    assert.equal((await within(wsMessage(fine), 2_000)).data.toString(), "1400");
    fine.close();
  } finally {
    await server.close();
  }
});
