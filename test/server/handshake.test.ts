// The server's side of the opening handshake (RFC 6455 §4.2), poked with raw TCP requests and ws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { createHash } from "node:crypto";
import { serve, type DefaultWebSocketServerSession, type WebSocketServer, type ServeOptions } from "../../src/server/index.js";
import { Frame } from "../../src/index.js";
import { openWs, rawClient, upgradeRequest, within, wsRefusal } from "./helpers.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

async function withServer(options: ServeOptions, run: (server: WebSocketServer) => Promise<void>): Promise<void> {
  const echo = async (session: DefaultWebSocketServerSession): Promise<void> => {
    for await (const frame of session.incoming) await session.send(frame);
  };
  const server = await serve({ port: 0, ...options }, (routes) => {
    routes.webSocket("/echo", echo);
    routes.webSocket("/chat", echo, { protocols: ["v2.chat", "v1.chat"] });
  });
  try {
    await run(server);
  } finally {
    await within(server.close(), 5_000, "server.close()");
  }
}

async function statusOf(port: number, request: string): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  const client = await rawClient(port, request);
  const response = await within(client.response(), 3_000, "response");
  client.socket.destroy();
  return { status: response.status, headers: response.headers, body: response.rest.toString() };
}

test("a valid upgrade gets 101 with the accept hash of RFC 6455's example, and no extensions", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const response = await statusOf(
      server.port,
      upgradeRequest(server.port, "/echo", { "Sec-WebSocket-Key": KEY, "Sec-WebSocket-Extensions": "permessage-deflate", Connection: "keep-alive, Upgrade", Upgrade: "WebSocket" }),
    );
    assert.equal(response.status, 101);
    assert.equal(response.headers.get("upgrade"), "websocket");
    assert.equal(response.headers.get("connection"), "Upgrade");
    assert.equal(response.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert.equal(response.headers.has("sec-websocket-extensions"), false);
    assert.equal(response.headers.has("sec-websocket-protocol"), false);
  });
});

test("404 for a path without a route", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    assert.equal(await within(wsRefusal(`${server.url}/nope`), 3_000), 404);
    // Routes match the path exactly, not a prefix or a normalized form.
    assert.equal((await statusOf(server.port, upgradeRequest(server.port, "/echo/"))).status, 404);
    assert.equal((await statusOf(server.port, upgradeRequest(server.port, "/x/../echo"))).status, 404);
  });
});

test("426 with Upgrade: websocket for a plain GET on a WebSocket route; 404 elsewhere", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const get = (path: string, method = "GET") =>
      new Promise<{ status: number; upgrade: string | undefined; allow: string | undefined }>((resolve, reject) => {
        const request = httpRequest({ host: "127.0.0.1", port: server.port, path, method, agent: false }, (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, upgrade: response.headers.upgrade, allow: response.headers.allow });
        });
        request.on("error", reject);
        request.end();
      });
    assert.deepEqual(await within(get("/echo"), 3_000), { status: 426, upgrade: "websocket", allow: undefined });
    assert.deepEqual(await within(get("/echo", "HEAD"), 3_000), { status: 426, upgrade: "websocket", allow: undefined });
    assert.deepEqual(await within(get("/echo", "POST"), 3_000), { status: 405, upgrade: undefined, allow: "GET" });
    assert.equal((await within(get("/other"), 3_000)).status, 404);
  });
});

