import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  CIO,
  WebSockets,
  WebSocketsConfig,
  JsonConverter,
  type WebSocketContentConverter,
  type Duration,
} from "../../../src/index.js";

const T = { timeout: 10_000 };

/** Builds a client whose install block runs `configure`, returning the plugin's settled settings. */
function settle(configure: (ws: WebSocketsConfig) => void) {
  const client = new HttpClient(CIO, (config) => config.install(WebSockets, configure));
  client.close();
  return client.plugin(WebSockets);
}

/** Asserts that `configure` throws `type` inside the install block, i.e. while the client is built. */
function refused(configure: (ws: WebSocketsConfig) => void, type: typeof RangeError | typeof TypeError, pattern?: RegExp): void {
  let reached = false;
  assert.throws(
    () =>
      new HttpClient(CIO, (config) =>
        config.install(WebSockets, (ws) => {
          configure(ws);
          reached = true;
        }),
      ),
    (error: unknown) => error instanceof type && (pattern === undefined || pattern.test((error as Error).message)),
  );
  assert.equal(reached, false, "the bad assignment itself must throw, inside the install block");
}

describe("WebSockets configuration", () => {
  test("timeout takes a duration, timeoutMillis a number; both read back as ms", T, () => {
    const ws = new WebSocketsConfig();
    assert.equal(ws.timeout, 15_000, "15 s without pings");
    ws.pingInterval = "10s";
    assert.equal(ws.timeoutMillis, 20_000, "twice the ping interval");
    ws.timeout = "30s";
    assert.equal(ws.timeout, 30_000);
    assert.equal(ws.timeoutMillis, 30_000);
    ws.timeoutMillis = 1_500;
    assert.equal(ws.timeout, 1_500);
    assert.equal(settle((w) => (w.timeout = "2.5s")).timeoutMillis, 2_500);
  });


  test("pingIntervalMillis is read back as given", T, () => {
    const ws = new WebSocketsConfig();
    assert.equal(ws.pingIntervalMillis, null);
    ws.pingIntervalMillis = 20_000;
    assert.equal(ws.pingIntervalMillis, 20_000);
    assert.equal(ws.pingInterval, 20_000);
    ws.pingIntervalMillis = null;
    assert.equal(ws.pingIntervalMillis, null);
    ws.pingIntervalMillis = 0; // 0 means no pings, as in Ktor
    assert.equal(ws.pingIntervalMillis, null);
    assert.equal(settle((w) => (w.pingIntervalMillis = 750)).pingIntervalMillis, 750);
  });

  test("pingInterval takes milliseconds or a duration and reads back as ms", T, () => {
    const cases: [Duration, number][] = [
      [250, 250],
      ["500ms", 500],
      ["20s", 20_000],
      ["1m", 60_000],
      ["1h", 3_600_000],
      ["1.5s", 1_500],
    ];
    for (const [given, millis] of cases) {
      const ws = new WebSocketsConfig();
      ws.pingInterval = given;
      assert.equal(ws.pingInterval, millis, `pingInterval = ${JSON.stringify(given)}`);
      assert.equal(ws.pingIntervalMillis, millis, `pingIntervalMillis after pingInterval = ${JSON.stringify(given)}`);
      assert.equal(settle((w) => (w.pingInterval = given)).pingIntervalMillis, millis);
    }
    const ws = new WebSocketsConfig();
    ws.pingInterval = "20s";
    ws.pingInterval = null;
    assert.equal(ws.pingIntervalMillis, null);
  });

  test("timeoutMillis defaults to twice the ping interval, or 15 000 without pings", T, () => {
    const ws = new WebSocketsConfig();
    assert.equal(ws.timeoutMillis, 15_000);
    ws.pingIntervalMillis = 500;
    assert.equal(ws.timeoutMillis, 1_000);
    ws.pingInterval = "20s";
    assert.equal(ws.timeoutMillis, 40_000);
    ws.timeoutMillis = 1_234;
    assert.equal(ws.timeoutMillis, 1_234);
    assert.equal(settle(() => {}).timeoutMillis, 15_000);
    assert.equal(settle((w) => (w.pingInterval = "1s")).timeoutMillis, 2_000);
    assert.equal(settle((w) => ((w.pingInterval = "1s"), (w.timeoutMillis = 300))).timeoutMillis, 300);
  });

  test("maxFrameSize defaults to 100 MiB; maxMessageSize follows it unless set", T, () => {
    const ws = new WebSocketsConfig();
    assert.equal(ws.maxFrameSize, 100 * 1024 * 1024);
    assert.equal(ws.maxMessageSize, 100 * 1024 * 1024);
    ws.maxFrameSize = 1 << 20;
    assert.equal(ws.maxFrameSize, 1 << 20);
    assert.equal(ws.maxMessageSize, 1 << 20);
    ws.maxMessageSize = 5 << 20;
    assert.equal(ws.maxMessageSize, 5 << 20);
    const plugin = settle((w) => ((w.maxFrameSize = 2_048), (w.maxMessageSize = 8_192)));
    assert.equal(plugin.maxFrameSize, 2_048);
    assert.equal(plugin.maxMessageSize, 8_192);
  });

  test("contentConverter accepts a converter and null", T, () => {
    const converter = new JsonConverter();
    const ws = new WebSocketsConfig();
    assert.equal(ws.contentConverter, null);
    ws.contentConverter = converter;
    assert.equal(ws.contentConverter, converter);
    assert.equal(settle((w) => (w.contentConverter = converter)).contentConverter, converter);
    ws.contentConverter = null;
    assert.equal(ws.contentConverter, null);
  });

  test("channels default to bounded 'suspend' and accept valid bounds", T, () => {
    const ws = new WebSocketsConfig();
    assert.equal(ws.channels.incoming.onOverflow, "suspend");
    assert.equal(ws.channels.outgoing.onOverflow, "suspend");
    assert.ok(Number.isInteger(ws.channels.incoming.capacity) && ws.channels.incoming.capacity >= 1);
    assert.ok(Number.isInteger(ws.channels.outgoing.capacity) && ws.channels.outgoing.capacity >= 1);
    const plugin = settle((w) => {
      w.channels.incoming = { capacity: 8, onOverflow: "close" };
      w.channels.outgoing = { capacity: Infinity, onOverflow: "suspend" };
    });
    assert.deepEqual(plugin.channels.incoming, { capacity: 8, onOverflow: "close" });
    assert.deepEqual(plugin.channels.outgoing, { capacity: Infinity, onOverflow: "suspend" });
  });

  describe("invalid values throw at configuration time", () => {
    test("ping interval: negative, NaN, Infinity, not a duration, wrong type", T, () => {
      refused((ws) => (ws.pingIntervalMillis = -1), RangeError, /pingIntervalMillis/);
      refused((ws) => (ws.pingIntervalMillis = NaN), RangeError, /pingIntervalMillis/);
      refused((ws) => (ws.pingIntervalMillis = Infinity), RangeError, /pingIntervalMillis/);
      refused((ws) => (ws.pingIntervalMillis = "500" as unknown as number), TypeError, /pingIntervalMillis/);
      refused((ws) => (ws.pingInterval = -5), RangeError, /pingInterval/);
      refused((ws) => (ws.pingInterval = NaN), RangeError, /pingInterval/);
      refused((ws) => (ws.pingInterval = "5 parsecs" as Duration), RangeError, /pingInterval/);
      refused((ws) => (ws.pingInterval = "20" as Duration), RangeError, /pingInterval/);
      refused((ws) => (ws.pingInterval = "-1s" as Duration), RangeError, /pingInterval/);
      refused((ws) => (ws.pingInterval = "" as Duration), RangeError, /pingInterval/);
    });

    test("timeoutMillis: zero, negative, NaN, Infinity, wrong type", T, () => {
      refused((ws) => (ws.timeoutMillis = 0), RangeError, /timeoutMillis/);
      refused((ws) => (ws.timeoutMillis = -100), RangeError, /timeoutMillis/);
      refused((ws) => (ws.timeoutMillis = NaN), RangeError, /timeoutMillis/);
      refused((ws) => (ws.timeoutMillis = Infinity), RangeError, /timeoutMillis/);
      refused(
        (ws) => (ws.timeoutMillis = "5s" as unknown as number),
        TypeError,
        /^timeoutMillis must be a number of milliseconds \(for a duration, set timeout = "5s"\); got "5s" \(a string\)$/,
      );
      refused((ws) => (ws.pingIntervalMillis = "20s" as unknown as number), TypeError, /set pingInterval = "20s"/);
    });

    test("timeout: zero, negative, not a duration, past the longest timer", T, () => {
      refused((ws) => (ws.timeout = 0), RangeError, /^timeout must be a finite number of milliseconds > 0/);
      refused((ws) => (ws.timeout = "0s" as Duration), RangeError, /^timeout must be a duration > 0/);
      refused((ws) => (ws.timeout = "soon" as Duration), RangeError, /^timeout must be a duration such as "5s"/);
      refused((ws) => (ws.timeout = 2 ** 31), RangeError, /at most 2147483647/);
      refused((ws) => (ws.pingInterval = "600h" as Duration), RangeError, /^pingInterval must be a duration >= 0 and at most 2147483647 ms/);
    });

    test("sizes: zero, negative, NaN, non-integer, unsafe, wrong type", T, () => {
      for (const bad of [0, -1, NaN, 1.5, Infinity, 2 ** 53]) {
        refused((ws) => (ws.maxFrameSize = bad), RangeError, /maxFrameSize/);
        refused((ws) => (ws.maxMessageSize = bad), RangeError, /maxMessageSize/);
      }
      refused((ws) => (ws.maxFrameSize = "1024" as unknown as number), TypeError, /^maxFrameSize must be a whole number of bytes >= 1; got "1024" \(a string\)$/);
      refused((ws) => (ws.maxMessageSize = null as unknown as number), TypeError, /^maxMessageSize must be .*; got null$/);
    });

    test("contentConverter without serialize/deserialize", T, () => {
      refused((ws) => (ws.contentConverter = {} as WebSocketContentConverter), TypeError, /contentConverter/);
      refused((ws) => (ws.contentConverter = "json" as unknown as WebSocketContentConverter), TypeError, /contentConverter/);
      refused(
        (ws) => (ws.contentConverter = { serialize: () => null } as unknown as WebSocketContentConverter),
        TypeError,
        /contentConverter/,
      );
    });

    test("channel capacity and onOverflow", T, () => {
      refused((ws) => (ws.channels.incoming = { capacity: 0, onOverflow: "suspend" }), RangeError, /channels\.incoming/);
      refused((ws) => (ws.channels.outgoing = { capacity: -1, onOverflow: "suspend" }), RangeError, /channels\.outgoing/);
      refused((ws) => (ws.channels.incoming = { capacity: 2.5, onOverflow: "suspend" }), RangeError, /capacity/);
      refused((ws) => (ws.channels.incoming = { capacity: NaN, onOverflow: "suspend" }), RangeError, /capacity/);
      refused(
        (ws) => (ws.channels.outgoing = { capacity: 8, onOverflow: "drop" as "close" }),
        RangeError,
        /onOverflow/,
      );
      refused((ws) => (ws.channels.incoming = null as unknown as { capacity: number; onOverflow: "close" }), TypeError);
    });

    test("in-place edits of a channel bound are checked when the client is built", T, () => {
      assert.throws(
        () =>
          new HttpClient(CIO, (config) =>
            config.install(WebSockets, (ws) => {
              ws.channels.incoming.capacity = 0;
            }),
          ),
        RangeError,
      );
      assert.throws(
        () =>
          new HttpClient(CIO, (config) =>
            config.install(WebSockets, (ws) => {
              (ws.channels.outgoing as { onOverflow: string }).onOverflow = "drop";
            }),
          ),
        RangeError,
      );
    });

    test("a refused value leaves the previous one in place", T, () => {
      const ws = new WebSocketsConfig();
      ws.maxFrameSize = 4_096;
      ws.pingInterval = "1s";
      assert.throws(() => (ws.maxFrameSize = 0), RangeError);
      assert.throws(() => (ws.pingInterval = "soon" as Duration), RangeError);
      assert.equal(ws.maxFrameSize, 4_096);
      assert.equal(ws.pingIntervalMillis, 1_000);
    });
  });
});
