// Every setting a user can assign, and every configuring method, given any JS value: it is taken
// as documented, or refused at once with a TypeError / RangeError that names the setting and quotes
// the value. Never another error, never a crash later.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { WebSocketsConfig, WebSocketDeflateConfig, JsonConverter, CloseReason } from "../../src/index.js";
import { ReconnectConfig } from "../../src/plugins/reconnect/index.js";
import { LoggingConfig } from "../../src/plugins/logging/index.js";
import { MockEngine } from "../../src/testing/index.js";

const anything = fc.anything({ withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true });

/** Runs `assign(value)`; a refusal must be a TypeError or RangeError saying `name must be ...; got ...`. */
function takenOrRefused(name: string, assign: () => void): void {
  try {
    assign();
  } catch (error) {
    assert.ok(error instanceof TypeError || error instanceof RangeError, `${name}: ${String(error)}`);
    assert.match(error.message, /must be .*; got /, `${name}: ${error.message}`);
    assert.ok(error.message.includes(name), `${name} not named in: ${error.message}`);
  }
}

const SETTINGS: [string, string[], () => object][] = [
  ["WebSocketsConfig", ["pingIntervalMillis", "pingInterval", "timeoutMillis", "maxFrameSize", "maxMessageSize", "contentConverter"], () => new WebSocketsConfig()],
  ["WebSocketsConfig.channels", ["incoming", "outgoing"], () => new WebSocketsConfig().channels],
  ["ReconnectConfig", [
    "minDelay", "minDelayMillis", "maxDelay", "maxDelayMillis", "factor", "maxAttempts", "connectTimeout", "connectTimeoutMillis", "minUptime", "minUptimeMillis",
    "maxRetryAfter", "maxRetryAfterMillis", "shouldReconnect", "maxQueued", "onQueueOverflow", "random",
  ], () => new ReconnectConfig()],
  ["LoggingConfig", ["level", "logger"], () => new LoggingConfig()],
  ["WebSocketDeflateConfig", ["compressionLevel", "clientNoContextTakeover", "serverNoContextTakeover", "clientMaxWindowBits", "serverMaxWindowBits"], () => new WebSocketDeflateConfig()],
];

test("setters take any value as documented or refuse it, naming the setting", () => {
  for (const [owner, names, make] of SETTINGS) {
    for (const name of names) {
      assert.ok(name in make(), `${owner} has no setting ${name}`);
      fc.assert(
        fc.property(anything, (value) => {
          const target = make() as Record<string, unknown>;
          takenOrRefused(name, () => (target[name] = value));
        }),
        { numRuns: 150, examples: [["5s"], [-1], [NaN], [null], [undefined], [{}], ["1024"]] },
      );
      assert.ok(owner);
    }
  }
});

test("configuring methods and constructors take any argument as documented or refuse it", () => {
  fc.assert(
    fc.property(anything, (value) => {
      const ws = new WebSocketsConfig();
      takenOrRefused("configure", () => ws.extensions(value as never));
      const logging = new LoggingConfig();
      takenOrRefused("predicate", () => logging.sanitizeHeader(value as never));
      takenOrRefused("predicate", () => logging.sanitizeQueryParameter(value as never));
      takenOrRefused("predicate", () => logging.filter(value as never));
      const deflate = new WebSocketDeflateConfig();
      takenOrRefused("bytes", () => deflate.compressIfBiggerThan(value as never));
      takenOrRefused("predicate", () => deflate.compressIf(value as never));
      takenOrRefused("options", () => new JsonConverter(value as never));
      takenOrRefused("CloseReason", () => new CloseReason(value as never));
      takenOrRefused("CloseReason", () => new CloseReason(1000, value as never));
      takenOrRefused("highWaterMark", () => new MockEngine({ highWaterMark: value as never }));
    }),
    { numRuns: 300 },
  );
});
