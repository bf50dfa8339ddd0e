// After close(), nothing of the plugin's is left: no timers (ref'd or not), no sockets, no listeners.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import type { ReconnectingWebSocketSession } from "../../../src/plugins/reconnect/index.js";
import { delay, within } from "../../helpers/ws-peer.js";
import { EventLog, ScriptedServer, echoFrames, reconnectClient } from "./helpers.js";

/** Counts of `process.getActiveResourcesInfo()` by kind. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/**
 * Tracks every timer made through the global `setTimeout` while installed, including unref'd ones
 * (which `getActiveResourcesInfo` does not list), with where each was made.
 */
function trackTimers(): { live: Map<unknown, string>; restore: () => void } {
  const live = new Map<unknown, string>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const patchedSet = (callback: (...args: unknown[]) => void, millis?: number, ...args: unknown[]): unknown => {
    const timer = realSet(
      (...callArgs: unknown[]) => {
        live.delete(timer);
        callback(...callArgs);
      },
      millis,
      ...args,
    );
    live.set(timer, new Error(`setTimeout(${millis})`).stack ?? "");
    return timer;
  };
  const patchedClear = (timer: unknown): void => {
    live.delete(timer);
    realClear(timer as Parameters<typeof clearTimeout>[0]);
  };
  globalThis.setTimeout = patchedSet as unknown as typeof setTimeout;
  globalThis.clearTimeout = patchedClear as typeof clearTimeout;
  return {
    live,
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

describe("resources after close()", () => {
  test("timers are cleared, sockets closed, listeners removed", { timeout: 30_000 }, async () => {
    const before = resources();
    const timers = trackTimers();
    const server = await ScriptedServer.start(async (connection, index) => {
      await connection.accept();
      if (index === 0) connection.destroy(); // one drop, so a retry happens
      else await echoFrames(connection);
    });
    const controller = new AbortController();
    try {
      const client = reconnectClient(
        (r) => {
          r.minUptime = "10s";
          r.connectTimeout = "5s";
        },
        (ws) => (ws.pingInterval = "1s"), // the sessions' ping and pong timers too
      );
      // 1. Open, dropped, retried, open again, then closed.
      const open = client.reconnectingSession(async () => server.url, { signal: controller.signal });
      const openLog = new EventLog(open);
      await openLog.nth("open", 2);
      await open.send("hello");
      await within(open.incoming.receive(), 2_000, "the echo");
      // 2. Waiting a long time for a retry when closed.
      const refused = await ScriptedServer.start(() => {});
      const refusedUrl = refused.url;
      await refused.stop();
      const waiting = client.reconnectingSession(refusedUrl, { minDelay: "60s", maxDelay: "60s", random: () => 0.9 });
      await new EventLog(waiting).nth("retry");
      // 3. Connecting (the server never answers) when closed.
      const silent = await ScriptedServer.start(() => {});
      const connecting = client.reconnectingSession(silent.url);
      await silent.nextConnection();
      // Some listeners on events() iterators, to be ended too.
      const iterators = [open, waiting, connecting].map((s: ReconnectingWebSocketSession) => s.events());

      assert.ok(timers.live.size > 0, "timers were made along the way");
      await Promise.all([open.close(), waiting.close(), connecting.close()]);
      for (const iterator of iterators) {
        const types: string[] = [];
        for await (const event of iterator) types.push(event.type);
        assert.equal(types.at(-1), "ended", "each iterator ends after the ended event");
      }
      client.close();
      await silent.stop();
      await server.stop();
      // Let the sockets' close callbacks run.
      await new Promise((resolve) => setImmediate(resolve));
      await delay(50);

      const left = [...timers.live.values()];
      assert.deepEqual(left, [], `timers left:\n${left.join("\n\n")}`);
      assert.equal(getEventListeners(controller.signal, "abort").length, 0, "the AbortSignal listener is removed");
      for (const session of [open, waiting, connecting]) assert.equal(session.state, "closed");
    } finally {
      timers.restore();
    }
    const after = resources();
    // Nothing more than before (the test runner's own requests come and go).
    for (const kind of after.keys()) {
      assert.ok((after.get(kind) ?? 0) <= (before.get(kind) ?? 0), `${kind}: ${before.get(kind) ?? 0} before, ${after.get(kind)} after`);
    }
  });
});
