// RFC 6455 §4 (and the header rules of §11.3 it relies on), where test/engine/cio/handshake.test.ts and
// test/server/handshake.test.ts do not already check it: the client sends nothing before the answer,
// sends SNI, fails when it cannot connect, refuses repeated header fields and does not follow
// redirects by default; the server refuses repeated keys and answers every upgrade it cannot serve.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { Buffer } from "node:buffer";
import { WebSocketHandshakeError, WebSocketError } from "../../src/index.js";
import { startRawServer, responseHead } from "../helpers/raw-server.js";
import { TEST_CERT, TEST_KEY } from "../server/fixtures/tls.js";
import { rawClient, upgradeRequest } from "../server/helpers.js";
import { T, newClient, within, startServer } from "./helpers.js";

describe("client opening handshake (§4.1)", () => {
  test("after its request the client sends nothing until the server has answered", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      const request = await conn.request;
      const first = await conn.firstBytes;
      assert.ok(first.toString("latin1").startsWith("GET / HTTP/1.1\r\n"), "the request line comes first");
      assert.equal(request.method, "GET");
      // Nothing follows the request's head while the answer is pending.
      assert.equal(await conn.frameWithin(300), "none");
      await conn.accept();
      (await pending).terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("wss: the client sends the host name as SNI, and none for an IP address (RFC 6066 §3)", T, async () => {
    const names: (string | false | null)[] = [];
    const server = createTlsServer({ key: TEST_KEY, cert: TEST_CERT }, (socket: TLSSocket) => {
      names.push(socket.servername);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = newClient(undefined, (cio) => (cio.tls = { ca: TEST_CERT }));
    try {
      for (const url of [`wss://localhost:${port}/`, `wss://127.0.0.1:${port}/`]) {
        await assert.rejects(client.webSocketSession(url), WebSocketHandshakeError, url);
      }
      assert.deepEqual(names, ["localhost", false]);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("a connection that cannot be opened fails the handshake: no session, the error says why", T, async () => {
    // A port that was just free: nothing listens there.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const client = newClient();
    try {
      await assert.rejects(within(client.webSocketSession(`ws://127.0.0.1:${port}/`), 5_000, "the refusal"), (error: unknown) => {
        assert.ok(error instanceof WebSocketError, String(error));
        assert.equal(error.code, "KITE_ERR_CONNECT");
        assert.equal((error as { systemCode?: string }).systemCode, "ECONNREFUSED");
        return true;
      });
    } finally {
      client.close();
    }
  });

  test("a Sec-WebSocket-Accept or Sec-WebSocket-Protocol field repeated in the answer fails the handshake (§4.1, §11.3.3, §11.3.4)", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      for (const repeat of ["accept", "protocol"] as const) {
        const pending = client.webSocketSession({ url: raw.url, protocols: ["chat"] });
        const outcome = pending.then(
          (session) => {
            session.terminate();
            return "accepted";
          },
          (error: unknown) => error,
        );
        const conn = await raw.nextConnection();
        const request = await conn.request;
        const head = responseHead(request, { headers: { "Sec-WebSocket-Protocol": "chat" } });
        const line = repeat === "accept" ? head.split("\r\n").find((l) => l.startsWith("Sec-WebSocket-Accept"))! : "Sec-WebSocket-Protocol: chat";
        conn.write(head.replace("\r\n\r\n", `\r\n${line}\r\n\r\n`));
        const error = await within(outcome, 3_000, "the handshake to end");
        assert.ok(error instanceof WebSocketHandshakeError, `${repeat} repeated: ${String(error)}`);
        await within(conn.closed, 3_000, "the client to drop the socket");
      }
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("redirects are not followed by default: a 301, 302, 307 or 308 fails with its status and Location, and the Location is never contacted", T, async () => {
    const raw = await startRawServer();
    const elsewhere = await startRawServer();
    const client = newClient();
    try {
      for (const status of [301, 302, 307, 308]) {
        const location = `ws://127.0.0.1:${elsewhere.port}/moved`;
        const pending = client.webSocketSession(`ws://user:secret@127.0.0.1:${raw.port}/old`);
        const outcome = pending.then(
          (session) => {
            session.terminate();
            return "accepted";
          },
          (error: unknown) => error,
        );
        const conn = await raw.nextConnection();
        await conn.request;
        conn.write(`HTTP/1.1 ${status} Moved\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`);
        const error = await within(outcome, 3_000, "the handshake to end");
        assert.ok(error instanceof WebSocketHandshakeError, `${status}: ${String(error)}`);
        assert.equal(error.status, status);
        assert.equal(error.headers.get("location"), location);
        assert.equal(error.response?.headers.get("location"), location);
        await within(conn.closed, 3_000, "the client to drop the socket");
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(elsewhere.connections.length, 0, "nothing connected to the Location");
    } finally {
      client.close();
      await raw.close();
      await elsewhere.close();
    }
  });
});

describe("server opening handshake (§4.2)", () => {
  async function statusOf(port: number, request: string): Promise<{ status: number; headers: Map<string, string> }> {
    const client = await rawClient(port, request);
    const response = await within(client.response(), 3_000, "the response");
    client.socket.destroy();
    return response;
  }

  test("a repeated Sec-WebSocket-Key, or a repeated Sec-WebSocket-Version, is refused (§4.2.1, §11.3.1, §11.3.5)", T, async () => {
    const harness = await startServer();
    try {
      const port = harness.port;
      const key = Buffer.alloc(16, 9).toString("base64");
      const twoKeys = upgradeRequest(port, "/t").replace("\r\n\r\n", `\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
      assert.equal((await statusOf(port, twoKeys)).status, 400);
      const twoVersions = upgradeRequest(port, "/t").replace("\r\n\r\n", "\r\nSec-WebSocket-Version: 13\r\n\r\n");
      const status = (await statusOf(port, twoVersions)).status;
      assert.ok(status === 400 || status === 426, `repeated version answered ${status}`);
      assert.equal(harness.records.length, 0, "no session was opened");
    } finally {
      await harness.close();
    }
  });

  test("Upgrade and Connection are matched without regard to case or list position; a request that is not an upgrade is answered, not upgraded", T, async () => {
    const harness = await startServer();
    try {
      const port = harness.port;
      const ok = await statusOf(port, upgradeRequest(port, "/t", { Upgrade: "WEBSOCKET", Connection: "keep-alive, UPGRADE" }));
      assert.equal(ok.status, 101);
      assert.equal(ok.headers.get("upgrade"), "websocket");
      assert.equal((await statusOf(port, upgradeRequest(port, "/t", { Upgrade: "h2c" }))).status, 426);
    } finally {
      await harness.close();
    }
  });

  test("a refusal by our server reaches our client as a WebSocketHandshakeError carrying the status", T, async () => {
    // A handshake refused by our own server, seen by our own client: the error is ours, with the status.
    const harness = await startServer();
    const client = newClient();
    try {
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${harness.port}/nowhere`), (error: unknown) => {
        assert.ok(error instanceof WebSocketError && error instanceof WebSocketHandshakeError);
        assert.equal(error.status, 404);
        return true;
      });
    } finally {
      client.close();
      await harness.close();
    }
  });
});
