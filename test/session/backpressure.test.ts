import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  ChannelOverflowError,
  ClosedReceiveChannelError,
  type WebSocketsConfig,
  type DefaultWebSocketSession,
} from "../../src/index.js";
import { startWsPeer, delay, within, waitFor } from "../helpers/ws-peer.js";
import { startRawServer, Op, type RawConnection } from "../helpers/raw-server.js";

const T = { timeout: 10_000 };
const KIB = 1024;
const MIB = 1024 * KIB;

function newClient(configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, configure));
}

/**
 * Runs `body` with a session to a raw server that accepted it and reads nothing until told
 * (`conn.resumeReading()`); everything is closed afterwards.
 */
async function withPeerNotReading(body: (session: DefaultWebSocketSession, conn: RawConnection) => Promise<void>): Promise<void> {
  const raw = await startRawServer();
  const client = newClient();
  try {
    const pending = client.webSocketSession(raw.url);
    const conn = await raw.nextConnection();
    await conn.accept();
    conn.pauseReading();
    await body(await pending, conn);
  } finally {
    client.close();
    await raw.close();
  }
}

/** Frames waiting in `incoming`, read from the channel's runtime `size`. */
function bufferedFrames(incoming: unknown): number {
  const size = (incoming as { size?: unknown }).size;
  assert.equal(typeof size, "number", "incoming exposes its buffered size");
  return size as number;
}

/** A message carrying its sequence number at both ends. */
function numbered(seq: number, size: number): Buffer {
  const message = Buffer.allocUnsafe(size);
  message.writeUInt32BE(seq, 0);
  message.writeUInt32BE(seq, size - 4);
  return message;
}

