// Sequence numbers through a server that drops connections at random points: nothing the plugin
// sends is duplicated or reordered, and everything is received or reported.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Frame, type Frame as FrameType } from "../../../src/index.js";
import { Op, encodeFrame } from "../../helpers/raw-server.js";
import { delay, within } from "../../helpers/ws-peer.js";
import { EventLog, ScriptedServer, reconnectClient, seeded } from "./helpers.js";

const TOTAL = 1500;

type Ending = "cut" | "mid-frame" | "close-1012" | "stall-then-cut" | "mid-handshake" | "refuse-503";

describe("sequence numbers through random drops", () => {
  test("no duplicates, no reordering; every message received, reported, or lost only at a dying connection's tail", { timeout: 60_000 }, async () => {
    const seed = Number(process.env.RECONNECT_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const serverReceived: number[] = [];
    /** The server connection (index) each received message came on. */
    const receivedOn: number[] = [];
    const endings: Ending[] = [];
    const server = await ScriptedServer.start(async (connection, index) => {
      const roll = random();
      const ending: Ending =
        roll < 0.1 ? "mid-handshake" : roll < 0.15 ? "refuse-503" : roll < 0.4 ? "cut" : roll < 0.6 ? "mid-frame" : roll < 0.8 ? "close-1012" : "stall-then-cut";
      endings.push(ending);
      if (ending === "mid-handshake") {
        await connection.request;
        connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConn");
        connection.destroy();
        return;
      }
      if (ending === "refuse-503") {
        await connection.accept({ statusLine: "HTTP/1.1 503 Service Unavailable", headers: { "Retry-After": "0", "Content-Length": "0" } });
        connection.end();
        return;
      }
      await connection.accept();
      const limit = 1 + Math.floor(random() * 40);
      let count = 0;
      for (;;) {
        const frame = await connection.readFrame(30_000).catch(() => null);
        if (frame === null) return;
        if (frame.opcode === Op.CLOSE) {
          connection.sendFrame({ opcode: Op.CLOSE, payload: frame.payload });
          connection.end();
          return;
        }
        if (frame.opcode !== Op.TEXT) continue;
        serverReceived.push(Number(frame.payload.toString()));
        receivedOn.push(index);
        const echo = encodeFrame({ opcode: Op.TEXT, payload: frame.payload });
        if (++count < limit) {
          connection.write(echo);
          continue;
        }
        if (ending === "cut") connection.destroy();
        else if (ending === "mid-frame") {
          connection.write(echo.subarray(0, Math.max(1, echo.length - 2)));
          connection.destroy();
        } else if (ending === "close-1012") {
          connection.write(echo);
          connection.sendClose(1012, "restarting");
          continue; // read on until the client's Close (what it sends meanwhile may be ignored)
        } else {
          connection.pauseReading();
          await delay(20);
          connection.destroy();
        }
        return;
      }
    });

    const client = reconnectClient((r) => {
      r.minDelay = "2ms";
      r.maxDelay = "20ms";
      r.minUptime = "1s";
      r.maxAttempts = Infinity;
    });
    const session = client.reconnectingSession(server.url, { maxQueued: { messages: 50 } });
    const log = new EventLog(session);
    // How much the server had received when each connection's `closed` event was emitted.
    const receivedAtClose: { count: number; unconfirmed: readonly FrameType[] }[] = [];
    session.on("closed", (event) => receivedAtClose.push({ count: serverReceived.length, unconfirmed: event.unconfirmed }));
    const echoed: number[] = [];
    const receiving = (async () => {
      for await (const frame of session.incoming) echoed.push(Number((frame as Frame.Text).readText()));
    })();
    try {
      for (let i = 0; i < TOTAL; i++) {
        // A few large messages fill the socket's buffers, so some are still unwritten at a cut.
        const text = random() < 0.03 ? String(i).padEnd(256 * 1024, " ") : String(i);
        await within(session.send(text), 10_000, `send ${i}`);
        // Paced a little, so that a connection carries tens of messages rather than the whole run.
        if (i % 10 === 9) await delay(1 + Math.floor(random() * 3));
      }
      await within(session.flush(), 20_000, "the last flush");
      await within(session.close(), 10_000, "the close");
      await within(receiving, 5_000, "incoming to end");
    } finally {
      session.terminate();
      client.close();
      await server.stop();
    }

    const reported = new Set<number>();
    const numbers = (frames: readonly FrameType[]): number[] => frames.map((f) => Number((f as Frame.Text).readText()));
    for (const closed of log.of("closed")) for (const n of numbers(closed.unconfirmed)) reported.add(n);
    for (const dropped of log.of("dropped")) reported.add(Number((dropped.frame as Frame.Text).readText()));
    for (const n of numbers(log.of("ended")[0].unsent)) reported.add(n);

    const context = `seed ${seed}; ${log.of("open").length} connections, endings ${JSON.stringify(count(endings))}`;
    // Nothing twice, nothing out of order: the server's view and the client's echoes.
    for (let i = 1; i < serverReceived.length; i++) {
      assert.ok(serverReceived[i] > serverReceived[i - 1], `server got ${serverReceived[i]} after ${serverReceived[i - 1]} (${context})`);
    }
    for (let i = 1; i < echoed.length; i++) {
      assert.ok(echoed[i] > echoed[i - 1], `incoming had ${echoed[i]} after ${echoed[i - 1]} (${context})`);
    }
    // Reported messages were never sent again after being reported.
    for (const { count: before, unconfirmed } of receivedAtClose) {
      const later = new Set(serverReceived.slice(before));
      for (const n of numbers(unconfirmed)) assert.ok(!later.has(n), `${n} was reported unconfirmed, then sent again (${context})`);
    }
    const received = new Set(serverReceived);
    const missing: number[] = [];
    for (let i = 0; i < TOTAL; i++) if (!received.has(i) && !reported.has(i)) missing.push(i);
    // A message can be missing only if it was written to the OS just before a cut: the plugin saw it
    // confirmed (flushed), then the connection died with it in the kernel's buffers.
    const lostWithConnection = missing.length;
    // Such losses happen only at the tail of a connection: never inside the range of messages one
    // connection received.
    const ranges = new Map<number, { min: number; max: number }>();
    serverReceived.forEach((n, i) => {
      const range = ranges.get(receivedOn[i]) ?? { min: n, max: n };
      ranges.set(receivedOn[i], { min: Math.min(range.min, n), max: Math.max(range.max, n) });
    });
    for (const n of missing) {
      for (const [connection, range] of ranges) {
        assert.ok(!(range.min < n && n < range.max), `${n} lost inside the range of connection ${connection} (${context})`);
      }
    }
    console.log(
      `# ${context}; server received ${serverReceived.length}, reported ${reported.size} (unconfirmed/dropped/unsent), written-then-lost ${lostWithConnection}`,
    );
    assert.ok(log.of("open").length >= 10, `the chaos was real: ${context}`);
    assert.ok(serverReceived.length >= TOTAL / 10, `messages got through: ${context}`);
  });
});

function count(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
