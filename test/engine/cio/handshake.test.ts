import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  WebSocketHandshakeError,
  ConnectTimeoutError,
  type CioEngineConfig,
} from "../../../src/index.js";
import { within } from "../../helpers/ws-peer.js";
import { startRawServer, encodeFrame, responseHead, Op, type AcceptOptions, type RawServer } from "../../helpers/raw-server.js";

const T = { timeout: 10_000 };

function newClient(engine: (cio: CioEngineConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets);
    config.engine(engine);
  });
}

/** Connects, lets `answer` respond, and returns the handshake error; the client must drop the socket. */
async function refusedWith(
  raw: RawServer,
  client: HttpClient,
  answer: AcceptOptions | ((conn: import("../../helpers/raw-server.js").RawConnection) => Promise<void> | void),
  target: string | { url: string; protocols?: string[] } = raw.url,
): Promise<WebSocketHandshakeError> {
  const pending = client.webSocketSession(target);
  const outcome = pending.then(
    (session) => {
      session.terminate();
      return assert.fail("the handshake was accepted");
    },
    (error: unknown) => error,
  );
  const conn = await raw.nextConnection();
  if (typeof answer === "function") await answer(conn);
  else await conn.accept(answer);
  const error = await within(outcome, 5_000, "the handshake to fail");
  assert.ok(error instanceof WebSocketHandshakeError, `expected WebSocketHandshakeError, got ${String(error)}`);
  await within(conn.closed, 3_000, "the client to drop the socket");
  return error;
}

