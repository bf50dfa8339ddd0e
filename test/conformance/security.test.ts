// The security defaults SECURITY.md promises, where no other test already proves them: masking keys
// cut from crypto.randomFillSync, the response head limits at their exact edges, and credentials from
// a URL never appearing in an error's message, string or inspection.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { syncBuiltinESMExports } from "node:module";
import crypto from "node:crypto";
import { Buffer } from "node:buffer";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Frame, WebSocketHandshakeError, ConnectTimeoutError } from "../../src/index.js";
import { FrameSerializer } from "../../src/protocol/frame-serializer.js";
import { startRawServer, responseHead, type RawServer } from "../helpers/raw-server.js";
import { TEST_CERT, TEST_KEY } from "../server/fixtures/tls.js";
import { T, newClient, within } from "./helpers.js";

describe("masking keys (RFC 6455 §5.3, §10.3)", () => {
  test("every key is cut, in order and never reused, from bytes that crypto.randomFillSync wrote", T, () => {
    const original = crypto.randomFillSync;
    const fills: Buffer[] = [];
    const spy = <T extends NodeJS.ArrayBufferView>(buffer: T, offset?: number, size?: number): T => {
      const result = original(buffer, offset, size);
      fills.push(Buffer.from(Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength)));
      return result;
    };
    crypto.randomFillSync = spy as typeof crypto.randomFillSync;
    syncBuiltinESMExports();
    const keys: Buffer[] = [];
    try {
      const serializer = new FrameSerializer({ mask: true });
      // The process keeps one pool of 8 KiB (2048 keys); 4100 frames refill it at least twice.
      for (let i = 0; i < 4100; i++) {
        const bytes = serializer.serializeOne(new Frame.Binary(new Uint8Array(1)));
        keys.push(Buffer.from(bytes.subarray(2, 6)));
      }
    } finally {
      crypto.randomFillSync = original;
      syncBuiltinESMExports();
    }
    assert.ok(fills.length >= 1, "randomFillSync refilled the key pool");
    // Find where the first refill's bytes start being used; from there on every key is the next 4 bytes.
    const pool = fills[0];
    const start = keys.findIndex((key, i) => key.equals(pool.subarray(0, 4)) && keys[i + 1]?.equals(pool.subarray(4, 8)));
    assert.ok(start >= 0, "the keys come from the refilled pool");
    const used = Math.min(keys.length - start, pool.length / 4);
    assert.ok(used >= 2048, `a whole pool is used before the next refill (${used} keys checked)`);
    for (let i = 0; i < used; i++) assert.ok(keys[start + i].equals(pool.subarray(4 * i, 4 * i + 4)), `key ${start + i} is pool bytes ${4 * i}..${4 * i + 3}`);
    if (fills.length >= 2) {
      assert.ok(keys[start + used].equals(fills[1].subarray(0, 4)), "after the pool, the next refill's bytes");
    }
  });
});

