// The Reconnect plugin's configuration, the default policy table, Retry-After parsing and the
// backoff's bounds (pure functions: no sockets needed).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  CIO,
  WebSockets,
  CloseReason,
  WebSocketHandshakeError,
  ConnectionClosedError,
  ConnectTimeoutError,
  ConnectError,
  TlsError,
  PingTimeoutError,
  ProtocolViolationError,
  FrameTooBigError,
  ClosedReceiveChannelError,
} from "../../../src/index.js";
import { Reconnect, ReconnectConfig, defaultShouldReconnect, retryAfterMillis } from "../../../src/plugins/reconnect/index.js";
import { backoffDelay } from "../../../src/plugins/reconnect/policy.js";
import { seeded } from "./helpers.js";

function handshakeError(status: number, headers: Record<string, string> = {}): WebSocketHandshakeError {
  return new WebSocketHandshakeError(`status ${status}`, { status, statusText: "", headers: new Headers(headers) });
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe("Reconnect configuration", () => {
  test("defaults", () => {
    const config = new ReconnectConfig();
    assert.equal(config.minDelay, 500);
    assert.equal(config.maxDelay, 30_000);
    assert.equal(config.factor, 2);
    assert.equal(config.maxAttempts, Infinity);
    assert.equal(config.connectTimeout, 10_000);
    assert.equal(config.minUptime, 5_000);
    assert.equal(config.maxRetryAfter, 300_000);
    assert.deepEqual(config.maxQueued, { messages: 1024, bytes: 8 * 1024 * 1024 });
    assert.equal(config.onQueueOverflow, "suspend");
    assert.equal(config.shouldReconnect, defaultShouldReconnect);
  });

  test("the issue's block is accepted; durations go through toMillis", () => {
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.install(Reconnect, (r) => {
        r.minDelay = "500ms";
        r.maxDelay = "30s";
        r.factor = 2;
        r.maxAttempts = Infinity;
        r.connectTimeout = "10s";
        r.minUptime = "5s";
        r.shouldReconnect = (cause) => defaultShouldReconnect(cause);
        r.maxQueued = { messages: 100 };
        r.onQueueOverflow = "drop-oldest";
      });
    });
    const settings = client.plugin(Reconnect);
    assert.equal(settings.minDelayMillis, 500);
    assert.equal(settings.maxDelayMillis, 30_000);
    assert.equal(settings.connectTimeoutMillis, 10_000);
    assert.equal(settings.minUptimeMillis, 5_000);
    assert.deepEqual(settings.maxQueued, { messages: 100, bytes: 8 * 1024 * 1024 });
    assert.equal(settings.onQueueOverflow, "drop-oldest");
    assert.ok(Object.isFrozen(settings));
  });

  test("each setter refuses a bad value at once, naming the setting", () => {
    const config = new ReconnectConfig();
    const bad: [string, () => void, RegExp][] = [
      ["minDelay 0", () => (config.minDelay = 0), /minDelay/],
      ["minDelay text", () => (config.minDelay = "soon" as "1s"), /minDelay/],
      ["maxDelay negative", () => (config.maxDelay = -1), /maxDelay/],
      ["factor < 1", () => (config.factor = 0.5), /factor/],
      ["factor NaN", () => (config.factor = NaN), /factor/],
      ["maxAttempts 0", () => (config.maxAttempts = 0), /maxAttempts/],
      ["maxAttempts 1.5", () => (config.maxAttempts = 1.5), /maxAttempts/],
      ["connectTimeout 0", () => (config.connectTimeout = 0), /connectTimeout/],
      ["minUptime", () => (config.minUptime = "5 days" as "5s"), /minUptime/],
      ["maxRetryAfter", () => (config.maxRetryAfter = -5), /maxRetryAfter/],
      ["maxQueued.messages", () => (config.maxQueued = { messages: 0 }), /maxQueued\.messages/],
      ["maxQueued.bytes", () => (config.maxQueued = { bytes: 1.5 }), /maxQueued\.bytes/],
      ["onQueueOverflow", () => (config.onQueueOverflow = "close" as "fail"), /onQueueOverflow/],
    ];
    for (const [what, set, message] of bad) assert.throws(set, message, what);
    assert.throws(() => (config.shouldReconnect = "yes" as unknown as () => boolean), TypeError);
    assert.throws(() => (config.random = null as unknown as () => number), TypeError);
    // Nothing bad was kept.
    assert.equal(config.minDelay, 500);
    config.connectTimeout = null;
    assert.equal(config.connectTimeout, null);
  });

  test("each duration has a ...Millis twin taking a number only; both read as milliseconds", () => {
    const config = new ReconnectConfig();
    const twins: [string, number][] = [
      ["minDelay", 250],
      ["maxDelay", 60_000],
      ["connectTimeout", 2_000],
      ["minUptime", 0],
      ["maxRetryAfter", 0],
    ];
    const fields = config as unknown as Record<string, unknown>;
    for (const [name, millis] of twins) {
      fields[`${name}Millis`] = millis;
      assert.equal(fields[name], millis, `${name} reads what ${name}Millis set`);
      assert.equal(fields[`${name}Millis`], millis);
      assert.throws(
        () => (fields[`${name}Millis`] = "3s"),
        new RegExp(`^TypeError: ${name}Millis must be a number of milliseconds \\(for a duration, set ${name} = "3s"\\); got "3s" \\(a string\\)$`),
      );
    }
    config.connectTimeoutMillis = null;
    assert.equal(config.connectTimeout, null);
    assert.throws(() => (config.minDelayMillis = 0), /^RangeError: minDelayMillis must be a finite number of milliseconds > 0/);
    assert.throws(() => (config.minUptimeMillis = -1), /^RangeError: minUptimeMillis must be a finite number of milliseconds >= 0/);
    assert.throws(() => (config.maxDelay = "600h"), /^RangeError: maxDelay must be a duration > 0 and at most 2147483647 ms/);
    const client = new HttpClient(CIO, (c) => {
      c.install(WebSockets);
      c.install(Reconnect, (r) => {
        r.minDelayMillis = 100;
        r.maxRetryAfterMillis = 1_000;
      });
    });
    client.close();
    const settings = client.plugin(Reconnect);
    assert.equal(settings.minDelayMillis, 100);
    assert.equal(settings.maxRetryAfterMillis, 1_000);
  });

  test("minDelay above maxDelay is refused when the client is built", () => {
    assert.throws(
      () =>
        new HttpClient(CIO, (config) => {
          config.install(WebSockets);
          config.install(Reconnect, (r) => {
            r.minDelay = "10s";
            r.maxDelay = "1s";
          });
        }),
      /minDelay \(10000 ms\) must not be more than maxDelay \(1000 ms\)/,
    );
  });
});

