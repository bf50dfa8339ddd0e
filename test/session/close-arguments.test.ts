// close() the browser way and Ktor's way: close(), close(reason), close(code, reason?), each checked
// before anything is sent; and a close handshake the peer never answers ends with CloseTimeoutError.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { HttpClient, CIO, WebSockets, Frame, CloseReason, CloseTimeoutError, ConnectionClosedError, WebSocketsConfig } from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { closeReasonOf } from "../../src/protocol/close-reason.js";
import { startRawServer, readClose } from "../helpers/raw-server.js";
import { startWsPeer, within } from "../helpers/ws-peer.js";

const T = { timeout: 10_000 };

function newClient(configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, configure));
}

describe("closeReasonOf: the arguments of close()", () => {
  test("close(), close(code), close(code, reason), close(undefined, reason), close(CloseReason)", () => {
    assert.deepEqual(closeReasonOf(undefined, undefined), new CloseReason(1000, ""));
    assert.deepEqual(closeReasonOf(1000, "bye"), new CloseReason(1000, "bye"));
    assert.deepEqual(closeReasonOf(4001, undefined), new CloseReason(4001, ""));
    assert.deepEqual(closeReasonOf(3000, "é".repeat(61)), new CloseReason(3000, "é".repeat(61)));
    assert.deepEqual(closeReasonOf(undefined, "bye"), new CloseReason(1000, "bye"));
    assert.deepEqual(closeReasonOf(new CloseReason(1001, "away"), undefined), new CloseReason(1001, "away"));
    // A CloseReason's message is cut to fit, as it always was.
    assert.equal(closeReasonOf(new CloseReason(1000, "x".repeat(200)), undefined).message.length, 123);
  });

  test("a code a browser would refuse is a RangeError saying what is allowed", () => {
    for (const code of [0, 999, 1001, 1005, 1006, 1011, 2999, 5000, 3000.5, NaN, Infinity, -1]) {
      assert.throws(
        () => closeReasonOf(code, undefined),
        (error: unknown) => error instanceof RangeError && /^close\(code, reason\): code must be 1000 or an application code from 3000 to 4999/.test(error.message),
        String(code),
      );
    }
  });

  test("a reason over 123 bytes of UTF-8 is a RangeError with its size", () => {
    assert.throws(() => closeReasonOf(1000, "é".repeat(62)), /reason must be at most 123 bytes of UTF-8; got 124 bytes/);
  });

  test("wrong types are TypeErrors that quote the value", () => {
    assert.throws(() => closeReasonOf("1000", undefined), /^TypeError: close\(code, reason\): code must be a close code .*; got "1000" \(a string\)$/);
    assert.throws(() => closeReasonOf(null, undefined), /got null$/);
    assert.throws(() => closeReasonOf(1000, 42), /^TypeError: close\(code, reason\): reason must be a string; got 42 \(a number\)$/);
    assert.throws(() => closeReasonOf(new CloseReason(1000), "bye"), TypeError);
  });

  test("a CloseReason with a code no Close frame may carry is a RangeError", () => {
    for (const code of [1005, 1006, 1015, 2000, 999]) {
      assert.throws(() => closeReasonOf(new CloseReason(code), undefined), /^RangeError: close\(reason\): reason\.code must be a code a Close frame may carry/);
    }
  });
});