test("400 for a malformed upgrade: bad keys, HTTP/1.0, no Connection: upgrade, bad subprotocols", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const port = server.port;
    const cases: [string, string][] = [
      ["key of 15 bytes", upgradeRequest(port, "/echo", { "Sec-WebSocket-Key": Buffer.alloc(15, 1).toString("base64") })],
      ["key of 17 bytes", upgradeRequest(port, "/echo", { "Sec-WebSocket-Key": Buffer.alloc(17, 1).toString("base64") })],
      ["key not base64", upgradeRequest(port, "/echo", { "Sec-WebSocket-Key": "!!!!!!!!!!!!!!!!!!!!!!==" })],
      ["no key", upgradeRequest(port, "/echo", { "Sec-WebSocket-Key": null })],
      ["HTTP/1.0", upgradeRequest(port, "/echo", {}, "GET /echo HTTP/1.0")],
      ["Upgrade without Connection: upgrade", upgradeRequest(port, "/echo", { Connection: "keep-alive" })],
      ["subprotocol not a token", upgradeRequest(port, "/echo", { "Sec-WebSocket-Protocol": "a b" })],
      ["subprotocol twice", upgradeRequest(port, "/echo", { "Sec-WebSocket-Protocol": "chat, chat" })],
      ["no Host", upgradeRequest(port, "/echo", { Host: null })],
      ["two Host fields (RFC 9112 §3.2)", upgradeRequest(port).replace("\r\n\r\n", "\r\nHost: example.com\r\n\r\n")],
      ["two Host fields, the same value", upgradeRequest(port).replace("\r\n\r\n", `\r\nhost: 127.0.0.1:${port}\r\n\r\n`)],
    ];
    for (const [what, request] of cases) {
      const response = await statusOf(port, request);
      assert.equal(response.status, 400, what);
    }
  });
});

test("426 naming version 13 for another WebSocket version", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    for (const version of ["8", "14", null]) {
      const response = await statusOf(server.port, upgradeRequest(server.port, "/echo", { "Sec-WebSocket-Version": version }));
      assert.equal(response.status, 426, `version ${version}`);
      assert.equal(response.headers.get("sec-websocket-version"), "13");
    }
  });
});

test("405 with Allow: GET for an upgrade with another method", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const response = await statusOf(server.port, upgradeRequest(server.port, "/echo", {}, "POST /echo HTTP/1.1"));
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET");
  });
});

test("403 for an origin not in the allowed list; a function can decide too", { timeout: 10_000 }, async () => {
  await withServer({ origin: ["https://app.example.com"] }, async (server) => {
    assert.equal(await within(wsRefusal(`${server.url}/echo`, { origin: "https://evil.example.com" }), 3_000), 403);
    // With a list, a request without Origin is refused as well.
    assert.equal(await within(wsRefusal(`${server.url}/echo`), 3_000), 403);
    const client = await openWs(`${server.url}/echo`, undefined, { origin: "https://APP.example.com" });
    client.terminate();
  });
  const seen: (string | undefined)[] = [];
  const policy = (origin: string | undefined): boolean => {
    seen.push(origin);
    return origin === undefined;
  };
  await withServer({ origin: policy }, async (server) => {
    assert.equal(await within(wsRefusal(`${server.url}/echo`, { origin: "https://site.example" }), 3_000), 403);
    const client = await openWs(`${server.url}/echo`);
    client.terminate();
    assert.deepEqual(seen, ["https://site.example", undefined]);
  });
});

test("an origin hook that throws answers 500 and is reported", { timeout: 10_000 }, async () => {
  const errors: unknown[] = [];
  const origin = (): boolean => {
    throw new Error("hook failed");
  };
  await withServer({ origin, onError: (error) => errors.push(error) }, async (server) => {
    assert.equal(await within(wsRefusal(`${server.url}/echo`), 3_000), 500);
    assert.equal((errors[0] as Error).message, "hook failed");
  });
});

test("subprotocol: the route's first preference that the client offered", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const both = await openWs(`${server.url}/chat`, ["v1.chat", "v2.chat"]);
    assert.equal(both.protocol, "v2.chat");
    both.terminate();
    const one = await openWs(`${server.url}/chat`, ["other", "v1.chat"]);
    assert.equal(one.protocol, "v1.chat");
    one.terminate();
    // No match: 101 without Sec-WebSocket-Protocol; the client decides what to do.
    const response = await statusOf(server.port, upgradeRequest(server.port, "/chat", { "Sec-WebSocket-Protocol": "mqtt" }));
    assert.equal(response.status, 101);
    assert.equal(response.headers.has("sec-websocket-protocol"), false);
  });
});

