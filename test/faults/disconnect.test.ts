// Faults: the peer cuts TCP in the middle of a frame, of the handshake, or of the closing handshake,
// with a FIN or a reset. Each time: closeReason 1006 (RFC 6455 §7.1.5: no Close frame was received),
// a waiting receive rejects with ClosedReceiveChannelError, and nothing is left behind: the socket is
// destroyed and every timer and socket created during the test is gone.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { once } from "node:events";
import { connect } from "node:net";
import { CloseReason, ClosedReceiveChannelError, ConnectError, ConnectionClosedError, WebSocketHandshakeError } from "../../src/index.js";
import { startRawServer, encodeFrame, closePayload, Op, type RawConnection } from "../helpers/raw-server.js";
import { T, newClient, openRaw, socketOf, within, delay, startServer, upgraded, masked, upgradeRequestBytes, ResourceTracker } from "../conformance/helpers.js";

type Cut = "FIN" | "RST";

function cut(conn: RawConnection, how: Cut): void {
  if (how === "FIN") conn.end();
  else conn.socket.resetAndDestroy();
}

/** Checks everything a session must have released once its connection is gone. */
async function released(tracker: ResourceTracker, cleanup: () => Promise<void>): Promise<void> {
  await cleanup();
  await tracker.settled();
  await tracker.backToBaseline();
  tracker.stop();
}

describe("client: the server cuts TCP", () => {
  for (const how of ["FIN", "RST"] as const) {
    test(`mid-frame (${how}): 1006, the waiting receive rejects, nothing leaks`, T, async () => {
      const tracker = new ResourceTracker();
      const raw = await startRawServer();
      const client = newClient((ws) => (ws.pingIntervalMillis = 5_000));
      const { conn, session } = await openRaw(raw, client);
      const waiting = session.incoming.receive().then(
        () => assert.fail("a frame arrived"),
        (error: unknown) => error,
      );
      // A header for 100 bytes, then 10 of them.
      conn.write(encodeFrame({ opcode: Op.BINARY, payload: Buffer.alloc(100, 7) }).subarray(0, 12));
      await delay(20);
      cut(conn, how);
      const error = await within(waiting, 3_000, "receive to reject");
      assert.ok(error instanceof ClosedReceiveChannelError, String(error));
      assert.ok(error.cause instanceof ConnectionClosedError, String(error.cause));
      assert.equal((await session.closeReason)?.code, 1006);
      assert.ok(socketOf(session).destroyed, "the socket is destroyed");
      await released(tracker, async () => {
        client.close();
        await raw.close();
      });
    });

    test(`mid-handshake (${how}): a WebSocketHandshakeError, no session, nothing leaks`, T, async () => {
      const tracker = new ResourceTracker();
      const raw = await startRawServer();
      const client = newClient();
      const pending = client.webSocketSession(raw.url).then(
        () => assert.fail("a session opened"),
        (error: unknown) => error,
      );
      const conn = await raw.nextConnection();
      await conn.request;
      conn.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs");
      await delay(20);
      cut(conn, how);
      const error = await within(pending, 3_000, "the handshake to fail");
      // A reset is told apart from a clean close: a ConnectError with the system's code.
      assert.ok(error instanceof WebSocketHandshakeError || (how === "RST" && error instanceof ConnectError && error.systemCode === "ECONNRESET"), String(error));
      await released(tracker, async () => {
        client.close();
        await raw.close();
      });
    });
  }

  test("mid-close, the server's Close cut in half: 1006, the waiting receive rejects, nothing leaks", T, async () => {
    const tracker = new ResourceTracker();
    const raw = await startRawServer();
    const client = newClient();
    const { conn, session } = await openRaw(raw, client);
    const waiting = session.incoming.receive().then(
      () => assert.fail("a frame arrived"),
      (error: unknown) => error,
    );
    conn.write(encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1001, "going") }).subarray(0, 5));
    await delay(20);
    cut(conn, "FIN");
    const error = await within(waiting, 3_000, "receive to reject");
    assert.ok(error instanceof ClosedReceiveChannelError && error.cause instanceof ConnectionClosedError, String(error));
    assert.equal((await session.closeReason)?.code, 1006);
    assert.ok(socketOf(session).destroyed);
    await released(tracker, async () => {
      client.close();
      await raw.close();
    });
  });

  test("mid-close, the client's Close answered by a cut: 1006 (no Close was received), close() and a waiting receive settle, nothing leaks", T, async () => {
    const tracker = new ResourceTracker();
    const raw = await startRawServer();
    const client = newClient((ws) => (ws.timeoutMillis = 10_000));
    const { conn, session } = await openRaw(raw, client);
    const waiting = session.incoming.receive().then(
      () => assert.fail("a frame arrived"),
      (error: unknown) => error,
    );
    const closing = session.close(new CloseReason(1000, "bye"));
    assert.equal((await conn.expectClose()).code, 1000);
    // The server starts its answer and dies: half a Close frame, then a reset.
    conn.write(encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1000) }).subarray(0, 3));
    await delay(20);
    cut(conn, "RST");
    await within(closing, 3_000, "close() to settle well before its 10 s timeout");
    const error = await within(waiting, 3_000, "receive to reject");
    assert.ok(error instanceof ClosedReceiveChannelError && error.cause instanceof ConnectionClosedError, String(error));
    assert.equal((await session.closeReason)?.code, 1006, "RFC 6455 §7.1.5: no Close frame was received, so the close code is 1006");
    assert.ok(socketOf(session).destroyed);
    await released(tracker, async () => {
      client.close();
      await raw.close();
    });
  });
});