describe("close() on sessions", () => {
  test("close(4001, reason) and close(1000) reach the peer; bad arguments reject before anything is sent", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      for (const [args, code, reason] of [
        [[4001, "custom"], 4001, "custom"],
        [[1000], 1000, ""],
        [[undefined, "bye"], 1000, "bye"],
        [[new CloseReason(1001, "away")], 1001, "away"],
      ] as [unknown[], number, string][]) {
        const session = await client.webSocketSession(peer.url);
        const connection = await peer.nextConnection();
        for (const bad of [[1001], [4001, "x".repeat(124)], ["bye"], [new CloseReason(1006)]]) {
          const result = (session.close as (...a: unknown[]) => Promise<void>)(...bad);
          await assert.rejects(result, (error: unknown) => error instanceof RangeError || error instanceof TypeError);
        }
        // Still open: the refused calls sent nothing.
        await session.send("ping me");
        const echoed = await within(session.incoming.receive(), 2_000, "the echo");
        assert.equal((echoed as Frame.Text).readText(), "ping me");
        await (session.close as (...a: unknown[]) => Promise<void>)(...args);
        const seen = await within(connection.closed, 2_000, "the peer's close");
        assert.deepEqual([seen.code, seen.reason], [code, reason]);
        assert.deepEqual(await session.closeReason, new CloseReason(code, reason));
      }
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("a reconnecting session takes close(code, reason) too", T, async () => {
    const peer = await startWsPeer();
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.install(Reconnect);
    });
    try {
      const session = client.reconnectingSession(peer.url);
      const opened = new Promise((resolve) => session.on("open", resolve));
      const connection = await peer.nextConnection();
      await within(opened, 2_000, "open");
      await assert.rejects(session.close(1001), RangeError);
      await session.close(4002, "done");
      const seen = await within(connection.closed, 2_000, "the peer's close");
      assert.deepEqual([seen.code, seen.reason], [4002, "done"]);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("a peer that never answers our Close: incoming fails with CloseTimeoutError after timeoutMillis, closeReason 1006", T, async () => {
    const raw = await startRawServer();
    const client = newClient((ws) => (ws.timeoutMillis = 200));
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.accept();
      const session = await pending;
      const started = Date.now();
      await session.close(4000, "bye");
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 150 && elapsed < 3_000, `closed after ${elapsed} ms`);
      const frame = await conn.readFrame();
      assert.deepEqual(readClose(frame!), { code: 4000, reason: "bye" });
      const error = await session.incoming.receive().then(
        () => assert.fail("incoming gave a frame"),
        (e: unknown) => e,
      );
      const cause = (error as Error).cause;
      assert.ok(cause instanceof CloseTimeoutError, String(cause));
      assert.ok(cause instanceof ConnectionClosedError);
      assert.equal(cause.code, "KITE_ERR_CLOSE_TIMEOUT");
      assert.equal(cause.timeoutMillis, 200);
      assert.match(cause.message, /close handshake timed out after 200 ms/);
      const reason = await session.closeReason;
      assert.equal(reason?.code, 1006);
      assert.match(reason!.message, /timed out after 200 ms/);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("timeoutMillis, maxFrameSize, maxMessageSize and pingIntervalMillis on a live session check their values", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      for (const [name, value, kind] of [
        ["timeoutMillis", "5s", TypeError],
        ["timeoutMillis", -1, RangeError],
        ["timeoutMillis", NaN, RangeError],
        ["maxFrameSize", "1MB", TypeError],
        ["maxFrameSize", 0, RangeError],
        ["maxMessageSize", 1.5, RangeError],
        ["maxMessageSize", null, TypeError],
        ["pingIntervalMillis", "20s", TypeError],
        ["pingIntervalMillis", -5, RangeError],
      ] as [string, unknown, typeof TypeError][]) {
        assert.throws(
          () => ((session as unknown as Record<string, unknown>)[name] = value),
          (error: unknown) => error instanceof kind && (error as Error).message.startsWith(`${name} must be`) && (error as Error).message.includes("got"),
          `${name} = ${String(value)}`,
        );
      }
      assert.equal(session.timeoutMillis, 15_000);
      session.timeoutMillis = 500;
      assert.equal(session.timeoutMillis, 500);
      await session.close();
    } finally {
      client.close();
      await peer.close();
    }
  });
});

describe("util.inspect and console.log", () => {
  test("a CloseReason shows as its toString()", () => {
    assert.equal(inspect(new CloseReason(1000, "")), "CloseReason(NORMAL)");
    assert.equal(inspect(new CloseReason(4000, "bye")), 'CloseReason(4000, "bye")');
    assert.equal(inspect({ reason: new CloseReason(1001) }), "{ reason: CloseReason(GOING_AWAY) }");
  });

  test("a frame shows its toString() and a bounded preview of its payload", () => {
    assert.equal(inspect(new Frame.Text("hello")), 'Frame TEXT (fin=true, buffer len = 5) "hello"');
    assert.equal(inspect(new Frame.Text(true, new TextEncoder().encode("hé"))), 'Frame TEXT (fin=true, buffer len = 3) "hé"');
    assert.equal(inspect(new Frame.Binary(new Uint8Array([1, 2, 255]))), "Frame BINARY (fin=true, buffer len = 3) <01 02 ff>");
    assert.equal(inspect(new Frame.Close(new CloseReason(1000, "bye"))), 'Frame CLOSE (fin=true, buffer len = 5) CloseReason(NORMAL, "bye")');
    assert.equal(inspect(new Frame.Ping()), "Frame PING (fin=true, buffer len = 0)");
    const long = inspect(new Frame.Text("x".repeat(10_000)));
    assert.ok(long.length < 150, long);
    assert.ok(long.endsWith('…"'));
    assert.ok(inspect(new Frame.Binary(new Uint8Array(1000))).endsWith(" …>"));
  });
});
