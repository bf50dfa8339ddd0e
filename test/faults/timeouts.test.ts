// Faults that only a clock can find: a server that never answers the handshake (or the TLS
// ClientHello), a peer that never answers the Close, and a half-open connection whose peer stopped
// reading and answering, found by the pong timeout. Each on both sides where both apply, and each
// must release its socket and timers.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { CloseReason, ClosedReceiveChannelError, ConnectTimeoutError, PingTimeoutError } from "../../src/index.js";
import { startRawServer } from "../helpers/raw-server.js";
import { T, newClient, openRaw, socketOf, within, startServer, upgraded, ResourceTracker } from "../conformance/helpers.js";

async function released(tracker: ResourceTracker, cleanup: () => Promise<void>): Promise<void> {
  await cleanup();
  await tracker.settled();
  await tracker.backToBaseline();
  tracker.stop();
}

describe("connect timeout (cio.connectTimeoutMillis)", () => {
  test("a server that accepts TCP but never answers the upgrade: ConnectTimeoutError on time, socket dropped, no timer left", T, async () => {
    const tracker = new ResourceTracker();
    const raw = await startRawServer();
    const client = newClient(undefined, (cio) => (cio.connectTimeoutMillis = 300));
    const started = Date.now();
    const pending = client.webSocketSession(raw.url).then(
      () => assert.fail("a session opened"),
      (error: unknown) => error,
    );
    const conn = await raw.nextConnection();
    await conn.request;
    const error = await within(pending, 3_000, "the connect timeout");
    const elapsed = Date.now() - started;
    assert.ok(error instanceof ConnectTimeoutError, String(error));
    assert.ok(elapsed >= 280 && elapsed < 2_500, `timed out after ${elapsed} ms`);
    await within(conn.closed, 2_000, "the client to drop the socket");
    await released(tracker, async () => {
      client.close();
      await raw.close();
    });
  });

  test("wss: a server that never answers the TLS ClientHello: ConnectTimeoutError (TCP, TLS and upgrade share the budget)", T, async () => {
    const tracker = new ResourceTracker();
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const client = newClient(undefined, (cio) => (cio.connectTimeoutMillis = 300));
    const started = Date.now();
    await assert.rejects(within(client.webSocketSession(`wss://127.0.0.1:${port}/`), 3_000, "the connect timeout"), ConnectTimeoutError);
    assert.ok(Date.now() - started < 2_500);
    for (let i = 0; i < 100 && !sockets.every((s) => s.destroyed || s.readableEnded); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await released(tracker, async () => {
      client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
  });
});

describe("close timeout (timeoutMillis)", () => {
  test("client: the server never answers the Close: the socket is cut after timeoutMillis, close() resolves, 1006", T, async () => {
    const tracker = new ResourceTracker();
    const raw = await startRawServer();
    const client = newClient((ws) => (ws.timeoutMillis = 300));
    const { conn, session } = await openRaw(raw, client);
    const started = Date.now();
    const closing = session.close(new CloseReason(1000, "bye"));
    assert.equal((await conn.expectClose()).code, 1000);
    await within(closing, 3_000, "close() to give up");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 280 && elapsed < 2_500, `cut after ${elapsed} ms`);
    assert.ok(socketOf(session).destroyed, "the socket is destroyed");
    assert.equal((await session.closeReason)?.code, 1006, "the closing handshake never completed");
    await within(conn.closed, 2_000, "the connection to end");
    await released(tracker, async () => {
      client.close();
      await raw.close();
    });
  });

  test("server: the client never answers the Close: the server cuts the socket after timeoutMillis", T, async () => {
    const harness = await startServer({ timeoutMillis: 300 });
    const tracker = new ResourceTracker();
    const { conn } = await upgraded(harness.port);
    const record = await harness.next();
    const started = Date.now();
    const closing = record.session.close(new CloseReason(1001, "bye"));
    assert.equal((await conn.expectClose()).code, 1001);
    // The client neither answers nor closes: our FIN was sent, the socket must still go.
    await within(closing, 3_000, "close() to give up");
    await within(conn.closed, 3_000, "the server to cut the connection");
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2_500, `cut after ${elapsed} ms`);
    assert.ok(socketOf(record.session).destroyed);
    await within(record.done, 2_000, "the handler to end");
    await released(tracker, async () => {});
    await harness.close();
  });
});

describe("half-open connections (pingIntervalMillis, timeoutMillis)", () => {
  test("client: the server stops reading and answering; the pong timeout fails the session with PingTimeoutError (1011) and drops the socket", T, async () => {
    const tracker = new ResourceTracker();
    const raw = await startRawServer();
    const client = newClient((ws) => {
      ws.pingIntervalMillis = 100;
      ws.timeoutMillis = 300;
    });
    const { conn, session } = await openRaw(raw, client);
    conn.pauseReading();
    const started = Date.now();
    const error = await within(
      session.incoming.receive().then(
        () => assert.fail("a frame arrived"),
        (e: unknown) => e,
      ),
      3_000,
      "the pong timeout",
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof ClosedReceiveChannelError && error.cause instanceof PingTimeoutError, String(error));
    assert.ok(elapsed >= 350 && elapsed < 2_500, `found after ${elapsed} ms (ping at 100, pong due 300 later)`);
    assert.equal((await session.closeReason)?.code, 1011);
    for (let i = 0; i < 50 && !socketOf(session).destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(socketOf(session).destroyed, "the socket is dropped without waiting for the dead peer");
    await released(tracker, async () => {
      client.close();
      await raw.close();
    });
  });

  test("server: the client stops reading and answering; the server's pong timeout ends the session and drops the socket", T, async () => {
    const harness = await startServer({ pingInterval: 100, timeoutMillis: 300 });
    const tracker = new ResourceTracker();
    const { conn } = await upgraded(harness.port);
    const record = await harness.next();
    conn.pauseReading();
    const started = Date.now();
    await within(record.done, 3_000, "the pong timeout");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 350 && elapsed < 2_500, `found after ${elapsed} ms`);
    assert.ok(record.error instanceof ClosedReceiveChannelError && record.error.cause instanceof PingTimeoutError, String(record.error));
    assert.equal(record.closeReason?.code, 1011);
    for (let i = 0; i < 50 && !socketOf(record.session).destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(socketOf(record.session).destroyed);
    conn.destroy();
    await released(tracker, async () => {});
    await harness.close();
  });
});
