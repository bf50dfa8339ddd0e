// Option checking of serve / webSocketRoutes, route declaration errors, and listening errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serve, webSocketRoutes, type ServeOptions, type WebSocketServerOptions } from "../../src/server/index.js";
import { resolveServeOptions, resolveServerOptions } from "../../src/server/server-options.js";
import { openWs, within } from "./helpers.js";

const noRoutes = (): void => {};

test("bad options throw a TypeError / RangeError that names them", () => {
  const bad: [WebSocketServerOptions, ErrorConstructor, RegExp][] = [
    [{ pingInterval: "20 parsecs" as never }, RangeError, /pingInterval/],
    [{ pingInterval: -1 }, RangeError, /pingInterval/],
    [{ timeoutMillis: 0 }, RangeError, /timeoutMillis/],
    [{ maxFrameSize: 1.5 }, RangeError, /maxFrameSize/],
    [{ maxMessageSize: 0 }, RangeError, /maxMessageSize/],
    [{ channels: { incoming: { capacity: 0, onOverflow: "suspend" } } }, RangeError, /channels\.incoming\.capacity/],
    [{ channels: { outgoing: { capacity: 1, onOverflow: "drop" as never } } }, RangeError, /channels\.outgoing\.onOverflow/],
    [{ contentConverter: {} as never }, TypeError, /contentConverter/],
    [{ origin: "https://a.example" as never }, TypeError, /origin/],
    [{ origin: ["a.example"] }, TypeError, /origin/],
    [{ origin: ["https://a.example/path"] }, TypeError, /did you mean "https:\/\/a\.example"/],
    [{ selectProtocol: "json" as never }, TypeError, /selectProtocol/],
    [{ exposeErrors: "yes" as never }, TypeError, /exposeErrors must be true or false; got "yes" \(a string\)/],
    [{ exposeErrors: 1 as never }, TypeError, /exposeErrors/],
    [{ pingIntervalMillis: "5s" as never }, TypeError, /^pingIntervalMillis must be a number of milliseconds \(for a duration, set pingInterval = "5s"\)/],
    [{ pingInterval: "5s", pingIntervalMillis: 5_000 }, TypeError, /^Give pingInterval or pingIntervalMillis, not both$/],
    [{ timeout: "0s" }, RangeError, /^timeout must be a duration > 0/],
    [{ pingInterval: "20s", pingIntervalMilis: 5 } as never, TypeError, /Unknown option "pingIntervalMilis"/],
  ];
  for (const [options, type, message] of bad) {
    assert.throws(() => webSocketRoutes(noRoutes, options), (error: Error) => error instanceof type && message.test(error.message), JSON.stringify(options));
  }
});

test("durations: x takes a Duration, xMillis a number; the timeout defaults to twice the ping interval", () => {
  const options = resolveServerOptions;
  assert.equal(options({ pingInterval: "10s" }).timeoutMillis, 20_000);
  assert.equal(options({ pingIntervalMillis: 10_000 }).pingIntervalMillis, 10_000);
  assert.equal(options({ pingInterval: 0 }).pingIntervalMillis, null);
  assert.equal(options({ pingIntervalMillis: null }).pingIntervalMillis, null);
  assert.equal(options({}).timeoutMillis, 15_000);
  assert.equal(options({ timeout: "2s" }).timeoutMillis, 2_000);
  assert.equal(options({ timeoutMillis: 2_500 }).timeoutMillis, 2_500);
  const serveOptions = resolveServeOptions;
  assert.equal(serveOptions({ handshakeTimeout: "3s" }).handshakeTimeoutMillis, 3_000);
  assert.equal(serveOptions({ handshakeTimeoutMillis: 4_000 }).handshakeTimeoutMillis, 4_000);
  assert.equal(serveOptions({}).handshakeTimeoutMillis, 10_000);
});

test("serve checks its own options before listening", async () => {
  const bad: [ServeOptions, ErrorConstructor, RegExp][] = [
    [{ port: 70_000 }, RangeError, /port/],
    [{ port: -1 }, RangeError, /port/],
    [{ host: "" }, TypeError, /host/],
    [{ handshakeTimeoutMillis: 0 }, RangeError, /handshakeTimeoutMillis/],
    [{ handshakeTimeout: "soon" as never }, RangeError, /^handshakeTimeout must be a duration/],
    [{ tls: {} }, TypeError, /tls/],
    [{ prot: 80 } as never, TypeError, /Unknown option "prot"/],
  ];
  for (const [options, type, message] of bad) {
    await assert.rejects(serve(options, noRoutes), (error: Error) => error instanceof type && message.test(error.message), JSON.stringify(options));
  }
});

test("route declarations are checked", () => {
  const handler = (): void => {};
  assert.throws(() => webSocketRoutes((r) => r.webSocket("echo", handler)), /starts with "\/"/);
  assert.throws(() => webSocketRoutes((r) => r.webSocket("/a?b", handler)), /query/);
  assert.throws(() => webSocketRoutes((r) => (r.webSocket("/a", handler), r.webSocket("/a", handler))), /declared twice/);
  assert.throws(() => webSocketRoutes((r) => r.webSocket("/a", "nope" as never)), /handler/);
  assert.throws(() => webSocketRoutes((r) => r.webSocket("/a", handler, { protocols: ["bad name"] })), /not a valid subprotocol/);
  assert.throws(() => webSocketRoutes((r) => r.webSocket("/a", handler, { protocol: ["x"] } as never)), /Unknown option "protocol"/);
  let saved: Parameters<Parameters<typeof webSocketRoutes>[0]>[0] | null = null;
  webSocketRoutes((r) => (saved = r));
  assert.throws(() => saved!.webSocket("/late", handler), /inside the configure block/);
});

test("a port in use rejects with the listening error and its code", { timeout: 10_000 }, async () => {
  const first = await serve({ port: 0 }, noRoutes);
  try {
    await assert.rejects(serve({ host: "127.0.0.1", port: first.port }, noRoutes), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, "EADDRINUSE");
      assert.match(error.message, new RegExp(`EADDRINUSE.*${first.port}`));
      return true;
    });
  } finally {
    await first.close();
  }
});

test("serve reports host, port and url; close() is idempotent; await using closes", { timeout: 10_000 }, async () => {
  let url: string;
  {
    await using server = await serve({ host: "127.0.0.1" }, (routes) => routes.webSocket("/x", (session) => session.close()));
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.port > 0);
    url = server.url;
    assert.equal(url, `ws://127.0.0.1:${server.port}`);
    const client = await openWs(`${url}/x`);
    client.terminate();
  }
  await assert.rejects(openWs(`${url}/x`), /ECONNREFUSED/);

  const server = await serve({}, noRoutes);
  const closing = server.close();
  assert.equal(server.close(), closing);
  await within(closing, 3_000);
});