test("subprotocol: selectProtocol decides for routes without a list", { timeout: 10_000 }, async () => {
  const calls: (readonly string[])[] = [];
  const selectProtocol = (offered: readonly string[]): string | null => {
    calls.push(offered);
    return offered.includes("json") ? "json" : offered.includes("bad") ? "not-offered" : null;
  };
  const errors: unknown[] = [];
  await withServer({ selectProtocol, onError: (error) => errors.push(error) }, async (server) => {
    const client = await openWs(`${server.url}/echo`, ["xml", "json"]);
    assert.equal(client.protocol, "json");
    client.terminate();
    const none = await statusOf(server.port, upgradeRequest(server.port, "/echo", { "Sec-WebSocket-Protocol": "xml" }));
    assert.equal(none.status, 101);
    assert.equal(none.headers.has("sec-websocket-protocol"), false);
    // A choice the client did not offer is a server bug: 500, reported.
    const bad = await statusOf(server.port, upgradeRequest(server.port, "/echo", { "Sec-WebSocket-Protocol": "bad" }));
    assert.equal(bad.status, 500);
    assert.match(String(errors[0]), /not-offered/);
    // The route's own list wins over selectProtocol.
    const chat = await openWs(`${server.url}/chat`, ["json", "v1.chat"]);
    assert.equal(chat.protocol, "v1.chat");
    chat.terminate();
    assert.deepEqual(calls, [["xml", "json"], ["xml"], ["bad"]]);
  });
});

test("frames sent together with the upgrade request are not lost (the head bytes)", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    // One write: the request head, then a masked text frame "early".
    const payload = Buffer.from("early");
    const maskKey = Buffer.from([1, 2, 3, 4]);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), maskKey, payload.map((b, i) => b ^ maskKey[i % 4])]);
    const client = await rawClient(server.port, Buffer.concat([Buffer.from(upgradeRequest(server.port, "/echo")), frame]));
    assert.equal((await within(client.response(), 3_000)).status, 101);
    const echoed = await within(client.nextFrame(), 3_000);
    assert.ok(echoed instanceof Frame.Text);
    assert.equal(echoed.readText(), "early");
    client.socket.destroy();
  });
});

test("an unmasked frame from a client closes the session with 1002", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const client = await rawClient(server.port, upgradeRequest(server.port, "/echo"));
    assert.equal((await within(client.response(), 3_000)).status, 101);
    client.socket.write(Buffer.concat([Buffer.from([0x81, 0x02]), Buffer.from("hi")]));
    const close = await within(client.nextFrame(), 3_000);
    assert.ok(close instanceof Frame.Close);
    assert.equal(close.readReason().code, 1002);
    await within(client.closed, 3_000, "the server closing the connection");
  });
});

test("a connection that never completes its request is cut after handshakeTimeoutMillis; sessions outlive it", { timeout: 10_000 }, async () => {
  await withServer({ handshakeTimeoutMillis: 300 }, async (server) => {
    const session = await openWs(`${server.url}/echo`);
    const idle = await rawClient(server.port);
    const partial = await rawClient(server.port, "GET /echo HTTP/1.1\r\nHost: x\r\n");
    const started = Date.now();
    await within(Promise.all([idle.closed, partial.closed]), 3_000, "cutting slow handshakes");
    assert.ok(Date.now() - started >= 200, "not before the timeout");
    // The open session is not touched by the handshake timeout.
    await new Promise((resolve) => setTimeout(resolve, 300));
    session.send("alive");
    const echoed = await within(new Promise<string>((resolve) => session.once("message", (data) => resolve(String(data)))), 2_000);
    assert.equal(echoed, "alive");
    session.terminate();
  });
});

test("the 101 response carries the accept hash for the client's own key", { timeout: 10_000 }, async () => {
  await withServer({}, async (server) => {
    const key = Buffer.alloc(16, 7).toString("base64");
    const response = await statusOf(server.port, upgradeRequest(server.port, "/echo", { "Sec-WebSocket-Key": key }));
    const expected = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
    assert.equal(response.headers.get("sec-websocket-accept"), expected);
  });
});