describe("server: the client cuts TCP", () => {
  for (const how of ["FIN", "RST"] as const) {
    test(`mid-frame (${how}): the handler's receive rejects, 1006, the server forgets the session, nothing leaks`, T, async () => {
      const harness = await startServer();
      const tracker = new ResourceTracker();
      const { conn } = await upgraded(harness.port);
      const record = await harness.next();
      conn.write(masked({ opcode: Op.TEXT, payload: "x".repeat(300) }).subarray(0, 50));
      await delay(20);
      cut(conn, how);
      await within(record.done, 3_000, "the session to end");
      assert.ok(record.error instanceof ClosedReceiveChannelError && record.error.cause instanceof ConnectionClosedError, String(record.error));
      assert.equal(record.closeReason?.code, 1006);
      assert.ok(socketOf(record.session).destroyed);
      for (let i = 0; i < 100 && harness.server.routes.sessions.size > 0; i++) await delay(5);
      assert.equal(harness.server.routes.sessions.size, 0);
      await released(tracker, async () => {});
      await harness.close();
    });
  }

  test("mid-handshake: half a request then FIN or RST; no session, no connection left", T, async () => {
    const harness = await startServer();
    const tracker = new ResourceTracker();
    for (const how of ["FIN", "RST"] as const) {
      const socket = connect({ host: "127.0.0.1", port: harness.port });
      socket.on("error", () => {});
      socket.resume(); // read (and drop) the server's answer, so its FIN is seen
      await once(socket, "connect");
      socket.write(upgradeRequestBytes(harness.port).slice(0, 60));
      await delay(20);
      if (how === "FIN") socket.end();
      else socket.resetAndDestroy();
      await within(once(socket, "close"), 3_000, "the connection to close");
    }
    const connections = (): Promise<number> =>
      new Promise<number>((resolve, reject) => harness.server.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    for (let i = 0; i < 100 && (await connections()) > 0; i++) await delay(5);
    assert.equal(await connections(), 0, "the server holds no connection");
    assert.equal(harness.records.length, 0);
    await released(tracker, async () => {});
    await harness.close();
  });

  test("mid-close: the client answers the server's Close with a cut: 1006, the handler ends, nothing leaks", T, async () => {
    const harness = await startServer({ timeoutMillis: 10_000 });
    const tracker = new ResourceTracker();
    const { conn } = await upgraded(harness.port);
    const record = await harness.next();
    const closing = record.session.close(new CloseReason(1001, "leaving"));
    assert.equal((await conn.expectClose()).code, 1001);
    conn.write(masked({ opcode: Op.CLOSE, payload: closePayload(1001) }).subarray(0, 4));
    await delay(20);
    cut(conn, "RST");
    await within(closing, 3_000, "close() to settle before its timeout");
    await within(record.done, 3_000, "the session to end");
    assert.equal(record.closeReason?.code, 1006, "RFC 6455 §7.1.5: no Close frame was received, so the close code is 1006");
    assert.ok(socketOf(record.session).destroyed);
    await released(tracker, async () => {});
    await harness.close();
  });
});