describe("CIO handshake", () => {
  describe("the request", () => {
    test("has a fresh 16-byte key, version 13, Host, Upgrade, Connection, user headers and Basic auth", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const keys: string[] = [];
        const targets: { url: string; headers: Record<string, string> }[] = [
          { url: `ws://user:pa%3Ass@127.0.0.1:${raw.port}/chat?room=7`, headers: { "X-Trace": "abc", Origin: "http://example.test" } },
          { url: `ws://127.0.0.1:${raw.port}/`, headers: {} },
        ];
        for (const target of targets) {
          const pending = client.webSocketSession(target);
          const conn = await raw.nextConnection();
          const request = await conn.accept();
          const session = await pending;
          const key = request.headers.get("sec-websocket-key")!;
          assert.match(key, /^[A-Za-z0-9+/]{22}==$/);
          assert.equal(Buffer.from(key, "base64").length, 16);
          keys.push(key);
          assert.equal(request.method, "GET");
          assert.equal(request.version, "HTTP/1.1");
          assert.equal(request.headers.get("sec-websocket-version"), "13");
          assert.equal(request.headers.get("host"), `127.0.0.1:${raw.port}`);
          assert.equal(request.headers.get("upgrade")?.toLowerCase(), "websocket");
          assert.ok(request.headers.get("connection")?.toLowerCase().split(/\s*,\s*/).includes("upgrade"));
          assert.equal(request.headers.get("sec-websocket-protocol"), null, "no protocols offered unless asked");
          assert.equal(request.headers.get("sec-websocket-extensions"), null, "no extensions offered");
          if (Object.keys(target.headers).length > 0) {
            assert.equal(request.target, "/chat?room=7");
            assert.equal(request.headers.get("x-trace"), "abc");
            assert.equal(request.headers.get("origin"), "http://example.test");
            assert.equal(request.headers.get("authorization"), `Basic ${Buffer.from("user:pa:ss").toString("base64")}`);
          } else {
            assert.equal(request.target, "/");
            assert.equal(request.headers.get("authorization"), null);
          }
          session.terminate();
        }
        assert.notEqual(keys[0], keys[1], "every handshake uses a new key");
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("an Authorization header given by the caller wins over URL credentials", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const pending = client.webSocketSession({ url: `ws://u:p@127.0.0.1:${raw.port}/`, headers: { Authorization: "Bearer t0ken" } });
        const conn = await raw.nextConnection();
        const request = await conn.accept();
        (await pending).terminate();
        assert.equal(request.headers.get("authorization"), "Bearer t0ken");
      } finally {
        client.close();
        await raw.close();
      }
    });
  });

  describe("responses refused", () => {
    test("wrong or missing Sec-WebSocket-Accept", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        let error = await refusedWith(raw, client, { headers: { "Sec-WebSocket-Accept": Buffer.alloc(20).toString("base64") } });
        assert.match(error.message, /Sec-WebSocket-Accept/i);
        assert.equal(error.status, 101);
        error = await refusedWith(raw, client, { headers: { "Sec-WebSocket-Accept": null } });
        assert.match(error.message, /Sec-WebSocket-Accept/i);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("missing or wrong Upgrade, Connection without upgrade, HTTP/1.0", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        assert.match((await refusedWith(raw, client, { headers: { Upgrade: null } })).message, /Upgrade/);
        assert.match((await refusedWith(raw, client, { headers: { Upgrade: "h2c" } })).message, /Upgrade/);
        assert.match((await refusedWith(raw, client, { headers: { Connection: "keep-alive" } })).message, /Connection/);
        assert.match((await refusedWith(raw, client, { headers: { Connection: null } })).message, /Connection/);
        const old = await refusedWith(raw, client, { statusLine: "HTTP/1.0 101 Switching Protocols" });
        assert.match(old.message, /HTTP\/1\.1|1\.0/);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("Connection listing upgrade among other tokens, in any case, is accepted", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const pending = client.webSocketSession(raw.url);
        const conn = await raw.nextConnection();
        await conn.accept({ headers: { Connection: "keep-alive, UPGRADE", Upgrade: "WebSocket" } });
        const session = await pending;
        assert.equal(session.response?.status, 101);
        session.terminate();
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("a subprotocol or an extension the client did not offer", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        let error = await refusedWith(raw, client, { headers: { "Sec-WebSocket-Protocol": "chat" } });
        assert.match(error.message, /subprotocol/i);
        error = await refusedWith(raw, client, { headers: { "Sec-WebSocket-Protocol": "c" } }, { url: raw.url, protocols: ["a", "b"] });
        assert.match(error.message, /subprotocol/i);
        error = await refusedWith(raw, client, { headers: { "Sec-WebSocket-Extensions": "permessage-deflate" } });
        assert.match(error.message, /extension/i);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("a 403 with headers and a 1 MiB body: status, headers and a bounded body excerpt", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const body = Buffer.alloc(1024 * 1024, "x");
        body.write("Forbidden: you shall not pass. ", 0);
        const error = await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write(
            Buffer.concat([
              Buffer.from(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nX-Reason: banned\r\n" +
                  `Content-Length: ${body.length}\r\n\r\n`,
              ),
              body,
            ]),
          );
        });
        assert.equal(error.status, 403);
        assert.equal(error.response?.status, 403);
        assert.equal(error.response?.statusText, "Forbidden");
        assert.equal(error.headers.get("x-reason"), "banned");
        assert.equal(error.headers.get("content-type"), "text/plain");
        assert.ok(error.body.startsWith("Forbidden: you shall not pass."), `body: ${JSON.stringify(error.body.slice(0, 40))}`);
        assert.ok(error.body.length > 0 && error.body.length <= 4096, `body excerpt of ${error.body.length} chars`);
        assert.match(error.message, /403/);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("other non-101 answers: 200 with a short body, 302 without a body, a body ended by close", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        let error = await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        });
        assert.equal(error.status, 200);
        assert.equal(error.body, "hello");
        error = await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
        });
        assert.equal(error.status, 302);
        assert.equal(error.headers.get("location"), "/elsewhere");
        assert.equal(error.body, "");
        error = await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\n\r\ncome back later");
          conn.end();
        });
        assert.equal(error.status, 503);
        assert.equal(error.headers.get("retry-after"), "3");
        assert.equal(error.body, "come back later");
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("a response head over 16 KiB is refused, whether it ends or not", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const started = Date.now();
        let error = await refusedWith(raw, client, { headers: { "X-Big": "a".repeat(17 * 1024) } });
        assert.match(error.message, /exceed|too large|bytes/i);
        error = await refusedWith(raw, client, async (conn) => {
          const request = await conn.request;
          const head = responseHead(request).replace(/\r\n\r\n$/, "\r\n");
          conn.write(head + "X-Endless: " + "b".repeat(20 * 1024)); // never finished
        });
        assert.match(error.message, /exceed|too large|bytes/i);
        assert.ok(Date.now() - started < 3_000, "refused as soon as the limit is passed");
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("a malformed status line or header, and a server that closes mid-head", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write("HTTP/1.1 OK\r\n\r\n");
        });
        await refusedWith(raw, client, async (conn) => {
          const request = await conn.request;
          conn.write(responseHead(request).replace("Upgrade: websocket", "Upgrade websocket"));
        });
        await refusedWith(raw, client, async (conn) => {
          await conn.request;
          conn.write("HTTP/1.1 101 Switching");
          conn.end();
        });
      } finally {
        client.close();
        await raw.close();
      }
    });
  });

  test("a server that never answers: ConnectTimeoutError after connectTimeoutMillis", T, async () => {
    const raw = await startRawServer();
    const client = newClient((cio) => (cio.connectTimeoutMillis = 300));
    try {
      const started = Date.now();
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.request;
      await assert.rejects(within(pending, 3_000, "the connect timeout"), ConnectTimeoutError);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 1_500, `timed out after ${elapsed} ms`);
      await within(conn.closed, 2_000, "the client to drop the socket");
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("frames in the same TCP chunk as the 101 head are delivered", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.accept({
        then: Buffer.concat([
          encodeFrame({ opcode: Op.TEXT, payload: "early-1" }),
          encodeFrame({ opcode: Op.PING, payload: "early-ping" }),
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: "early-" }),
          encodeFrame({ opcode: Op.CONT, fin: true, payload: "2" }),
          encodeFrame({ opcode: Op.BINARY, payload: Buffer.from([7, 7]) }),
        ]),
      });
      const session = await pending;
      const first = await within(session.incoming.receive(), 2_000, "the first early frame");
      assert.ok(first instanceof Frame.Text);
      assert.equal(first.readText(), "early-1");
      const second = await session.incoming.receive();
      assert.equal((second as Frame.Text).readText(), "early-2");
      assert.deepEqual([...(await session.incoming.receive()).readBytes()], [7, 7]);
      const pong = (await conn.readFrame())!;
      assert.equal(pong.opcode, Op.PONG);
      assert.equal(pong.payload.toString(), "early-ping");
      session.terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a response head arriving one byte at a time is still read", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      const request = await conn.request;
      conn.socket.setNoDelay(true);
      const bytes = Buffer.concat([Buffer.from(responseHead(request)), encodeFrame({ opcode: Op.TEXT, payload: "slow" })]);
      for (const byte of bytes) {
        conn.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      const session = await within(pending, 3_000, "the session");
      assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "slow");
      session.terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });
});
