// A 1 GiB stream through toStreams's readable into a slow WritableStream: the reader's pace reaches
// the socket, so this process's memory stays bounded. The sender is a kite-ws server in a child
// process, so its own buffers are not counted here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { toStreams } from "../../src/index.js";
import { spawnOwned } from "../helpers/spawned.js";
import { cioClient } from "./helpers.js";

const TOTAL = 1024 * 1024 * 1024;
const MESSAGE = 64 * 1024;
/** The consumer waits for a timer every this many messages: at most 256 KiB a millisecond, slower than loopback here. */
const PAUSE_EVERY = 4;
const MAX_GROWTH = 64 * 1000 * 1000;
const MAX_MILLIS = 60_000;
const WARM_UP = 64 * 1024 * 1024;

const serverModule = fileURLToPath(new URL("../../src/server/index.js", import.meta.url));
const SENDER = `
  const { serve } = await import(${JSON.stringify(serverModule)});
  const server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/gib", async (session) => {
      const payload = new Uint8Array(${MESSAGE}).fill(7);
      for (let sent = 0; sent < ${TOTAL}; sent += payload.length) await session.send(payload);
      await session.close();
    }),
  );
  console.log("port " + server.port);
`;

test("1 GiB through the readable into a slow writable keeps RSS growth under 64 MB", { timeout: MAX_MILLIS + 30_000 }, async (t) => {
  const sender = spawnOwned(process.execPath, ["--input-type=module", "-e", SENDER]);
  try {
    const [, port] = await sender.waitForOutput("stdout", /port (\d+)/, 10_000, "the sender's port");
    const session = await cioClient().webSocketSession(`ws://127.0.0.1:${port}/gib`);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    let received = 0;
    let warm = 0;
    let messages = 0;
    try {
      await toStreams(session).readable.pipeTo(
        new WritableStream({
          async write(chunk) {
            assert.ok(chunk instanceof Uint8Array && chunk.byteLength === MESSAGE);
            received += chunk.byteLength;
            if (received === WARM_UP) warm = process.memoryUsage().rss;
            if (++messages % PAUSE_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 1));
          },
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const millis = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = peak - baseline;
    t.diagnostic(`1 GiB in ${Math.round(millis)} ms (${Math.round(TOTAL / 1024 / 1024 / (millis / 1000))} MiB/s); RSS growth ${(growth / 1e6).toFixed(1)} MB, ${((peak - warm) / 1e6).toFixed(1)} MB after the first 64 MiB (baseline ${(baseline / 1e6).toFixed(1)} MB)`);
    assert.equal(received, TOTAL);
    assert.equal((await session.closeReason)?.code, 1000);
    assert.ok(growth < MAX_GROWTH, `RSS grew by ${(growth / 1e6).toFixed(1)} MB`);
    // Most of that is the runtime settling in (its young generation and code); after it, the stream
    // itself adds little, however long it runs.
    assert.ok(peak - warm < MAX_GROWTH / 2, `RSS grew by ${((peak - warm) / 1e6).toFixed(1)} MB after the first 64 MiB`);
    assert.ok(millis < MAX_MILLIS, `took ${Math.round(millis)} ms`);
  } finally {
    await sender.stop();
  }
});
