// server.drain(): a graceful restart. New upgrades get 503 with Retry-After, open sessions are closed
// spread evenly over `spread`, and kite-ws's Reconnect client comes back on the next server.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { WebSocket as WsClient } from "ws";
import { serve, webSocketRoutes, type DefaultWebSocketServerSession, type DrainOptions } from "../../src/server/index.js";
import { Frame } from "../../src/index.js";
import { EventLog, reconnectClient } from "../plugins/reconnect/helpers.js";
import { deferred } from "../helpers/deferred.js";
import { openWs, rawClient, upgradeRequest, within, wsRefusal } from "./helpers.js";

async function drainIncoming(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) void frame;
}

test("drain(): bad options reject with a TypeError / RangeError naming them", async () => {
  const server = await serve({ port: 0 }, (routes) => routes.webSocket("/x", drainIncoming));
  try {
    const bad: [unknown, ErrorConstructor, RegExp][] = [
      ["soon", TypeError, /^drain\(options\): options must be an object/],
      [{ code: 1005 }, RangeError, /^code must be a close code a server may send/],
      [{ code: 1006 }, RangeError, /^code must be/],
      [{ code: 1015 }, RangeError, /^code must be/],
      [{ code: 2000 }, RangeError, /^code must be/],
      [{ code: 5000 }, RangeError, /^code must be/],
      [{ code: 1012.5 }, RangeError, /^code must be/],
      [{ code: "1012" }, TypeError, /^code must be/],
      [{ reason: 42 }, TypeError, /^reason must be a string/],
      [{ reason: "x".repeat(124) }, RangeError, /^reason must be at most 123 bytes/],
      [{ spread: "a while" }, RangeError, /^spread must be a duration/],
      [{ spread: -1 }, RangeError, /^spread must be/],
      [{ spread: true }, TypeError, /^spread must be a duration/],
      [{ retryAfter: "5 parsecs" }, RangeError, /^retryAfter must be a duration/],
      [{ retryAfter: NaN }, RangeError, /^retryAfter must be/],
      [{ spred: "1s" }, TypeError, /^drain\(options\) has no option "spred"/],
    ];
    for (const [options, type, message] of bad) {
      await assert.rejects(server.drain(options as DrainOptions), (error: Error) => error instanceof type && message.test(error.message), JSON.stringify(options));
      await assert.rejects(server.routes.drain(options as DrainOptions), type, JSON.stringify(options));
    }
    // None of them started a drain: the server still upgrades.
    const ws = await openWs(`${server.url}/x`);
    ws.close();
  } finally {
    await server.close();
  }
  // Every code a server may send is taken.
  for (const code of [1000, 1003, 1007, 1014, 3000, 4999]) {
    const routes = webSocketRoutes(() => {});
    await routes.drain({ code, spread: 0, retryAfter: 0 });
  }
});

test("drain({ spread: \"1s\" }) closes 120 sessions with 1012 spread over the second; upgrades meanwhile get 503", { timeout: 30_000 }, async () => {
  const count = 120;
  const spread = 1_000;
  const server = await serve({ port: 0 }, (routes) => routes.webSocket("/feed", drainIncoming));
  const clients: WsClient[] = [];
  try {
    for (let i = 0; i < count; i++) clients.push(await openWs(`${server.url}/feed`));
    assert.equal(server.routes.sessions.size, count);
    let started = 0;
    const closes = clients.map(
      (client) =>
        new Promise<{ at: number; code: number; reason: string }>((resolve) =>
          client.once("close", (code: number, reason: Buffer) => resolve({ at: performance.now() - started, code, reason: reason.toString() })),
        ),
    );
    // The last client leaves on its own before its turn: it is skipped, its own code stands.
    const leaving = clients[count - 1];

    started = performance.now();
    const drained = server.drain({ spread: "1s", retryAfter: "3s" });
    assert.equal(server.drain({ spread: 0 }), drained, "a second call returns the same promise");
    assert.equal(server.routes.drain(), drained);
    leaving.close(4000, "bye");

    // Mid-drain, a new upgrade is refused with 503 and the Retry-After asked for.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const raw = await rawClient(server.port, upgradeRequest(server.port, "/feed"));
    const response = await within(raw.response(), 3_000, "the 503 during the drain");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "3");
    assert.equal(await within(wsRefusal(`${server.url}/feed`), 3_000), 503);
    await within(raw.closed, 3_000);

    await within(drained, spread + 3_000, "drain()");
    const drainedAt = performance.now() - started;
    assert.equal(server.routes.sessions.size, 0);
    const seen = await within(Promise.all(closes), 1_000, "every client's close");
    assert.ok(drainedAt >= Math.max(...seen.map((c) => c.at)) - 50, "drain() resolved after the last close");

    const { code: ownCode } = seen[count - 1];
    assert.equal(ownCode, 4000, "the client that left on its own kept its code");
    const drainedOnes = seen.slice(0, count - 1);
    for (const close of drainedOnes) assert.deepEqual([close.code, close.reason], [1012, "Service restart"]);
    const times = drainedOnes.map((c) => c.at).sort((a, b) => a - b);
    const inFirstThird = times.filter((at) => at < spread / 3).length;
    const inLastThird = times.filter((at) => at >= (2 * spread) / 3).length;
    assert.ok(inFirstThird <= count / 3 + 8, `${inFirstThird} of ${count - 1} closes came in the first third of the spread`);
    assert.ok(inLastThird >= count / 3 - 12, `only ${inLastThird} closes came in the last third of the spread`);
    assert.ok(times[times.length - 1] <= spread + 500, `the last close came at ${Math.round(times[times.length - 1])} ms`);
    assert.ok(times[times.length - 1] >= spread * 0.8, `the last close came already at ${Math.round(times[times.length - 1])} ms`);

    // Nothing is left for close() to wait for.
    const before = performance.now();
    await within(server.close(), 1_000, "close() after the drain");
    assert.ok(performance.now() - before < 250, `close() took ${Math.round(performance.now() - before)} ms`);
  } finally {
    for (const client of clients) client.terminate();
    await server.close();
  }
});

