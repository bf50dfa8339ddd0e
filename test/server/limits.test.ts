// The maxConnections option of serve / webSocketRoutes: beyond it, 503 with Retry-After and no upgrade.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { serve, webSocketRoutes, type DefaultWebSocketServerSession, type WebSocketServerOptions } from "../../src/server/index.js";
import { resolveServerOptions } from "../../src/server/server-options.js";
import { HttpClient, CIO, WebSockets, WebSocketHandshakeError, Frame } from "../../src/index.js";
import { delay, openWs, rawClient, upgradeRequest, within, wsClosed } from "./helpers.js";

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

/** Waits until `check()` holds, polling. */
async function until(check: () => boolean, millis = 3_000, what = "condition"): Promise<void> {
  const end = performance.now() + millis;
  while (!check()) {
    if (performance.now() > end) throw new Error(`${what} not reached within ${millis} ms`);
    await delay(5);
  }
}

test("maxConnections: bad values throw a TypeError / RangeError naming it; the default is Infinity", async () => {
  const bad: [unknown, ErrorConstructor][] = [
    [0, RangeError],
    [-1, RangeError],
    [1.5, RangeError],
    [NaN, RangeError],
    [-Infinity, RangeError],
    ["10", TypeError],
    [null, TypeError],
  ];
  for (const [value, type] of bad) {
    const options = { maxConnections: value } as WebSocketServerOptions;
    const matches = (error: Error): boolean => error instanceof type && /^maxConnections must be a whole number >= 1 or Infinity/.test(error.message);
    assert.throws(() => webSocketRoutes(() => {}, options), matches, String(value));
    await assert.rejects(serve(options, () => {}), matches, String(value));
  }
  assert.equal(resolveServerOptions({}).maxConnections, Infinity);
  assert.equal(resolveServerOptions({ maxConnections: Infinity }).maxConnections, Infinity);
  assert.equal(resolveServerOptions({ maxConnections: 1 }).maxConnections, 1);
});

test("maxConnections: the next upgrade gets 503 with Retry-After; once a session ends, one is accepted again", { timeout: 15_000 }, async () => {
  const server = await serve({ port: 0, maxConnections: 3 }, (routes) => routes.webSocket("/echo", echo));
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  const open = [];
  try {
    for (let i = 0; i < 3; i++) open.push(await openWs(`${server.url}/echo`));
    assert.equal(server.routes.sessions.size, 3);

    const raw = await rawClient(server.port, upgradeRequest(server.port));
    const response = await within(raw.response(), 3_000, "the 503");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "2");
    assert.equal(response.headers.get("upgrade"), undefined);
    await within(raw.closed, 3_000, "the refused connection's end");

    // kite-ws's own client sees the status in a WebSocketHandshakeError.
    const error = await within(client.webSocketSession(`${server.url}/echo`).then(
      () => assert.fail("the upgrade was accepted"),
      (caught: unknown) => caught,
    ), 5_000, "the refused kite-ws client");
    assert.ok(error instanceof WebSocketHandshakeError, String(error));
    assert.equal(error.status, 503);
    assert.equal(error.headers.get("retry-after"), "2");
    assert.equal(server.routes.sessions.size, 3);

    // One session ends: the next upgrade goes through, and the one after is refused again.
    const first = open.shift()!;
    const closed = wsClosed(first);
    first.close(1000);
    await within(closed, 3_000, "the first client's close");
    await until(() => server.routes.sessions.size === 2, 3_000, "2 sessions");
    const session = await within(client.webSocketSession(`${server.url}/echo`), 5_000, "the 4th session");
    await session.send("hi");
    const echoed = await within(session.incoming.receive(), 2_000);
    assert.ok(echoed instanceof Frame.Text && echoed.readText() === "hi");
    const again = await rawClient(server.port, upgradeRequest(server.port));
    assert.equal((await within(again.response(), 3_000)).status, 503);
    await session.close();
  } finally {
    for (const ws of open) ws.terminate();
    client.close();
    await within(server.close(), 5_000, "close()");
  }
});

test("maxConnections on webSocketRoutes plugged into a node:http server", { timeout: 10_000 }, async () => {
  const routes = webSocketRoutes((r) => r.webSocket("/echo", echo), { maxConnections: 1 });
  const http: Server = createServer((request, response) => {
    if (!routes.handleRequest(request, response)) response.writeHead(404).end();
  });
  http.on("upgrade", routes.handleUpgrade);
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  try {
    const ws = await openWs(`ws://127.0.0.1:${port}/echo`);
    const refused = await rawClient(port, upgradeRequest(port));
    const response = await within(refused.response(), 3_000);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "2");
    ws.close();
  } finally {
    await within(routes.close(), 5_000, "routes.close()");
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
});
