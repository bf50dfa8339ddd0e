// What a client learns when a route's handler throws: 1011 with a generic reason by default, the
// error's own message only with `exposeErrors`; `onError` gets the error either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, webSocketRoutes, type ServeOptions, type WebSocketServerRequest } from "../../src/server/index.js";
import { HttpClient, CIO, WebSockets, ClosedReceiveChannelError, type CloseReason } from "../../src/index.js";
import { within } from "./helpers.js";
import { deferred } from "../helpers/deferred.js";

const T = { timeout: 10_000 };
const SECRET = "kaboom secret detail";

/** Opens a session with kite-ws's own client, sends one message, and resolves with the close reason it sees. */
async function closeReasonSeen(url: string): Promise<CloseReason | null> {
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const session = await client.webSocketSession(url);
    await session.send("go");
    // The handler throws after the first message: incoming ends with the server's Close.
    await assert.rejects(session.incoming.receive(), ClosedReceiveChannelError);
    return await within(session.closeReason, 5_000, "the close reason");
  } finally {
    client.close();
  }
}

/** `serve` on 127.0.0.1, port 0, with a route that throws `error` after the first message. */
async function throwingServer(options: ServeOptions, error: unknown) {
  return serve({ host: "127.0.0.1", port: 0, ...options }, (routes) =>
    routes.webSocket("/boom", async (session) => {
      await session.incoming.receive();
      throw error;
    }),
  );
}

test("a handler's error: the client gets 1011 \"Internal error\", not the message; onError gets the error", T, async () => {
  const reported = deferred<{ error: unknown; request: WebSocketServerRequest | null }>();
  const thrown = new Error(SECRET);
  const server = await throwingServer({ onError: (error, request) => reported.resolve({ error, request }) }, thrown);
  try {
    const reason = await closeReasonSeen(`${server.url}/boom`);
    assert.equal(reason?.code, 1011);
    assert.equal(reason?.message, "Internal error");
    const { error, request } = await within(reported.promise, 2_000, "onError");
    assert.equal(error, thrown);
    assert.equal(request?.url.pathname, "/boom");
  } finally {
    await server.close();
  }
});

test("a handler that throws a non-Error, or synchronously: still the generic reason", T, async () => {
  const errors: unknown[] = [];
  const server = await serve({ host: "127.0.0.1", port: 0, onError: (error) => errors.push(error) }, (routes) => {
    routes.webSocket("/string", async (session) => {
      await session.incoming.receive();
      throw SECRET; // not an Error: what some handlers throw
    });
    routes.webSocket("/sync", () => {
      throw new TypeError(SECRET);
    });
  });
  try {
    for (const path of ["/string", "/sync"]) {
      const reason = await closeReasonSeen(`${server.url}${path}`);
      assert.deepEqual([reason?.code, reason?.message], [1011, "Internal error"], path);
    }
    assert.equal(errors.length, 2);
    assert.equal(errors[0], SECRET);
    assert.equal((errors[1] as Error).message, SECRET);
  } finally {
    await server.close();
  }
});

test("exposeErrors: true sends the error's message as the 1011 reason, and onError still gets the error", T, async () => {
  const reported = deferred<unknown>();
  const thrown = new Error(SECRET);
  const server = await throwingServer({ exposeErrors: true, onError: (error) => reported.resolve(error) }, thrown);
  try {
    const reason = await closeReasonSeen(`${server.url}/boom`);
    assert.equal(reason?.code, 1011);
    assert.equal(reason?.message, SECRET);
    assert.equal(await within(reported.promise, 2_000, "onError"), thrown);
  } finally {
    await server.close();
  }
});

test("exposeErrors: true with a thrown non-Error sends its text as the 1011 reason", T, async () => {
  const reported = deferred<unknown>();
  const server = await throwingServer({ exposeErrors: true, onError: (error) => reported.resolve(error) }, 42);
  try {
    const reason = await closeReasonSeen(`${server.url}/boom`);
    assert.deepEqual([reason?.code, reason?.message], [1011, "42"]);
    assert.equal(await within(reported.promise, 2_000, "onError"), 42);
  } finally {
    await server.close();
  }
});

test("exposeErrors: true cuts a long message to the 123 bytes a Close frame has room for, on a UTF-8 boundary", T, async () => {
  const long = "é".repeat(100); // 200 bytes
  const server = await throwingServer({ exposeErrors: true, onError: () => {} }, new Error(long));
  try {
    const reason = await closeReasonSeen(`${server.url}/boom`);
    assert.equal(reason?.code, 1011);
    assert.equal(reason?.message, "é".repeat(61));
    assert.ok(Buffer.byteLength(reason?.message ?? "") <= 123);
  } finally {
    await server.close();
  }
});

test("exposeErrors: false is the default for webSocketRoutes on an existing server too", T, async () => {
  const reported = deferred<unknown>();
  const routes = webSocketRoutes(
    (r) =>
      r.webSocket("/boom", async (session) => {
        await session.incoming.receive();
        throw new Error(SECRET);
      }),
    { onError: (error) => reported.resolve(error) },
  );
  const http = createServer();
  http.on("upgrade", routes.handleUpgrade);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    const reason = await closeReasonSeen(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/boom`);
    assert.deepEqual([reason?.code, reason?.message], [1011, "Internal error"]);
    assert.equal(((await within(reported.promise, 2_000, "onError")) as Error).message, SECRET);
  } finally {
    await routes.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  }
});