test("drain() is bounded: a handler that ignores the close is cut after spread + timeoutMillis", { timeout: 15_000 }, async () => {
  const release = deferred<void>();
  const server = await serve({ port: 0, timeoutMillis: 300 }, (routes) =>
    routes.webSocket("/stuck", async () => {
      await release.promise; // never reads, never returns until the test lets it
    }),
  );
  try {
    const ws = await openWs(`${server.url}/stuck`);
    const cut = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
    const before = performance.now();
    await within(server.drain({ spread: "200ms" }), 5_000, "drain()");
    const took = performance.now() - before;
    assert.ok(took >= 400 && took < 2_000, `drain() took ${Math.round(took)} ms`);
    // The client got the 1012 Close frame; the connection is gone either way.
    assert.equal(await within(cut, 2_000), 1012);
  } finally {
    release.resolve();
    await server.close();
  }
});

test("close() during a long drain closes the rest with 1001 at once, and the drain resolves with it", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0 }, (routes) => routes.webSocket("/x", drainIncoming));
  const clients = [await openWs(`${server.url}/x`), await openWs(`${server.url}/x`), await openWs(`${server.url}/x`)];
  const codes = clients.map((client) => new Promise<number>((resolve) => client.once("close", (code: number) => resolve(code))));
  const drained = server.drain({ spread: "10s" });
  assert.equal(await within(codes[0], 2_000), 1012, "the first session's turn is at once");
  const before = performance.now();
  await within(server.close(), 2_000, "close()");
  await within(drained, 500, "drain() after close()");
  assert.ok(performance.now() - before < 1_000);
  assert.deepEqual(await Promise.all(codes), [1012, 1001, 1001]);
});

test("drain() with no session resolves at once; close() afterwards too", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0 }, (routes) => routes.webSocket("/x", drainIncoming));
  const before = performance.now();
  await within(server.drain({ spread: "10s" }), 500, "drain()");
  await within(server.close(), 500, "close()");
  assert.ok(performance.now() - before < 500);
});

test("Reconnect: a client of a draining server is back on the next server on the same port (1012 is retried)", { timeout: 20_000 }, async () => {
  const first = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/feed", async (session) => {
      for await (const frame of session.incoming) await session.send(frame);
    }),
  );
  const port = first.port;
  let second: Awaited<ReturnType<typeof serve>> | null = null;
  const client = reconnectClient();
  const session = client.reconnectingSession(`ws://127.0.0.1:${port}/feed`);
  const log = new EventLog(session);
  try {
    await log.nth("open");
    await session.send("one");
    const echoed = await within(session.incoming.receive(), 3_000);
    assert.ok(echoed instanceof Frame.Text && echoed.readText() === "one");

    await within(first.drain({ spread: "100ms", retryAfter: "1s" }), 5_000, "drain()");
    const closed = await log.nth("closed");
    assert.equal(closed.reason?.code, 1012);
    assert.equal(closed.reason?.message, "Service restart");
    await first.close();
    second = await serve({ port }, (routes) =>
      routes.webSocket("/feed", async (s) => {
        await s.send("second server");
        for await (const frame of s.incoming) await s.send(frame);
      }),
    );

    await log.nth("open", 2, 10_000);
    const hello = await within(session.incoming.receive(), 3_000);
    assert.ok(hello instanceof Frame.Text && hello.readText() === "second server");
    await session.send("two");
    const again = await within(session.incoming.receive(), 3_000);
    assert.ok(again instanceof Frame.Text && again.readText() === "two");
    // A retry that met the draining server's 503 waited for its Retry-After.
    for (const retry of log.of("retry")) if (retry.retryAfterMillis !== null) assert.equal(retry.retryAfterMillis, 1_000);
  } finally {
    await session.close();
    client.close();
    await first.close();
    await second?.close();
  }
});

