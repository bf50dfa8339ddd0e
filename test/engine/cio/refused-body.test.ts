// The body of a refused handshake, as CIO keeps it for WebSocketHandshakeError.body: decoded from its
// framing, over a real socket to a raw server on 127.0.0.1 that writes the answer by hand.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { HttpClient, CIO, WebSockets, WebSocketHandshakeError } from "../../../src/index.js";
import { within, delay } from "../../helpers/ws-peer.js";
import { startRawServer, type RawConnection, type RawServer } from "../../helpers/raw-server.js";

const T = { timeout: 10_000 };

function newClient(): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets);
    config.engine((cio) => (cio.proxy = null));
  });
}

/** Opens a session that `answer` refuses; returns the error and how long it took after the answer began. */
async function refused(raw: RawServer, client: HttpClient, answer: (conn: RawConnection) => Promise<void>): Promise<{ error: WebSocketHandshakeError; millis: number }> {
  const outcome = client.webSocketSession(raw.url).then(
    (session) => {
      session.terminate();
      return assert.fail("the handshake was accepted");
    },
    (error: unknown) => error,
  );
  const conn = await raw.nextConnection();
  await conn.request;
  const started = Date.now();
  await answer(conn);
  const error = await within(outcome, 5_000, "the handshake to fail");
  const millis = Date.now() - started;
  assert.ok(error instanceof WebSocketHandshakeError, `expected WebSocketHandshakeError, got ${String(error)}`);
  await within(conn.closed, 3_000, "the client to drop the socket");
  return { error, millis };
}

describe("CIO: the body of a refused handshake", () => {
  test("a chunked 403 gives the body itself, read across several writes, without waiting once the last chunk came", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const json = '{"error":"forbidden","reason":"no token"}';
      const { error, millis } = await refused(raw, client, async (conn) => {
        conn.write("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        await delay(20);
        conn.write(`${(20).toString(16)};ext=1\r\n${json.slice(0, 20)}\r\n`);
        await delay(20);
        conn.write(`${(json.length - 20).toString(16)}\r\n${json.slice(20)}\r\n0\r\nX-Trailer: t\r\n\r\n`);
        // The connection stays open: the last chunk, not the close, ends the body.
      });
      assert.equal(error.status, 403);
      assert.equal(error.body, json);
      assert.deepEqual(JSON.parse(error.body), { error: "forbidden", reason: "no token" });
      assert.ok(millis < 800, `took ${millis} ms: the client waited past the last chunk`);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a large chunked body is cut at 4 KiB of body, not of framing", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const body = Buffer.alloc(64 * 1024);
      for (let i = 0; i < body.length; i++) body[i] = 0x61 + (i % 26);
      const { error } = await refused(raw, client, async (conn) => {
        conn.write("HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (let at = 0; at < body.length; at += 1000) {
          const piece = body.subarray(at, at + 1000);
          conn.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]));
        }
      });
      assert.equal(error.status, 503);
      assert.equal(error.body, body.subarray(0, 4096).toString("latin1"));
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("broken chunk framing ends the body where it broke; a 204 has no body to wait for", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const broken = await refused(raw, client, async (conn) => {
        conn.write("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloNOT-A-CRLF");
        // The connection stays open: the break itself, not the close or the 1 s bound, ends the body.
      });
      assert.equal(broken.error.body, "hello");
      assert.ok(broken.millis < 800, `took ${broken.millis} ms: the client waited past the broken framing`);
      const { error, millis } = await refused(raw, client, async (conn) => {
        conn.write("HTTP/1.1 204 No Content\r\n\r\n");
      });
      assert.equal(error.status, 204);
      assert.equal(error.body, "");
      assert.ok(millis < 800, `took ${millis} ms: the client waited for a body a 204 cannot have`);
    } finally {
      client.close();
      await raw.close();
    }
  });
});
