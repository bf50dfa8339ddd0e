// The reconnecting session against real sockets on 127.0.0.1: drops at chosen points, restarts,
// refusals, dead peers, hooks, target functions, signals and closing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { serve } from "../../../src/server/index.js";
import {
  Frame,
  CloseReason,
  ClosedSendChannelError,
  ConnectTimeoutError,
  ConnectionClosedError,
  PingTimeoutError,
  WebSocketHandshakeError,
  ClosedReceiveChannelError,
  PluginNotInstalledError,
  HttpClient,
  CIO,
  WebSockets,
  type DefaultWebSocketSession,
} from "../../../src/index.js";
import { ReconnectGaveUpError, type ReconnectEvent } from "../../../src/plugins/reconnect/index.js";
import { Op, encodeFrame, readClose } from "../../helpers/raw-server.js";
import { startWsPeer, within, delay } from "../../helpers/ws-peer.js";
import { EventLog, ScriptedServer, echoFrames, reconnectClient } from "./helpers.js";

const T = { timeout: 20_000 };

async function nextText(session: { incoming: { receive(): Promise<Frame> } }, millis = 5_000): Promise<string> {
  const frame = await within(session.incoming.receive(), millis, "a message");
  assert.ok(frame instanceof Frame.Text, `expected text, got ${String(frame)}`);
  return frame.readText();
}

