// The replay queue: bounds, overflow policies, and what happens to messages in flight when a
// connection dies (reported, never resent), against real sockets.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Frame, ClosedSendChannelError, FrameTooBigError } from "../../../src/index.js";
import { QueueOverflowError } from "../../../src/plugins/reconnect/index.js";
import { Op } from "../../helpers/raw-server.js";
import { delay, settlesWithin, within } from "../../helpers/ws-peer.js";
import { EventLog, ScriptedServer, echoFrames, reconnectClient } from "./helpers.js";

const T = { timeout: 20_000 };

/** A server that is down until `listen()`, then collects every text message it receives. */
async function downServer(): Promise<{ server: ScriptedServer; received: string[] }> {
  const received: string[] = [];
  const server = await ScriptedServer.start(async (connection) => {
    await connection.accept();
    await echoFrames(connection, (payload) => {
      received.push(payload.toString());
      return false;
    });
  });
  await server.stop();
  return { server, received };
}

function texts(frames: readonly Frame[]): string[] {
  return frames.map((frame) => (frame as Frame.Text).readText());
}

describe("replay queue", () => {
  test('"suspend": send waits while the queue is full, and goes on once a connection takes the messages', T, async () => {
    const { server, received } = await downServer();
    const client = reconnectClient((r) => (r.factor = 1));
    const session = client.reconnectingSession(server.url, { maxQueued: { messages: 3 } });
    try {
      for (let i = 0; i < 3; i++) await within(session.send(`s${i}`), 1_000, "a send with room");
      const fourth = session.send("s3");
      assert.equal((await settlesWithin(fourth, 200)).state, "timeout", "the 4th send waits");
      assert.equal(session.queuedMessages, 3);
      await server.listen();
      await within(fourth, 5_000, "the 4th send");
      await within(session.flush(), 5_000, "a flush");
      await within(
        (async () => {
          while (received.length < 4) await delay(5);
        })(),
        5_000,
        "the server to receive",
      );
      assert.deepEqual(received, ["s0", "s1", "s2", "s3"]);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test('"drop-oldest": the oldest queued messages make room and are reported', T, async () => {
    const { server, received } = await downServer();
    const client = reconnectClient((r) => {
      r.maxQueued = { messages: 3 };
      r.onQueueOverflow = "drop-oldest";
    });
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      for (let i = 0; i < 5; i++) await session.send(`d${i}`);
      assert.deepEqual(texts(log.of("dropped").map((e) => e.frame)), ["d0", "d1"]);
      await server.listen();
      await log.nth("open");
      await within(session.flush(), 5_000, "a flush");
      while (received.length < 3) await delay(5);
      assert.deepEqual(received, ["d2", "d3", "d4"]);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test('"fail": a send that does not fit rejects with QueueOverflowError; the session carries on', T, async () => {
    const { server, received } = await downServer();
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url, { maxQueued: { messages: 3 }, onQueueOverflow: "fail" });
    try {
      for (let i = 0; i < 3; i++) await session.send(`f${i}`);
      const error = await session.send("f3").then(() => null, (e: unknown) => e);
      assert.ok(error instanceof QueueOverflowError);
      assert.equal(error.limit, "messages");
      assert.equal(session.outgoing.trySend(new Frame.Text("f4")), false);
      await server.listen();
      await within(session.flush(), 5_000, "a flush");
      while (received.length < 3) await delay(5);
      await session.send("after");
      while (received.length < 4) await delay(5);
      assert.deepEqual(received, ["f0", "f1", "f2", "after"]);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("the byte bound: messages count by payload size; one large message still fits an empty queue", T, async () => {
    const { server } = await downServer();
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url, { maxQueued: { messages: Infinity, bytes: 10 }, onQueueOverflow: "fail" });
    try {
      await session.send("12345");
      await session.send(new Uint8Array(5));
      assert.equal(session.queuedBytes, 10);
      const error = await session.send("x").then(() => null, (e: unknown) => e);
      assert.ok(error instanceof QueueOverflowError && error.limit === "bytes", String(error));
      const other = client.reconnectingSession(server.url, { maxQueued: { bytes: 10 }, onQueueOverflow: "fail" });
      await other.send("a message longer than ten bytes");
      assert.equal(other.queuedMessages, 1);
      await other.close();
    } finally {
      await session.close();
      client.close();
    }
  });

  test("messages that cannot cross connections are refused at send", T, async () => {
    const { server } = await downServer();
    const client = reconnectClient(undefined, (ws) => (ws.maxFrameSize = 100));
    const session = client.reconnectingSession(server.url);
    try {
      await assert.rejects(session.send(new Frame.Close()), TypeError);
      await assert.rejects(session.send(new Frame.Text(false, "part")), TypeError);
      await assert.rejects(session.send(new Uint8Array(101)), FrameTooBigError);
      await assert.rejects(session.send(new Frame.Ping(new Uint8Array(126))), RangeError);
    } finally {
      await session.close();
      client.close();
    }
    await assert.rejects(session.send("after close"), ClosedSendChannelError);
  });

  test("in flight when the connection died: reported in `closed`, never sent again, order kept", T, async () => {
    const received: { connection: number; text: string }[] = [];
    let stalled: (() => void) | null = null;
    const server = await ScriptedServer.start(async (connection, index) => {
      await connection.accept();
      if (index === 0) {
        // Read the first two messages, then stop reading: what follows fills the buffers in between.
        for (let i = 0; i < 2; i++) {
          const frame = await connection.readFrame();
          received.push({ connection: index, text: frame!.payload.subarray(0, 8).toString() });
        }
        connection.pauseReading();
        await new Promise<void>((resolve) => (stalled = resolve));
        connection.destroy();
        return;
      }
      await echoFrames(connection, (payload) => {
        received.push({ connection: index, text: payload.subarray(0, 8).toString() });
        return false;
      });
    });
    const client = reconnectClient(undefined, (ws) => (ws.channels.outgoing = { capacity: 4, onOverflow: "suspend" }));
    const session = client.reconnectingSession(server.url, { maxQueued: { messages: 10_000, bytes: Infinity } });
    const log = new EventLog(session);
    const big = (i: number): Uint8Array => {
      const bytes = new Uint8Array(64 * 1024);
      bytes.set(new TextEncoder().encode(`m${String(i).padStart(7, "0")}`));
      return bytes;
    };
    try {
      await log.nth("open");
      const total = 200;
      const sending = (async () => {
        for (let i = 0; i < total; i++) await session.send(big(i));
      })();
      // Let the buffers fill (the server reads two, then nothing), then kill the connection.
      await delay(300);
      stalled!();
      const closed = await log.nth("closed");
      await within(sending, 10_000, "every send");
      await within(session.flush(), 10_000, "a flush");
      await session.close();

      const unconfirmed = closed.unconfirmed.map((f) => new TextDecoder().decode(f.data.subarray(0, 8)));
      assert.ok(unconfirmed.length > 0, "some messages were in flight");
      const onFirst = received.filter((r) => r.connection === 0).map((r) => r.text);
      const later = received.filter((r) => r.connection > 0).map((r) => r.text);
      const all = received.map((r) => r.text);
      // Nothing twice, nothing out of order, across connections.
      assert.equal(new Set(all).size, all.length, "no message was received twice");
      assert.deepEqual([...all].sort(), all, "messages arrived in order");
      // On the wire: what the first connection read, then what was written to the operating system
      // (confirmed, but lost with the connection's kernel buffers), then what was never confirmed
      // (reported), then the second connection's. Each block is contiguous; nothing is in two.
      const name = (i: number): string => `m${String(i).padStart(7, "0")}`;
      const index = (text: string): number => Number(text.slice(1));
      assert.deepEqual(onFirst, [name(0), name(1)]);
      const firstUnconfirmed = index(unconfirmed[0]);
      assert.deepEqual(unconfirmed, Array.from({ length: unconfirmed.length }, (_, i) => name(firstUnconfirmed + i)), "reported: one contiguous block");
      assert.ok(firstUnconfirmed >= onFirst.length);
      for (const text of unconfirmed) assert.ok(!later.includes(text), `${text} was resent`);
      const nextSent = firstUnconfirmed + unconfirmed.length;
      assert.deepEqual(later, Array.from({ length: total - nextSent }, (_, i) => name(nextSent + i)), "the rest, in order, on the next connection");
      const lostInKernel = firstUnconfirmed - onFirst.length;
      console.log(`# in flight at the drop: ${lostInKernel} written to the OS and lost with it (64 KiB each), ${unconfirmed.length} reported unconfirmed`);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("flush() resolves once what was sent is written, or waits for the next connection", T, async () => {
    const { server, received } = await downServer();
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url);
    try {
      await session.send("queued");
      const flushed = session.flush();
      assert.equal((await settlesWithin(flushed, 100)).state, "timeout");
      await server.listen();
      await within(flushed, 5_000, "the flush");
      await within(
        (async () => {
          while (received.length < 1) await delay(5);
        })(),
        2_000,
        "the message",
      );
      assert.deepEqual(received, ["queued"]);
      const frame = await within(session.incoming.receive(), 2_000, "the echo");
      assert.equal((frame as Frame.Text).readText(), "queued");
      assert.equal(frame.frameType, Op.TEXT);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });
});