describe("the default policy", () => {
  test("close codes", () => {
    const table: [number, boolean][] = [
      [1000, false],
      [1001, true],
      [1002, false],
      [1003, false],
      [1005, false],
      [1006, true],
      [1007, false],
      [1008, false],
      [1009, false],
      [1010, false],
      [1011, true],
      [1012, true],
      [1013, true],
      [1014, true],
      [3000, false],
      [4000, false],
    ];
    for (const [code, expected] of table) assert.equal(defaultShouldReconnect(new CloseReason(code, "")), expected, `close ${code}`);
  });

  test("errors", () => {
    const table: [string, Error, boolean][] = [
      ["ECONNREFUSED", systemError("ECONNREFUSED"), true],
      ["ECONNRESET", systemError("ECONNRESET"), true],
      ["ETIMEDOUT", systemError("ETIMEDOUT"), true],
      ["EHOSTUNREACH", systemError("EHOSTUNREACH"), true],
      ["EAI_AGAIN", systemError("EAI_AGAIN"), true],
      ["ENOTFOUND", systemError("ENOTFOUND"), false],
      ["AggregateError of refusals (::1 and 127.0.0.1)", new AggregateError([systemError("ECONNREFUSED"), systemError("ECONNREFUSED")], ""), true],
      ["a TLS certificate error", systemError("DEPTH_ZERO_SELF_SIGNED_CERT"), false],
      ["ConnectError ECONNREFUSED, with no cause", new ConnectError("refused", "ECONNREFUSED"), true],
      ["ConnectError ENOTFOUND", new ConnectError("no such name", "ENOTFOUND", { cause: systemError("ENOTFOUND") }), false],
      ["ConnectError without a system code", new ConnectError("odd", null), false],
      ["TlsError, even over a reset", new TlsError("untrusted", "DEPTH_ZERO_SELF_SIGNED_CERT", { cause: systemError("ECONNRESET") }), false],
      ["ConnectionClosedError", new ConnectionClosedError("lost"), true],
      ["ConnectTimeoutError", new ConnectTimeoutError("slow"), true],
      ["PingTimeoutError", new PingTimeoutError("no pong"), true],
      ["wrapped in ClosedReceiveChannelError", new ClosedReceiveChannelError("closed", { cause: new PingTimeoutError("x") }), true],
      ["ProtocolViolationError 1002", new ProtocolViolationError("bad"), false],
      ["ProtocolViolationError 1007", new ProtocolViolationError("utf8", 1007), false],
      ["FrameTooBigError", new FrameTooBigError("big", 2, 1), false],
      ["handshake 400", handshakeError(400), false],
      ["handshake 401", handshakeError(401), false],
      ["handshake 403", handshakeError(403), false],
      ["handshake 404", handshakeError(404), false],
      ["handshake 429", handshakeError(429), true],
      ["handshake 500", handshakeError(500), true],
      ["handshake 502", handshakeError(502), true],
      ["handshake 503", handshakeError(503), true],
      ["handshake 301", handshakeError(301), false],
      ["handshake 101 with a bad accept", handshakeError(101), false],
      ["handshake cut (status 0)", new WebSocketHandshakeError("Connection closed before the handshake response was complete"), true],
      ["a TypeError (bad target)", new TypeError("Invalid WebSocket URL"), false],
      ["an AbortError", new DOMException("aborted", "AbortError"), false],
    ];
    for (const [what, error, expected] of table) assert.equal(defaultShouldReconnect(error), expected, what);
  });
});