describe("reconnectingSession", () => {
  test("needs both WebSockets and Reconnect", () => {
    const plain = new HttpClient(CIO, (config) => config.install(WebSockets));
    assert.throws(() => plain.reconnectingSession("ws://127.0.0.1:1/"), PluginNotInstalledError);
    const none = new HttpClient(CIO);
    assert.throws(() => none.reconnectingSession("ws://127.0.0.1:1/"), PluginNotInstalledError);
    const closed = reconnectClient();
    closed.close();
    assert.throws(() => closed.reconnectingSession("ws://127.0.0.1:1/"), /The HttpClient is closed/);
    return assert.rejects(plain.reconnectingWebSocket("ws://127.0.0.1:1/", () => 1), PluginNotInstalledError);
  });

  test("a malformed static target or option throws at once", () => {
    const client = reconnectClient();
    assert.throws(() => client.reconnectingSession("ftp://127.0.0.1/"), TypeError);
    assert.throws(() => client.reconnectingSession("ws://127.0.0.1:1/", { maxAttempts: 0 }), RangeError);
    assert.throws(() => client.reconnectingSession("ws://127.0.0.1:1/", { minDelay: "2s", maxDelay: "1s" }), RangeError);
    assert.throws(() => client.reconnectingSession("ws://127.0.0.1:1/", { onQueueOverflow: "bounce" as "fail" }), RangeError);
  });

  test("keeps one incoming and one outgoing across drops; onOpen re-subscribes on every connection", T, async () => {
    const subscriptions: string[] = [];
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      const first = await connection.readFrame();
      subscriptions.push(first?.payload.toString() ?? "none");
      if (first) connection.sendFrame({ opcode: Op.TEXT, payload: first.payload });
      // m2 and m4 are received, then the TCP connection is cut without a Close.
      const end = await echoFrames(connection, (payload) => ["m2", "m4"].includes(payload.toString()));
      if (end === "stopped") connection.destroy();
    });
    const client = reconnectClient((r) => (r.minUptime = "10s"));
    const session = client.reconnectingSession(server.url, {
      onOpen: async (s) => {
        await s.send("subscribe");
        assert.equal(await nextText(s), "subscribe"); // request/response on the raw session, before anything queued
      },
    });
    const log = new EventLog(session);
    try {
      const received: string[] = [];
      let drops = 0;
      for (let i = 0; i < 8; i++) {
        await session.send(`m${i}`);
        if (i === 2 || i === 4) {
          // Never echoed: the server drops the connection. Wait until the session has noticed.
          await log.nth("closed", ++drops);
          continue;
        }
        received.push(await nextText(session));
      }
      assert.deepEqual(received, ["m0", "m1", "m3", "m5", "m6", "m7"]);
      assert.equal(log.of("open").length, 3);
      assert.deepEqual(subscriptions, ["subscribe", "subscribe", "subscribe"]);
      const closed = log.of("closed");
      assert.equal(closed[0].reason?.code, 1006);
      assert.ok(closed[0].error instanceof ConnectionClosedError, String(closed[0].error));
      assert.equal(session.state, "open");
      // The events came in a sensible order.
      assert.deepEqual(log.types.slice(0, 5), ["connecting", "open", "closed", "retry", "connecting"]);
      const retry = log.of("retry")[0];
      assert.ok(retry.delayMillis >= 0 && retry.delayMillis < 20, `first retry within [0, minDelay): ${retry.delayMillis}`);
      assert.equal(retry.attempt, 2, "a connection that dropped before minUptime counts as a failed attempt");
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
    assert.equal(session.state, "closed");
    assert.equal(log.types.at(-1), "ended");
    assert.equal((await session.closeReason)?.code, 1000);
  });

  test("survives drops mid-frame, mid-handshake, before the answer, and after N messages", T, async () => {
    const plan = ["mid-frame", "mid-handshake", "no-answer", "after-2", "ok"] as const;
    const server = await ScriptedServer.start(async (connection, index) => {
      const step = plan[Math.min(index, plan.length - 1)];
      if (step === "no-answer") {
        await connection.request;
        connection.destroy();
        return;
      }
      if (step === "mid-handshake") {
        const request = await connection.request;
        assert.ok(request);
        connection.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs");
        connection.destroy();
        return;
      }
      await connection.accept();
      if (step === "mid-frame") {
        connection.write(encodeFrame({ opcode: Op.TEXT, payload: "a frame cut in half" }).subarray(0, 7));
        await delay(10);
        connection.destroy();
        return;
      }
      const end = await echoFrames(connection, (_p, count) => step === "after-2" && count === 3);
      if (end === "stopped") connection.destroy();
    });
    const client = reconnectClient((r) => (r.minUptime = "10s"));
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      await log.nth("open", 2); // mid-frame, then (after two failures) after-2
      await session.send("one");
      assert.equal(await nextText(session), "one");
      await session.send("two");
      assert.equal(await nextText(session), "two");
      await session.send("three"); // received, never echoed: the connection is cut
      await log.nth("open", 3);
      const failures = log.of("failed").map((e) => e.error);
      assert.equal(failures.length, 2, failures.map(String).join("; "));
      assert.ok(failures.every((e) => e instanceof WebSocketHandshakeError && e.status === 0), failures.map(String).join("; "));
      assert.ok(log.of("closed")[0].error instanceof ConnectionClosedError);
      // The streak was never reset (minUptime 10 s), so attempts kept counting and delays grew.
      assert.deepEqual(log.of("connecting").map((e) => e.attempt).slice(0, 4), [1, 2, 3, 4]);
      // On the "after-2" connection, two messages echo, the third is cut.
      const third = log.of("open")[1];
      assert.equal(third.attempt, 4);
      await session.send("four");
      assert.equal(await nextText(session), "four");
      assert.equal(server.connections.length, 5);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("reconnects after the server restarts on the same port; messages sent meanwhile arrive in order", T, async () => {
    const seen: string[] = [];
    const routes = (routing: Parameters<Parameters<typeof serve>[1]>[0]): void => {
      routing.webSocket("/echo", async (s) => {
        for await (const frame of s.incoming) {
          if (frame instanceof Frame.Text) seen.push(frame.readText());
          await s.send(frame);
        }
      });
    };
    let server = await serve({ host: "127.0.0.1", port: 0 }, routes);
    const port = server.port;
    const client = reconnectClient();
    const session = client.reconnectingSession(`ws://127.0.0.1:${port}/echo`);
    const log = new EventLog(session);
    try {
      await session.send("before");
      assert.equal(await nextText(session), "before");
      await server.close(); // every session gets 1001
      const closed = await log.nth("closed");
      assert.equal(closed.reason?.code, 1001);
      await log.nth("failed"); // refused while the server is down
      for (let i = 0; i < 5; i++) await session.send(`queued ${i}`);
      assert.ok(session.queuedMessages > 0 || log.of("open").length > 1);
      server = await serve({ host: "127.0.0.1", port }, routes);
      await log.nth("open", 2);
      for (let i = 0; i < 5; i++) assert.equal(await nextText(session), `queued ${i}`);
      assert.deepEqual(seen, ["before", "queued 0", "queued 1", "queued 2", "queued 3", "queued 4"]);
    } finally {
      await session.close();
      client.close();
      await server.close();
    }
  });

  test("a 503 with Retry-After (seconds) is honoured, then the session connects", T, async () => {
    const server = await ScriptedServer.start(async (connection, index) => {
      if (index === 0) {
        await connection.accept({ statusLine: "HTTP/1.1 503 Service Unavailable", headers: { "Retry-After": "1", "Content-Length": "0" } });
        connection.end();
        return;
      }
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient((r) => (r.minDelay = "10ms"));
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      await log.nth("open");
      const retry = log.of("retry")[0];
      assert.equal(retry.retryAfterMillis, 1000);
      assert.ok(retry.delayMillis >= 1000 && retry.delayMillis < 1010, String(retry.delayMillis));
      const [first, second] = log.timesOf("connecting");
      assert.ok(second - first >= 990, `the second attempt came ${second - first} ms after the first`);
      const failed = log.of("failed")[0].error;
      assert.ok(failed instanceof WebSocketHandshakeError && failed.status === 503);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("a 429 with Retry-After as an HTTP date is honoured; maxRetryAfter caps it", T, async () => {
    const at = new Date(Date.now() + 3_000).toUTCString();
    const server = await ScriptedServer.start(async (connection, index) => {
      if (index === 0) {
        await connection.accept({ statusLine: "HTTP/1.1 429 Too Many Requests", headers: { "Retry-After": at, "Content-Length": "0" } });
        connection.end();
        return;
      }
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient((r) => (r.minDelay = "10ms"));
    const session = client.reconnectingSession(server.url, { maxRetryAfter: "1500ms" });
    const log = new EventLog(session);
    try {
      await log.nth("open");
      const retry = log.of("retry")[0];
      assert.equal(retry.retryAfterMillis, 1500, "3 s asked, cut to maxRetryAfter");
      const [first, second] = log.timesOf("connecting");
      assert.ok(second - first >= 1490, `the second attempt came ${second - first} ms after the first`);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("a 4xx answer is not retried: gaveUp, and incoming fails with ReconnectGaveUpError", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept({ statusLine: "HTTP/1.1 403 Forbidden", headers: { "Content-Length": "6" }, then: Buffer.from("nope!\n") });
      connection.end();
    });
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      const error = await within(session.incoming.receive().then(() => null, (e: unknown) => e), 5_000, "incoming to end");
      assert.ok(error instanceof ClosedReceiveChannelError);
      assert.ok(error.cause instanceof ReconnectGaveUpError);
      assert.equal(error.cause.why, "policy");
      assert.ok(error.cause.cause instanceof WebSocketHandshakeError && error.cause.cause.status === 403);
      assert.deepEqual(log.types, ["connecting", "failed", "gaveUp", "ended"]);
      assert.equal(server.connections.length, 1);
      assert.equal(session.state, "closed");
      await assert.rejects(session.send("late"), ClosedSendChannelError);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  for (const [code, retried] of [
    [1000, false],
    [1008, false],
    [1002, false],
    [4000, false],
    [1001, true],
    [1011, true],
    [1012, true],
    [1013, true],
  ] as const) {
    test(`the server's close ${code} is ${retried ? "" : "not "}retried`, T, async () => {
      const server = await ScriptedServer.start(async (connection, index) => {
        await connection.accept();
        if (index === 0) {
          connection.sendClose(code, "by the server");
          await connection.expectClose();
          connection.end();
          return;
        }
        await echoFrames(connection);
      });
      const client = reconnectClient();
      const session = client.reconnectingSession(server.url);
      const log = new EventLog(session);
      try {
        if (retried) {
          await log.nth("open", 2);
          assert.equal(log.of("closed")[0].reason?.code, code);
        } else {
          const ended = await within(session.ended, 5_000, "the end");
          assert.equal(ended.reason?.code, code);
          // The peer's decision ends incoming normally.
          assert.equal(ended.error, null);
          for await (const _ of session.incoming) assert.fail("nothing was sent");
          assert.equal(log.of("gaveUp")[0].why, "policy");
          assert.equal(server.connections.length, 1);
        }
      } finally {
        await session.close();
        client.close();
        await server.stop();
      }
    });
  }

  test("a dead peer (no pongs) is found by the ping timeout and replaced", T, async () => {
    let connections = 0;
    const peer = await startWsPeer(
      (socket) => {
        // The first connection never answers pings; later ones do.
        if (++connections > 1) socket.on("ping", (data) => socket.pong(data));
        socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
      },
      { autoPong: false },
    );
    const client = reconnectClient(undefined, (ws) => (ws.pingInterval = "50ms"));
    const session = client.reconnectingSession(peer.url);
    const log = new EventLog(session);
    try {
      await log.nth("open", 2);
      const closed = log.of("closed")[0];
      assert.ok(closed.error instanceof PingTimeoutError, String(closed.error));
      assert.equal(closed.reason?.code, 1011);
      await session.send("alive");
      assert.equal(await nextText(session), "alive");
      await delay(300);
      assert.equal(log.of("open").length, 2, "the live peer is kept");
    } finally {
      await session.close();
      client.close();
      await peer.close();
    }
  });

  test("connectTimeout bounds an attempt that never gets an answer", T, async () => {
    const server = await ScriptedServer.start(async (connection, index) => {
      if (index === 0) return; // accept TCP, never answer
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient((r) => (r.connectTimeout = "200ms"));
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      await log.nth("open");
      const failed = log.of("failed")[0];
      assert.ok(failed.error instanceof ConnectTimeoutError, String(failed.error));
      const [first, second] = log.timesOf("connecting");
      assert.ok(second - first >= 190 && second - first < 2_000, String(second - first));
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("maxAttempts: gives up after that many failures in a row", T, async () => {
    const server = await ScriptedServer.start(() => {});
    const url = server.url;
    await server.stop(); // nothing listens: ECONNREFUSED
    const client = reconnectClient((r) => (r.maxAttempts = 3));
    const session = client.reconnectingSession(url);
    const log = new EventLog(session);
    const ended = await within(session.ended, 5_000, "giving up");
    assert.deepEqual(log.types, ["connecting", "failed", "retry", "connecting", "failed", "retry", "connecting", "failed", "gaveUp", "ended"]);
    assert.equal((log.of("failed")[0].error as { systemCode?: string }).systemCode, "ECONNREFUSED");
    const gaveUp = log.of("gaveUp")[0];
    assert.equal(gaveUp.why, "maxAttempts");
    assert.equal(gaveUp.attempts, 3);
    assert.ok(ended.error instanceof ReconnectGaveUpError);
    assert.equal(ended.reason, null, "no connection ever opened");
    // The bound of the wait doubles: [0, 20) then [0, 40).
    const delays = log.of("retry").map((e) => e.delayMillis);
    assert.ok(delays[0] < 20 && delays[1] < 40, String(delays));
    client.close();
  });

  test("minUptime: connections that drop at once count as failures; one that stays up resets the streak", T, async () => {
    const server = await ScriptedServer.start(async (connection, index) => {
      await connection.accept();
      if (index < 3) {
        connection.destroy();
        return;
      }
      // The 4th stays up 300 ms, then drops; the 5th is fine.
      if (index === 3) {
        await delay(300);
        connection.destroy();
        return;
      }
      await echoFrames(connection);
    });
    const client = reconnectClient((r) => (r.minUptime = "150ms"));
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      await log.nth("open", 5);
      assert.deepEqual(
        log.of("connecting").map((e) => e.attempt),
        [1, 2, 3, 4, 1],
      );
      const retries = log.of("retry").map((e) => e.attempt);
      assert.deepEqual(retries, [2, 3, 4, 1]);
    } finally {
      await session.close();
      client.close();
      await server.stop();
    }
  });

  test("a target function is called before every attempt (fresh token); sync and async", T, async () => {
    const tokens: (string | null)[] = [];
    const server = await ScriptedServer.start(async (connection, index) => {
      const request = await connection.request;
      tokens.push(request.headers.get("authorization"));
      await connection.accept();
      if (index < 2) connection.destroy();
      else await echoFrames(connection);
    });
    const client = reconnectClient();
    const calls: number[] = [];
    const session = client.reconnectingSession(async ({ attempt, signal }) => {
      assert.ok(signal instanceof AbortSignal);
      calls.push(attempt);
      await delay(5);
      return { url: `${server.url}/feed`, headers: { Authorization: `Bearer token-${calls.length}` } };
    });
    const log = new EventLog(session);
    try {
      await log.nth("open", 3);
      assert.deepEqual(tokens, ["Bearer token-1", "Bearer token-2", "Bearer token-3"]);
      assert.equal(calls.length, 3);
    } finally {
      await session.close();
      await server.stop();
    }
    // A sync function that throws: the error goes to the policy (not a network error: gave up).
    const failing = client.reconnectingSession(() => {
      throw new Error("no token");
    });
    const ended = await within(failing.ended, 5_000, "giving up");
    assert.ok(ended.error instanceof ReconnectGaveUpError);
    assert.equal((ended.error.cause as Error).message, "no token");
    client.close();
  });

  test("close() while retrying stops at once; queued messages are reported unsent", T, async () => {
    const server = await ScriptedServer.start(() => {});
    const url = server.url;
    await server.stop();
    const client = reconnectClient((r) => {
      r.minDelay = "5s";
      r.maxDelay = "5s";
      r.random = () => 0.99;
    });
    const session = client.reconnectingSession(url);
    const log = new EventLog(session);
    await log.nth("retry");
    assert.equal(session.state, "retrying");
    await session.send("never sent");
    const started = Date.now();
    await session.close();
    assert.ok(Date.now() - started < 500);
    const ended = log.of("ended")[0];
    assert.deepEqual(ended.unsent.map((f) => (f as Frame.Text).readText()), ["never sent"]);
    assert.equal(ended.error, null);
    assert.equal(ended.reason?.code, 1000, "the reason given to close()");
    assert.equal(log.of("connecting").length, 1);
    client.close();
  });

  test("close() while connecting aborts the attempt", T, async () => {
    const server = await ScriptedServer.start(() => {}); // never answers
    const client = reconnectClient((r) => (r.connectTimeout = "10s"));
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    await server.nextConnection();
    assert.equal(session.state, "connecting");
    const started = Date.now();
    await session.close();
    assert.ok(Date.now() - started < 500);
    assert.deepEqual(log.types, ["connecting", "ended"]);
    await within(server.connections[0].closed, 2_000, "the attempt's socket to close");
    client.close();
    await server.stop();
  });

  test("close() while open sends what is queued, then closes with the reason", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
    });
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    const connection = await server.nextConnection();
    await log.nth("open");
    for (let i = 0; i < 100; i++) void session.send(`q${i}`);
    const closing = session.close(new CloseReason(4001, "done here"));
    const texts: string[] = [];
    for (;;) {
      const frame = await connection.readFrame();
      assert.ok(frame);
      if (frame.opcode === Op.CLOSE) {
        assert.deepEqual(readClose(frame), { code: 4001, reason: "done here" });
        connection.sendClose(4001, "done here");
        connection.end();
        break;
      }
      texts.push(frame.payload.toString());
    }
    await closing;
    assert.deepEqual(texts, Array.from({ length: 100 }, (_, i) => `q${i}`));
    const closed = log.of("closed")[0];
    assert.deepEqual(closed.unconfirmed, []);
    assert.equal((await session.closeReason)?.code, 4001);
    assert.deepEqual(log.of("ended")[0].unsent, []);
    client.close();
    await server.stop();
  });

  test("an AbortSignal stops it: while waiting to retry, and while open (1001)", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient();
    const controller = new AbortController();
    const session = client.reconnectingSession(server.url, { signal: controller.signal });
    const log = new EventLog(session);
    await log.nth("open");
    const connection = server.connections[0];
    controller.abort(new Error("user left"));
    const ended = await within(session.ended, 5_000, "the end");
    assert.equal((ended.error as Error).message, "user left");
    assert.equal(ended.reason?.code, 1001);
    await within(connection.closed, 2_000, "the connection to close");

    // Aborted while waiting for a retry.
    const url = server.url;
    await server.stop();
    const controller2 = new AbortController();
    const waiting = client.reconnectingSession(url, { signal: controller2.signal, minDelay: "10s", maxDelay: "10s" });
    const log2 = new EventLog(waiting);
    await log2.nth("retry");
    controller2.abort();
    await within(waiting.ended, 1_000, "the end");
    assert.equal(log2.of("connecting").length, 1);
    // Already aborted: throws at once.
    assert.throws(() => client.reconnectingSession(url, { signal: AbortSignal.abort(new Error("too late")) }), /too late/);
    client.close();
  });

  test("await using closes it at the end of the scope; events() iterates typed events and ends", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient();
    let kept: { state: string; ended: Promise<unknown> };
    const collected: ReconnectEvent["type"][] = [];
    let iterating: Promise<void>;
    {
      await using session = client.reconnectingSession(server.url);
      kept = session;
      const events = session.events();
      iterating = (async () => {
        for await (const event of events) {
          collected.push(event.type);
          if (event.type === "open") assert.ok(event.url instanceof URL);
        }
      })();
      await session.send("x");
      assert.equal(await nextText(session), "x");
    }
    assert.equal(kept.state, "closed");
    await within(iterating, 2_000, "the iterator to end");
    assert.deepEqual(collected, ["connecting", "open", "closed", "ended"]);
    client.close();
    await server.stop();
  });

  test("terminate() cuts the open connection at once; close() refuses a code that cannot be sent", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url);
    const log = new EventLog(session);
    try {
      await log.nth("open");
      await assert.rejects(session.close(new CloseReason(1006, "")), RangeError);
      assert.equal(session.state, "open");
      await session.send("queued?");
      session.terminate();
      const ended = await within(session.ended, 2_000, "the end");
      assert.equal(ended.reason?.code, 1006);
      await within(server.connections[0].closed, 2_000, "the socket to close");
      assert.ok(server.connections[0].eof);
      assert.equal(log.of("connecting").length, 1);
    } finally {
      client.close();
      await server.stop();
    }
  });

  test("close() from a retry or connecting listener stops before the wait or the attempt", T, async () => {
    const server = await ScriptedServer.start(() => {});
    const url = server.url;
    await server.stop();
    const client = reconnectClient((r) => {
      r.minDelay = "10s";
      r.maxDelay = "10s";
    });
    const fromRetry = client.reconnectingSession(url);
    fromRetry.on("retry", () => void fromRetry.close());
    const started = Date.now();
    await within(fromRetry.ended, 2_000, "the end");
    const silent = await ScriptedServer.start(() => {});
    const fromConnecting = client.reconnectingSession(silent.url, { connectTimeout: "10s" });
    fromConnecting.on("connecting", () => void fromConnecting.close());
    await within(fromConnecting.ended, 2_000, "the end");
    assert.ok(Date.now() - started < 1_000);
    client.close();
    await silent.stop();
  });

  test("an onOpen hook that throws: the connection closes with 1011 and the error goes to the policy", T, async () => {
    const closes: (number | null)[] = [];
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      const close = await connection.expectClose();
      closes.push(close.code);
      connection.sendClose(close.code ?? 1000);
      connection.end();
    });
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url, {
      onOpen: () => {
        throw new Error("cannot subscribe");
      },
    });
    const log = new EventLog(session);
    try {
      const ended = await within(session.ended, 5_000, "the end");
      assert.deepEqual(log.types, ["connecting", "failed", "gaveUp", "ended"]);
      assert.equal((log.of("failed")[0].error as Error).message, "cannot subscribe");
      assert.ok(ended.error instanceof ReconnectGaveUpError);
      assert.deepEqual(closes, [1011]);
    } finally {
      client.close();
      await server.stop();
    }
  });

  test("close() while an onOpen hook waits for an answer closes at once; the queue is not sent", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      // Reads, never answers a message; answers the Close.
      const close = await connection.expectClose(10_000).catch(() => null);
      if (close) connection.sendClose(close.code ?? 1000);
      connection.end();
    });
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url, {
      onOpen: async (s) => {
        await s.send("auth");
        await s.incoming.receive(); // no answer comes
      },
    });
    const log = new EventLog(session);
    try {
      const connection = await server.nextConnection();
      await session.send("after auth");
      await delay(50);
      assert.equal(session.state, "connecting");
      const started = Date.now();
      await session.close();
      assert.ok(Date.now() - started < 1_000, `closed in ${Date.now() - started} ms`);
      const ended = log.of("ended")[0];
      assert.deepEqual(ended.unsent.map((f) => (f as Frame.Text).readText()), ["after auth"]);
      assert.ok(!log.types.includes("open") && !log.types.includes("failed"), log.types.join(", "));
      await within(connection.closed, 2_000, "the connection to close");
    } finally {
      client.close();
      await server.stop();
    }
  });

  test("the block form runs, closes with 1000 and returns the block's value; a throwing block closes with 1011", T, async () => {
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      await echoFrames(connection);
    });
    const client = reconnectClient();
    try {
      const value = await client.reconnectingWebSocket(server.url, async (session) => {
        await session.send("ping?");
        return nextText(session);
      });
      assert.equal(value, "ping?");
      let seen: DefaultWebSocketSession | null = null;
      await assert.rejects(
        client.reconnectingWebSocket(server.url, { maxAttempts: 1 }, async (session) => {
          const open = await new Promise<DefaultWebSocketSession>((resolve) => session.on("open", (e) => resolve(e.session)));
          seen = open;
          throw new Error("block failed");
        }),
        /block failed/,
      );
      assert.equal((await seen!.closeReason)?.code, 1011);
    } finally {
      client.close();
      await server.stop();
    }
  });
});
