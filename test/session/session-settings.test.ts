// The session settings a user gives the client's WebSockets plugin and the server alike
// (src/session/session-settings.ts): channel bounds and the timeout's default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkChannel, defaultTimeoutMillis } from "../../src/session/session-settings.js";
import { DEFAULT_TIMEOUT_MILLIS } from "../../src/session/websocket-session.js";

test("checkChannel takes a whole capacity >= 1 or Infinity and suspend or close, and returns a copy", () => {
  const given = { capacity: 8, onOverflow: "close" as const };
  const checked = checkChannel(given, "channels.incoming");
  assert.deepEqual(checked, given);
  assert.notEqual(checked, given, "a copy: a later change to the caller's object changes nothing");
  assert.deepEqual(checkChannel({ capacity: Infinity, onOverflow: "suspend" }, "x"), { capacity: Infinity, onOverflow: "suspend" });
});

test("checkChannel names the setting and quotes what it got", () => {
  const refused = (config: unknown, type: typeof TypeError | typeof RangeError, message: RegExp): void =>
    assert.throws(() => checkChannel(config as never, "channels.outgoing"), (error: Error) => error instanceof type && message.test(error.message));
  refused(null, TypeError, /^channels\.outgoing must be an object \{ capacity, onOverflow \}; got null$/);
  refused({ capacity: "8", onOverflow: "suspend" }, TypeError, /^channels\.outgoing\.capacity must be a whole number >= 1 or Infinity; got "8"/);
  for (const capacity of [0, -1, 1.5, NaN, -Infinity]) refused({ capacity, onOverflow: "suspend" }, RangeError, /^channels\.outgoing\.capacity/);
  refused({ capacity: 1, onOverflow: "drop" }, RangeError, /^channels\.outgoing\.onOverflow must be "suspend" or "close"; got "drop"/);
  refused({ capacity: 1 }, TypeError, /^channels\.outgoing\.onOverflow/);
});

test("the timeout defaults to twice the ping interval, or DEFAULT_TIMEOUT_MILLIS without pings", () => {
  assert.equal(defaultTimeoutMillis(10_000), 20_000);
  assert.equal(defaultTimeoutMillis(null), DEFAULT_TIMEOUT_MILLIS);
  assert.equal(DEFAULT_TIMEOUT_MILLIS, 15_000);
});
