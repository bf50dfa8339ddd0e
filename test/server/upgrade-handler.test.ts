// webSocketRoutes plugged into a plain node:http server that also serves ordinary HTTP routes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, IncomingMessage, request as httpRequest } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { webSocketRoutes } from "../../src/server/index.js";
import { openWs, within, wsClosed, wsMessage, wsRefusal } from "./helpers.js";

function get(port: number, path: string): Promise<{ status: number; body: string; upgrade: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, path, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, upgrade: response.headers.upgrade }));
    });
    request.on("error", reject);
    request.end();
  });
}

test("routes on an existing http server, next to its own HTTP routes", { timeout: 10_000 }, async () => {
  const routes = webSocketRoutes((routes) => {
    routes.webSocket("/ws/echo", async (session) => {
      for await (const frame of session.incoming) await session.send(frame);
    });
  });
  const server = createServer((request, response) => {
    if (routes.handleRequest(request, response)) return;
    if (request.url === "/health") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    response.writeHead(404).end("app 404");
  });
  server.on("upgrade", routes.handleUpgrade);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    assert.deepEqual(await within(get(port, "/health"), 3_000), { status: 200, body: "ok", upgrade: undefined });
    assert.equal((await within(get(port, "/missing"), 3_000)).body, "app 404");
    const plain = await within(get(port, "/ws/echo"), 3_000);
    assert.equal(plain.status, 426);
    assert.equal(plain.upgrade, "websocket");

    const client = await openWs(`ws://127.0.0.1:${port}/ws/echo`);
    client.send("through the app's server");
    assert.equal((await within(wsMessage(client), 2_000)).data.toString(), "through the app's server");
    assert.equal(routes.sessions.size, 1);
    assert.equal(await within(wsRefusal(`ws://127.0.0.1:${port}/elsewhere`), 3_000), 404);

    // Closing the routes closes their sessions (1001) and refuses new upgrades (503); the server goes on.
    const closed = wsClosed(client);
    await within(routes.close(), 3_000, "routes.close()");
    assert.equal((await closed).code, 1001);
    assert.equal(await within(wsRefusal(`ws://127.0.0.1:${port}/ws/echo`), 3_000), 503);
    assert.equal((await within(get(port, "/health"), 3_000)).status, 200);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("handles() lets an app share the upgrade event with another handler", { timeout: 10_000 }, async () => {
  const routes = webSocketRoutes((routes) => routes.webSocket("/mine", (session) => session.close()));
  const others: string[] = [];
  const server = createServer();
  server.on("upgrade", (request, socket: Duplex, head: Buffer) => {
    if (routes.handles(request)) return routes.handleUpgrade(request, socket, head);
    others.push(request.url ?? "");
    socket.end("HTTP/1.1 418 I'm a teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    const client = await openWs(`ws://127.0.0.1:${port}/mine`);
    assert.equal((await within(wsClosed(client), 2_000)).code, 1000);
    assert.equal(await within(wsRefusal(`ws://127.0.0.1:${port}/theirs`), 3_000), 418);
    assert.deepEqual(others, ["/theirs"]);
  } finally {
    await routes.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a valid upgrade reaching handleRequest (no upgrade listener) gets 500 and is reported", { timeout: 10_000 }, async () => {
  const errors: unknown[] = [];
  const routes = webSocketRoutes((routes) => routes.webSocket("/ws", () => {}), { onError: (error) => errors.push(error) });
  const server = createServer((request, response) => {
    if (!routes.handleRequest(request, response)) response.writeHead(404).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    assert.equal(await within(wsRefusal(`ws://127.0.0.1:${port}/ws`), 3_000), 500);
    assert.match(String(errors[0]), /upgrade/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a socket that errors before the upgrade is destroyed, without crashing the process", { timeout: 10_000 }, async () => {
  const routes = webSocketRoutes((routes) => routes.webSocket("/ws", () => {}));
  const server = createServer();
  const sockets: Duplex[] = [];
  server.on("upgrade", (request, socket: Duplex, head: Buffer) => {
    sockets.push(socket);
    routes.handleUpgrade(request, socket, head);
    // A reset arriving while the refusal (404) is being written.
    socket.emit("error", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    await within(wsRefusal(`ws://127.0.0.1:${port}/nope`).catch(() => 0), 3_000);
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0].destroyed, true);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("an upgrade leaves Node's headers object of the request unbuilt: a session keeps its request", { timeout: 10_000 }, async () => {
  let headersRead = 0;
  const routes = webSocketRoutes((routes) => {
    routes.webSocket("/echo", async (session) => {
      for await (const frame of session.incoming) await session.send(frame);
    });
  });
  const server = createServer();
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const getter = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, "headers")!.get!;
    Object.defineProperty(request, "headers", {
      get() {
        headersRead++;
        return getter.call(this) as unknown;
      },
    });
    routes.handleUpgrade(request, socket, head);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    const client = await openWs(`ws://127.0.0.1:${port}/echo`);
    client.send("hello");
    assert.equal((await within(wsMessage(client), 2_000)).data.toString(), "hello");
    client.close();
    await within(routes.close(), 3_000, "routes.close()");
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(headersRead, 0);
});