describe("Retry-After", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");
  test("seconds, an HTTP date, and what is ignored", () => {
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "7" }), now), 7_000);
    assert.equal(retryAfterMillis(handshakeError(429, { "Retry-After": " 0 " }), now), 0);
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "Tue, 01 Jan 2030 00:00:30 GMT" }), now), 30_000);
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "Tuesday, 01-Jan-30 00:00:30 GMT" }), now), 30_000);
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "Mon, 31 Dec 2029 23:00:00 GMT" }), now), 0, "a past date");
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "1.5" }), now), null);
    assert.equal(retryAfterMillis(handshakeError(503, { "Retry-After": "soon" }), now), null);
    assert.equal(retryAfterMillis(handshakeError(503), now), null);
    assert.equal(retryAfterMillis(handshakeError(500, { "Retry-After": "7" }), now), null, "only 429 and 503");
    assert.equal(retryAfterMillis(handshakeError(403, { "Retry-After": "7" }), now), null);
    assert.equal(retryAfterMillis(new CloseReason(1013, ""), now), null);
    assert.equal(retryAfterMillis(new ClosedReceiveChannelError("x", { cause: handshakeError(503, { "Retry-After": "2" }) }), now), 2_000);
  });
});

describe("backoff with full jitter", () => {
  test("every delay is drawn from [0, min(maxDelay, minDelay × factor^n))", () => {
    const settings = { minDelayMillis: 500, maxDelayMillis: 30_000, factor: 2 };
    const random = seeded(42);
    for (let n = 0; n < 20; n++) {
      const cap = Math.min(30_000, 500 * 2 ** n);
      const draws = Array.from({ length: 2_000 }, () => backoffDelay(n, settings, random));
      assert.ok(draws.every((d) => d >= 0 && d < cap), `n=${n}`);
      // Full jitter covers the whole window, not just its top.
      assert.ok(Math.min(...draws) < cap * 0.05 && Math.max(...draws) > cap * 0.95, `n=${n}: ${Math.min(...draws)}–${Math.max(...draws)}`);
    }
    assert.equal(backoffDelay(5000, settings, () => 0.5), 15_000, "factor^n overflowing is still capped");
    assert.equal(backoffDelay(0, settings, () => NaN), 0, "a broken random source does not make NaN delays");
    assert.equal(backoffDelay(0, settings, () => 7), 499, "nor delays beyond the cap");
  });
});