describe("TLS verification", () => {
  test("NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not turn verification off for kite-ws", T, async () => {
    const tls = createTlsServer({ key: TEST_KEY, cert: TEST_CERT }, (socket) => socket.destroy());
    tls.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    const client = newClient();
    try {
      await assert.rejects(client.webSocketSession(`wss://127.0.0.1:${(tls.address() as AddressInfo).port}/`), (error: unknown) => {
        assert.match(String((error as { systemCode?: string }).systemCode), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/, String(error));
        return true;
      });
    } finally {
      if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
      client.close();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});

describe("response head limits (16 KiB, 100 header fields)", () => {
  async function answer(raw: RawServer, make: (head: string) => string): Promise<unknown> {
    const client = newClient();
    try {
      const pending = client.webSocketSession(raw.url).then(
        (session) => {
          session.terminate();
          return "accepted";
        },
        (error: unknown) => error,
      );
      const conn = await raw.nextConnection();
      const request = await conn.request;
      conn.write(make(responseHead(request)));
      return await within(pending, 5_000, "the handshake to end");
    } finally {
      client.close();
    }
  }

  /** Pads a head with X-Pad fields to exactly `total` bytes (blank line included), in `fields` extra fields. */
  function padded(head: string, total: number, fields: number): string {
    const base = head.slice(0, -2); // without the final CRLF
    const missing = total - base.length - 2;
    const each = Math.floor(missing / fields);
    let extra = "";
    for (let i = 0; i < fields; i++) {
      const size = i === fields - 1 ? missing - each * (fields - 1) : each;
      const name = `X-Pad-${i}: `;
      extra += name + "a".repeat(size - name.length - 2) + "\r\n";
    }
    const out = base + extra + "\r\n";
    assert.equal(out.length, total);
    return out;
  }

  test("a head of exactly 16 KiB is accepted, one byte more is refused", T, async () => {
    const raw = await startRawServer();
    try {
      assert.equal(await answer(raw, (head) => padded(head, 16 * 1024, 4)), "accepted");
      const refused = await answer(raw, (head) => padded(head, 16 * 1024 + 1, 4));
      assert.ok(refused instanceof WebSocketHandshakeError && /16384 bytes/.test(refused.message), String(refused));
    } finally {
      await raw.close();
    }
  });

  test("100 header fields are accepted, 101 are refused", T, async () => {
    const raw = await startRawServer();
    try {
      // responseHead writes 3 fields (Upgrade, Connection, Sec-WebSocket-Accept).
      assert.equal(await answer(raw, (head) => padded(head, 4000, 97)), "accepted");
      const refused = await answer(raw, (head) => padded(head, 4000, 98));
      assert.ok(refused instanceof WebSocketHandshakeError && /100 header fields/.test(refused.message), String(refused));
    } finally {
      await raw.close();
    }
  });
});

describe("credentials in the URL", () => {
  const USER = "alice";
  const PASSWORD = "s3cr3t-Pa55";
  const SECRETS = [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(`${USER}:${PASSWORD}`).toString("base64")];

  function assertNoSecret(error: unknown, what: string): void {
    assert.ok(error !== undefined && error !== null, `${what}: an error`);
    const views = [String(error), (error as Error).message ?? "", (error as Error).stack ?? "", inspect(error, { depth: 6 }), JSON.stringify(error) ?? ""];
    for (const view of views) for (const secret of SECRETS) assert.ok(!view.includes(secret), `${what}: the error shows the credentials:\n${view}`);
  }

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => assert.fail("expected a failure"),
      (error: unknown) => error,
    );
  }

  test("the Basic authorization is sent on the connection the URL names, and on no other (redirects are not followed)", T, async () => {
    const raw = await startRawServer();
    const other = await startRawServer();
    const client = newClient();
    try {
      const pending = failure(client.webSocketSession(`ws://${USER}:${PASSWORD}@127.0.0.1:${raw.port}/`));
      const conn = await raw.nextConnection();
      const request = await conn.request;
      assert.equal(request.headers.get("authorization"), `Basic ${SECRETS[2]}`);
      conn.write(`HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:${other.port}/\r\nContent-Length: 0\r\n\r\n`);
      const error = await within(pending, 3_000, "the refusal");
      assert.ok(error instanceof WebSocketHandshakeError && error.status === 302);
      assertNoSecret(error, "302");
      assert.equal(other.connections.length, 0);
    } finally {
      client.close();
      await raw.close();
      await other.close();
    }
  });

  test("no error shows them: refusals, bad answers, a connection cut mid-head, timeouts, refused connections, TLS failures, malformed URLs", T, async () => {
    const raw = await startRawServer();
    const secretUrl = (port: number, scheme = "ws"): string => `${scheme}://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/path?q=1`;
    const client = newClient(undefined, (cio) => (cio.connectTimeoutMillis = 300));
    try {
      // 401 with a body.
      let pending = failure(client.webSocketSession(secretUrl(raw.port)));
      let conn = await raw.nextConnection();
      await conn.request;
      conn.write("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nContent-Length: 6\r\n\r\nnope!\n");
      let error = await within(pending, 3_000, "401");
      assert.ok(error instanceof WebSocketHandshakeError && error.status === 401);
      assertNoSecret(error, "401");
      // A 101 with a wrong Sec-WebSocket-Accept.
      pending = failure(client.webSocketSession(secretUrl(raw.port)));
      conn = await raw.nextConnection();
      await conn.accept({ headers: { "Sec-WebSocket-Accept": "wrong" } });
      assertNoSecret(await within(pending, 3_000, "bad accept"), "bad accept");
      // Cut in the middle of the head.
      pending = failure(client.webSocketSession(secretUrl(raw.port)));
      conn = await raw.nextConnection();
      await conn.request;
      conn.write("HTTP/1.1 101 Swi");
      conn.end();
      assertNoSecret(await within(pending, 3_000, "cut"), "cut mid-head");
      // No answer at all: the connect timeout.
      pending = failure(client.webSocketSession(secretUrl(raw.port)));
      await (await raw.nextConnection()).request;
      error = await within(pending, 3_000, "timeout");
      assert.ok(error instanceof ConnectTimeoutError);
      assertNoSecret(error, "timeout");
      // Nothing listening.
      const probe = createTcpServer();
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
      const closedPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      assertNoSecret(await within(failure(client.webSocketSession(secretUrl(closedPort))), 3_000, "refused"), "ECONNREFUSED");
      // A TLS certificate that is not trusted.
      const tls = createTlsServer({ key: TEST_KEY, cert: TEST_CERT }, (socket) => socket.destroy());
      tls.on("tlsClientError", () => {});
      await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
      try {
        assertNoSecret(await within(failure(client.webSocketSession(secretUrl((tls.address() as AddressInfo).port, "wss"))), 3_000, "tls"), "untrusted TLS");
      } finally {
        await new Promise((resolve) => tls.close(resolve));
      }
      // Through a proxy named with credentials: unreachable, then refusing CONNECT with 407.
      for (const answer of [null, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n"]) {
        const proxy = createTcpServer((socket) => {
          socket.on("error", () => {});
          socket.once("data", () => socket.end(answer ?? ""));
        });
        await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
        const proxyPort = (proxy.address() as AddressInfo).port;
        if (answer === null) await new Promise((resolve) => proxy.close(resolve));
        const proxied = newClient(undefined, (cio) => {
          cio.connectTimeoutMillis = 1_000;
          (cio as unknown as { proxy: string }).proxy = `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${answer === null ? closedPort : proxyPort}`;
        });
        try {
          const error = await within(failure(proxied.webSocketSession(secretUrl(raw.port))), 3_000, "proxy");
          assert.match(String(error), /proxy/i, "the failure is the proxy's");
          assertNoSecret(error, answer === null ? "unreachable proxy" : "proxy 407");
        } finally {
          proxied.close();
          if (answer !== null) await new Promise((resolve) => proxy.close(resolve));
        }
      }
      // Malformed targets are refused before connecting, without repeating the credentials.
      for (const target of [`ws://${USER}:${PASSWORD}@127.0.0.1:99999/`, `ftp://${USER}:${PASSWORD}@127.0.0.1/`, `ws://${USER}:${PASSWORD}@127.0.0.1/#x`, `ws://${USER}:${PASSWORD}@exa mple/`]) {
        const malformed = await failure(client.webSocketSession(target));
        assert.ok(malformed instanceof TypeError, `${target}: ${String(malformed)}`);
        assertNoSecret(malformed, `malformed target ${target}`);
      }
    } finally {
      client.close();
      await raw.close();
    }
  });
});
