// 200 clients reconnecting after a server restart spread their attempts over the backoff window
// instead of coming back in lockstep.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { serve, type WebSocketServer } from "../../../src/server/index.js";
import type { ReconnectingWebSocketSession } from "../../../src/plugins/reconnect/index.js";
import { within } from "../../helpers/ws-peer.js";
import { EventLog, reconnectClient, stdev, mean } from "./helpers.js";

const CLIENTS = 200;
const MIN_DELAY = 1_000;

describe("200 clients after a server restart", () => {
  test("their first retries spread over [0, minDelay), not in lockstep", { timeout: 60_000 }, async () => {
    const start = (port: number): Promise<WebSocketServer> =>
      serve({ host: "127.0.0.1", port, onError: () => {} }, (routes) =>
        routes.webSocket("/live", async (session) => {
          for await (const _ of session.incoming);
        }),
      );
    let server = await start(0);
    const port = server.port;
    const client = reconnectClient((r) => {
      r.minDelay = MIN_DELAY;
      r.maxDelay = "10s";
      r.factor = 2;
      r.minUptime = 0;
    });
    const sessions: ReconnectingWebSocketSession[] = [];
    const logs: EventLog[] = [];
    try {
      for (let i = 0; i < CLIENTS; i++) {
        const session = client.reconnectingSession(`ws://127.0.0.1:${port}/live`);
        sessions.push(session);
        logs.push(new EventLog(session));
      }
      await within(Promise.all(logs.map((log) => log.nth("open", 1, 20_000))), 20_000, "every client to connect");

      // The restart: every session is closed with 1001 at once, and the port is back 300 ms later.
      const restartAt = performance.now();
      const restarted = (async () => {
        await server.close();
        const wait = 300 - (performance.now() - restartAt);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        server = await start(port);
      })();
      await within(Promise.all(logs.map((log) => log.nth("closed", 1, 20_000))), 20_000, "every client to see the close");
      await restarted;
      await within(Promise.all(logs.map((log) => log.nth("open", 2, 30_000))), 30_000, "every client to reconnect");

      // Each client's first retry: when its second attempt started, after its connection closed.
      const waits = logs.map((log) => log.timesOf("connecting")[1] - log.timesOf("closed")[0]);
      const delays = logs.map((log) => log.of("retry")[0].delayMillis);
      const range = Math.max(...waits) - Math.min(...waits);
      const spread = stdev(waits);
      const buckets = new Map<number, number>();
      for (const wait of waits) buckets.set(Math.floor(wait / 100), (buckets.get(Math.floor(wait / 100)) ?? 0) + 1);
      const busiest = Math.max(...buckets.values());
      console.log(
        `# first retries of ${CLIENTS} clients, minDelay ${MIN_DELAY} ms: mean ${mean(waits).toFixed(0)} ms, ` +
          `stdev ${spread.toFixed(0)} ms (uniform: ${(MIN_DELAY / Math.sqrt(12)).toFixed(0)}), range ${range.toFixed(0)} ms, ` +
          `busiest 100 ms bucket ${busiest} clients (uniform: ${CLIENTS / 10}), ` +
          `chosen delays ${Math.min(...delays)}–${Math.max(...delays)} ms`,
      );
      // Full jitter: uniform on [0, minDelay), whose stdev is minDelay/√12 ≈ 0.29 × minDelay.
      assert.ok(delays.every((d) => d >= 0 && d < MIN_DELAY), "every first delay is drawn from [0, minDelay)");
      assert.ok(spread > 0.2 * MIN_DELAY, `stdev ${spread} ms is too narrow`);
      assert.ok(range > 0.8 * MIN_DELAY, `range ${range} ms is too narrow`);
      assert.ok(busiest <= CLIENTS * 0.25, `${busiest} clients retried within the same 100 ms`);
      // Those that came back before the port did were refused and drew from the doubled window.
      const refused = logs.filter((log) => log.of("failed").length > 0).length;
      console.log(`# ${refused} clients came back before the server and retried again; all ${CLIENTS} reconnected`);
    } finally {
      await Promise.all(sessions.map((session) => session.close()));
      client.close();
      await server.close();
    }
  });
});