test("a drain of 2,000 reconnecting clients with spread 5s: 400 closes a second, every client back on the next server", { timeout: 60_000 }, async (t) => {
  const COUNT = 2_000;
  const feed = (routes: Parameters<Parameters<typeof serve>[1]>[0]): void =>
    routes.webSocket("/feed", async (session) => {
      for await (const frame of session.incoming) void frame;
    });
  const first = await serve({ host: "127.0.0.1", port: 0 }, feed);
  const second = await serve({ host: "127.0.0.1", port: 0 }, feed);
  // The clients' target moves to the second server when the drain starts, as a load balancer would.
  let moved = false;
  const client = reconnectClient((r) => {
    r.minDelay = "500ms";
    r.maxDelay = "2s";
  });
  let started = 0;
  let recording = true;
  const closes: number[] = [];
  const codes = new Set<number | undefined>();
  const backOnSecond: number[] = [];
  const opened = deferred<void>();
  let firstOpens = 0;
  const sessions = Array.from({ length: COUNT }, () => {
    const session = client.reconnectingSession(() => `${moved ? second.url : first.url}/feed`);
    session.on("open", (event) => {
      if (event.url.port === String(second.port)) backOnSecond.push(performance.now() - started);
      else if (++firstOpens === COUNT) opened.resolve();
    });
    session.on("closed", (event) => {
      if (started === 0 || !recording) return;
      closes.push(performance.now() - started);
      codes.add(event.reason?.code);
    });
    return session;
  });
  try {
    await within(opened.promise, 30_000, "2,000 sessions on the first server");
    started = performance.now();
    moved = true;
    await first.drain({ spread: "5s", retryAfter: "2s" });
    const drainedAfter = performance.now() - started;
    await within(
      (async () => {
        while (backOnSecond.length < COUNT) await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
      10_000,
      "every client back on the second server",
    );
    const perSecond = [0, 0, 0, 0, 0];
    for (const at of closes) perSecond[Math.min(4, Math.floor(at / 1000))]++;
    t.diagnostic(`closes per second: ${perSecond.join(", ")}; drain resolved after ${(drainedAfter / 1000).toFixed(2)} s; last client back on the second server at ${(Math.max(...backOnSecond) / 1000).toFixed(2)} s`);
    recording = false;
    assert.equal(closes.length, COUNT);
    assert.deepEqual([...codes], [1012]);
    for (const count of perSecond) assert.ok(count >= 300 && count <= 500, `closes per second: ${perSecond.join(", ")}`);
    assert.ok(Math.max(...backOnSecond) < 5_000 + 2_000 + 1_000, "a client came back later than spread + its retry wait");
  } finally {
    recording = false;
    await Promise.all(sessions.map((session) => session.close()));
    await first.close();
    await second.close();
  }
});

test("ws clients reconnecting by hand through a drain arrive on the next server spread out, not at once", { timeout: 30_000 }, async (t) => {
  const { default: WebSocket } = await import("ws");
  const COUNT = 300;
  const arrivals: number[] = [];
  let started = 0;
  const first = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/feed", async (session) => {
      for await (const frame of session.incoming) void frame;
    }),
  );
  const second = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/feed", async (session) => {
      if (started > 0) arrivals.push(performance.now() - started);
      for await (const frame of session.incoming) void frame;
    }),
  );
  const sockets = new Set<InstanceType<typeof WebSocket>>();
  let moved = false;
  // What users write with `ws`: on close, connect again at once (to wherever the service now is).
  const connect = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = new WebSocket(`${moved ? second.url : first.url}/feed`);
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("open", () => resolve());
      socket.on("close", () => {
        sockets.delete(socket);
        if (moved && started > 0) void connect();
      });
    });
  try {
    await Promise.all(Array.from({ length: COUNT }, connect));
    started = performance.now();
    moved = true;
    await first.drain({ spread: "2s" });
    await within(
      (async () => {
        while (arrivals.length < COUNT) await new Promise((resolve) => setTimeout(resolve, 20));
      })(),
      5_000,
      "every ws client on the second server",
    );
    const halves = [arrivals.filter((at) => at < 1_000).length, arrivals.filter((at) => at >= 1_000).length];
    t.diagnostic(`arrivals on the second server, first and second second of the spread: ${halves.join(", ")}`);
    // Spread by the drain: about half in each second, not all in the first instant.
    assert.ok(halves[0] >= COUNT * 0.35 && halves[0] <= COUNT * 0.65, `arrivals per second: ${halves.join(", ")}`);
    assert.ok(arrivals.filter((at) => at < 100).length <= COUNT * 0.1, "a reconnect storm at the start of the drain");
  } finally {
    moved = false;
    for (const socket of sockets) socket.terminate();
    await first.close();
    await second.close();
  }
});
