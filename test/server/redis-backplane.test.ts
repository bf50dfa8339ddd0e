// kite-ws/server/redis: server.publish on one process reaches the subscribers of every process
// sharing a Redis (its own redis-server per file, on a free port), text and bytes unchanged, once
// each; while Redis is down each process still delivers to its own subscribers, onError hears of
// it, nothing throws into a handler, and the fan-out comes back with Redis.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { serve, type ServeOptions, type WebSocketServer } from "../../src/server/index.js";
import { redisBackplane } from "../../src/server/redis/index.js";
import { feedHandler } from "../helpers/backplane-feed.js";
import { freePort, startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { spawnOwned, type Spawned } from "../helpers/spawned.js";
import { delay, waitFor, within } from "../helpers/ws-peer.js";

const T = { timeout: 30_000 };

interface Received {
  readonly text: string | null;
  readonly bytes: Uint8Array | null;
}

interface Listener {
  readonly socket: WebSocket;
  readonly messages: Received[];
  texts(): string[];
}

/** A `ws` client of `/feed?topics=...` that keeps what it gets after "ready". */
async function listener(url: string): Promise<Listener> {
  const socket = new WebSocket(url);
  const messages: Received[] = [];
  socket.on("error", () => {});
  await within(new Promise<void>((resolve) => {
    socket.on("message", (data, binary) => {
      if (!binary && data.toString() === "ready" && messages.length === 0) return resolve();
      messages.push(binary ? { text: null, bytes: new Uint8Array(data as Buffer) } : { text: data.toString(), bytes: null });
    });
  }), 5_000, "the server's ready");
  return { socket, messages, texts: () => messages.flatMap((m) => (m.text === null ? [] : [m.text])) };
}

/** A kite-ws server in this process with a Redis backplane; `errors` gets what onError got, `failures` what its handlers saw thrown. */
async function backplaneServer(redisUrl: string, options: ServeOptions = {}) {
  const errors: unknown[] = [];
  const failures: unknown[] = [];
  let server: WebSocketServer | null = null;
  server = await serve(
    { host: "127.0.0.1", port: 0, backplane: redisBackplane({ url: redisUrl }), onError: (error) => errors.push(error), ...options },
    (routes) => routes.webSocket("/feed", feedHandler(() => server!, failures)),
  );
  return { server, errors, failures };
}

/** test/helpers/backplane-server.ts in a child process. */
async function childServer(redisUrl: string): Promise<{ child: Spawned; url: string }> {
  const script = fileURLToPath(new URL("../helpers/backplane-server.js", import.meta.url));
  const child = spawnOwned(process.execPath, [script, redisUrl]);
  try {
    const [, port] = await child.waitForOutput("stdout", /listening (\d+)/, 10_000, "the child server");
    return { child, url: `ws://127.0.0.1:${port}` };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

describe("redis backplane", () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedisServer();
  });
  after(async () => {
    await redis?.stop();
  });

  test("publish in one process reaches subscribers in another, text and bytes unchanged, once each", T, async () => {
    const local = await backplaneServer(redis.url);
    const remote = await childServer(redis.url);
    try {
      const here = await listener(`${local.server.url}/feed?topics=prices`);
      const there = await listener(`${remote.url}/feed?topics=prices`);
      const bytes = Uint8Array.from({ length: 300 }, (_, n) => (n * 7) & 0xff);
      bytes[0] = 0x00;
      bytes[1] = 0xff;
      // Local subscribers get it at once, publish counts them.
      assert.equal(local.server.publish("prices", "tick é 1"), 1);
      assert.equal(local.server.publish("prices", bytes), 1);
      assert.equal(local.server.publish("other", "nobody here"), 0);
      await waitFor(() => there.messages.length >= 2, 5_000, "the remote process's subscriber");
      // And from the child process, through a handler there.
      there.socket.send("pub:prices:from the child");
      await waitFor(() => here.texts().includes("from the child") && there.texts().includes("from the child"), 5_000, "the child's message on both");
      await delay(200); // room for a duplicate to arrive
      for (const client of [here, there]) {
        assert.deepEqual(client.messages.map((m) => m.text ?? `bytes:${m.bytes!.length}`), ["tick é 1", "bytes:300", "from the child"]);
        assert.deepEqual(client.messages[1].bytes, bytes);
      }
      assert.deepEqual(local.errors, []);
      assert.deepEqual(remote.child.tail().stderr, "");
      for (const client of [here, there]) client.socket.close();
    } finally {
      await remote.child.stop();
      await local.server.close();
    }
  });

  test("two servers in one process each deliver to their own subscribers once, and to each other", T, async () => {
    const a = await backplaneServer(redis.url);
    const b = await backplaneServer(redis.url);
    try {
      const onA = await listener(`${a.server.url}/feed?topics=t`);
      const onB = await listener(`${b.server.url}/feed?topics=t`);
      onB.socket.send("pubbin:t:00ff10");
      onA.socket.send("pub:t:from a");
      await waitFor(() => onA.messages.length >= 2 && onB.messages.length >= 2, 5_000, "both messages on both");
      await delay(200);
      for (const client of [onA, onB]) {
        assert.equal(client.messages.length, 2);
        assert.deepEqual(client.messages.find((m) => m.bytes !== null)?.bytes, new Uint8Array([0x00, 0xff, 0x10]));
        assert.deepEqual(client.texts(), ["from a"]);
      }
      for (const client of [onA, onB]) client.socket.close();
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  test("Redis down: local delivery goes on, onError is told, no handler sees an error; remote delivery resumes after a restart", T, async () => {
    // Two server processes: this one, and a child with its own Redis connections.
    const a = await backplaneServer(redis.url);
    const b = await childServer(redis.url);
    try {
      const onA = await listener(`${a.server.url}/feed?topics=news`);
      const onB = await listener(`${b.url}/feed?topics=news`);
      onA.socket.send("pub:news:before");
      await waitFor(() => onB.texts().includes("before"), 5_000, "the message before the outage");

      await redis.stop();
      await waitFor(() => a.errors.length > 0 && /onError:/.test(b.child.tail().stderr), 5_000, "onError in both processes");
      // Published from a handler and from outside while Redis is away: never thrown, delivered here.
      onA.socket.send("pub:news:during (handler)");
      assert.equal(a.server.publish("news", "during"), 1);
      await waitFor(() => onA.texts().includes("during (handler)") && onA.texts().includes("during"), 5_000, "local delivery while Redis is down");
      onB.socket.send("pub:news:during in the child");
      await waitFor(() => onB.texts().includes("during in the child"), 5_000, "local delivery in the child while Redis is down");

      await redis.restart();
      // Poll until the fan-out is back (both processes reconnect and resubscribe by themselves).
      let n = 0;
      await waitFor(() => {
        a.server.publish("news", `after ${n++}`);
        return onB.texts().some((text) => text.startsWith("after "));
      }, 10_000, "remote delivery after the restart");
      // And the other way round.
      onB.socket.send("pub:news:back from b");
      await waitFor(() => onA.texts().includes("back from b"), 5_000, "b's message on a");

      assert.deepEqual(a.failures, []);
      assert.doesNotMatch(b.child.tail().stderr, /handler failure/);
      for (const error of a.errors) assert.match(String((error as Error).message), /^kite-ws\/server\/redis: the (publishing|subscribing) connection to Redis failed; retrying$/);
      for (const line of b.child.tail().stderr.split("\n").filter((l) => l.startsWith("onError:"))) {
        assert.match(line, /^onError: Error: kite-ws\/server\/redis: the (publishing|subscribing) connection to Redis failed; retrying$/);
      }
      assert.ok(onA.socket.readyState === WebSocket.OPEN && onB.socket.readyState === WebSocket.OPEN, "no session was closed");
      assert.ok(!onA.texts().includes("during in the child") && !onB.texts().includes("during (handler)"), "nothing published while Redis was away crossed over");
      for (const client of [onA, onB]) client.socket.close();
    } finally {
      await b.child.stop();
      await a.server.close();
    }
  });

  test("Redis not there at startup: serve() resolves after the first failed attempt, onError is told, close() does not hang", T, async () => {
    const nowhere = await freePort();
    const started = Date.now();
    const { server, errors } = await backplaneServer(`redis://127.0.0.1:${nowhere}`);
    try {
      assert.ok(Date.now() - started < 5_000, "serve() did not wait for Redis");
      assert.ok(errors.length > 0, "onError got the failed connection");
      const onServer = await listener(`${server.url}/feed?topics=solo`);
      assert.equal(server.publish("solo", "local only"), 1);
      await waitFor(() => onServer.texts().includes("local only"), 3_000, "local delivery without Redis");
      onServer.socket.close();
    } finally {
      await within(server.close(), 900, "close() without Redis (not the 1 s grace for pending publishes)");
    }
  });

  test("the backplane option and redisBackplane's options are checked", () => {
    assert.throws(() => redisBackplane({ url: "http://127.0.0.1:6379" }), /url must be a redis:\/\/ or rediss:\/\/ URL/);
    assert.throws(() => redisBackplane({ url: "redis://127.0.0.1", channelPrefix: 3 as unknown as string }), /channelPrefix/);
    assert.throws(() => redisBackplane(null as unknown as { url: string }), TypeError);
    return assert.rejects(serve({ backplane: {} as never }, () => {}), /backplane must have start\(\), publish\(\) and close\(\)/);
  });
});