describe("backpressure", () => {
  test("a reader that stops reading slows the ws server through TCP; nothing is lost or reordered", { timeout: 30_000 }, async (t) => {
    const COUNT = 20_000;
    const SIZE = 16 * KIB;
    const HIGH_WATER = 32 * MIB; // the server never queues more than this itself
    let sent = 0;
    let server: import("ws").WebSocket | null = null;
    const peer = await startWsPeer((socket) => {
      server = socket;
      const pump = (): void => {
        if (socket.readyState !== socket.OPEN) return;
        while (sent < COUNT && socket.bufferedAmount < HIGH_WATER) socket.send(numbered(sent++, SIZE));
        if (sent < COUNT) setTimeout(pump, 2);
      };
      pump();
    });
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const ws = await waitFor(() => server ?? undefined, 2_000, "the server socket");

      // Not reading: TCP fills up and the server's own queue grows.
      await waitFor(() => ws.bufferedAmount >= 16 * MIB, 5_000, "the server's bufferedAmount to grow");
      await delay(300);
      const inFlight = (): number => sent * SIZE - ws.bufferedAmount; // bytes that left the server's queue
      const first = inFlight();
      await delay(300);
      const second = inFlight();
      const held = bufferedFrames(session.incoming);
      t.diagnostic(
        `paused: server sent ${sent}/${COUNT}, bufferedAmount ${(ws.bufferedAmount / MIB).toFixed(1)} MiB, ` +
          `left the server ${(second / MIB).toFixed(1)} MiB, incoming holds ${held} frames`,
      );
      assert.ok(sent < COUNT, `the server could send everything (${sent}) to a client that reads nothing`);
      assert.ok(ws.bufferedAmount >= 16 * MIB, `server bufferedAmount ${ws.bufferedAmount}`);
      assert.ok(second - first <= 512 * KIB, `the client kept taking bytes while not reading: +${second - first}`);
      assert.ok(held >= 1 && held <= 64, `incoming holds ${held} frames`);
      // What left the server sits in kernel buffers and in the client: bounded, far below what was offered.
      assert.ok(second <= 16 * MIB, `${(second / MIB).toFixed(1)} MiB left the server while the client read nothing`);
      assert.ok(second < (COUNT * SIZE) / 4);

      // Reading again: every message arrives, in order, intact.
      for (let seq = 0; seq < COUNT; seq++) {
        const frame = await session.incoming.receive();
        const data = frame.data;
        if (data.length !== SIZE || Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32BE(0) !== seq) {
          assert.fail(`message ${seq}: got ${data.length} bytes, sequence ${Buffer.from(data).readUInt32BE(0)}`);
        }
        assert.equal(Buffer.from(data.buffer, data.byteOffset, data.length).readUInt32BE(SIZE - 4), seq);
        if (seq % 2_000 === 0) assert.ok(bufferedFrames(session.incoming) <= 64);
      }
      assert.equal(sent, COUNT);
      assert.equal(session.incoming.tryReceive(), undefined);
      await session.close();
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("a writer facing a server that does not read: send() stops resolving, then everything arrives in order", { timeout: 20_000 }, async (t) => {
    const COUNT = 400;
    const SIZE = 256 * KIB;
    await withPeerNotReading(async (session, conn) => {

      let resolved = 0;
      const producer = (async () => {
        for (let seq = 0; seq < COUNT; seq++) {
          await session.send(numbered(seq, SIZE));
          resolved++;
        }
      })();

      await delay(500);
      const stalledAt = resolved;
      t.diagnostic(`writer stalled after ${stalledAt}/${COUNT} sends of ${SIZE / KIB} KiB`);
      await delay(300);
      assert.equal(resolved, stalledAt, "send() kept resolving while nothing could be written");
      assert.ok(stalledAt < COUNT, "every send resolved: the client buffered everything");
      // outgoing (64 frames) plus what the socket and the kernel took (16 MiB at most): a bounded share.
      assert.ok(stalledAt <= 64 + 64, `${stalledAt} sends of ${SIZE} bytes resolved while the server read nothing`);

      conn.resumeReading();
      for (let seq = 0; seq < COUNT; seq++) {
        const frame = await conn.readFrame(5_000);
        assert.ok(frame, `connection ended before message ${seq}`);
        assert.equal(frame.opcode, Op.BINARY);
        assert.equal(frame.payload.length, SIZE);
        if (frame.payload.readUInt32BE(0) !== seq || frame.payload.readUInt32BE(SIZE - 4) !== seq) {
          assert.fail(`message ${seq} arrived as ${frame.payload.readUInt32BE(0)}`);
        }
      }
      await within(producer, 5_000, "the producer to finish");
      assert.equal(resolved, COUNT);
      session.terminate();
    });
  });

  test("pings that come while the peer reads nothing get one Pong, for the latest, once it reads again (§5.5.3)", { timeout: 20_000 }, async () => {
    await withPeerNotReading(async (session, conn) => {
      // Enough data that the socket stays full while the pings come.
      const sends = Array.from({ length: 100 }, (_, seq) => session.send(numbered(seq, 256 * KIB)));
      await delay(300);
      for (const text of ["p1", "p2", "p3"]) conn.sendFrame({ opcode: Op.PING, payload: text });
      await delay(300);
      conn.resumeReading();
      const pongs: string[] = [];
      for (let data = 0; data < 100; ) {
        const frame = await conn.readFrame(5_000);
        assert.ok(frame, "the connection ended early");
        if (frame.opcode === Op.PONG) pongs.push(frame.payload.toString());
        else data++;
      }
      await within(Promise.all(sends), 5_000, "the sends");
      assert.deepEqual(pongs.slice(-1), ["p3"], `pongs: ${pongs.join(", ")}`);
      session.terminate();
    });
  });

  test("incoming with onOverflow 'close': a full channel ends the session with ChannelOverflowError (1008)", T, async () => {
    const peer = await startWsPeer((socket) => {
      for (let i = 0; i < 20; i++) socket.send(`m${i}`);
    });
    const client = newClient((ws) => (ws.channels.incoming = { capacity: 4, onOverflow: "close" }));
    try {
      const session = await client.webSocketSession(peer.url);
      const server = await peer.nextConnection();
      assert.equal((await within(server.closed, 3_000, "the server's close")).code, 1008);
      const reason = await session.closeReason;
      assert.equal(reason?.code, 1008);
      const received: string[] = [];
      await assert.rejects(
        (async () => {
          for (;;) received.push(((await session.incoming.receive()) as Frame.Text).readText());
        })(),
        (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof ChannelOverflowError,
      );
      assert.ok(received.length <= 4, `received ${received.length}`);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("outgoing with onOverflow 'close': a send on a full channel fails with ChannelOverflowError", T, async () => {
    const raw = await startRawServer();
    const client = newClient((ws) => (ws.channels.outgoing = { capacity: 2, onOverflow: "close" }));
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.accept();
      conn.pauseReading();
      const session = await pending;
      const big = new Uint8Array(4 * MIB);
      let failure: unknown = null;
      for (let i = 0; i < 64 && failure === null; i++) {
        await session.send(big).catch((error: unknown) => (failure = error));
      }
      assert.ok(failure instanceof ChannelOverflowError, `expected ChannelOverflowError, got ${String(failure)}`);
      session.terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });
});
