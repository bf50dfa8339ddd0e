// decideRetry: whether a reconnecting session tries again after a failure, and how long it waits.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { decideRetry, type RetryState } from "../../../src/plugins/reconnect/retry-decision.js";
import type { ReconnectSettings, ShouldReconnect } from "../../../src/plugins/reconnect/reconnect-config.js";
import type { ReconnectCause, ReconnectContext } from "../../../src/plugins/reconnect/policy.js";
import { CloseReason } from "../../../src/protocol/close-reason.js";
import { WebSocketError, WebSocketHandshakeError } from "../../../src/errors.js";

function settings(overrides: Partial<ReconnectSettings> = {}): ReconnectSettings {
  return {
    minDelayMillis: 100,
    maxDelayMillis: 10_000,
    factor: 2,
    maxAttempts: Infinity,
    connectTimeoutMillis: null,
    minUptimeMillis: 0,
    maxRetryAfterMillis: 60_000,
    shouldReconnect: () => true,
    maxQueued: { messages: Infinity, bytes: Infinity },
    onQueueOverflow: "suspend",
    random: () => 0.5,
    ...overrides,
  };
}

const state = (overrides: Partial<RetryState> = {}): RetryState => ({ attempt: 1, streak: 1, waits: 0, opened: false, ...overrides });
const lost = new CloseReason(CloseReason.Codes.GOING_AWAY, "");

function unavailable(retryAfter: string): WebSocketHandshakeError {
  return new WebSocketHandshakeError("503", { status: 503, statusText: "Service Unavailable", headers: new Headers({ "retry-after": retryAfter }) });
}

describe("decideRetry", () => {
  test("retries after the backoff of its wait in the streak (full jitter: random × minDelay × factor^waits)", () => {
    assert.deepEqual(decideRetry(lost, state({ waits: 0 }), settings()), { retry: true, cause: lost, delayMillis: 50, retryAfterMillis: null });
    assert.deepEqual(decideRetry(lost, state({ waits: 3 }), settings()), { retry: true, cause: lost, delayMillis: 400, retryAfterMillis: null });
    const capped = decideRetry(lost, state({ waits: 20 }), settings());
    assert.ok(capped.retry && capped.delayMillis === 5000, "capped by maxDelay");
  });

  test("shouldReconnect is asked with the attempt, whether it opened, and the Retry-After asked for", () => {
    const asked: [ReconnectCause, ReconnectContext][] = [];
    const shouldReconnect: ShouldReconnect = (cause, context) => (asked.push([cause, context]), true);
    decideRetry(lost, state({ attempt: 4, opened: true }), settings({ shouldReconnect }));
    assert.deepEqual(asked, [[lost, { attempt: 4, opened: true, retryAfterMillis: null }]]);
  });

  test("a Retry-After comes before the backoff, capped at maxRetryAfter", () => {
    const cause = unavailable("3");
    assert.deepEqual(decideRetry(cause, state(), settings()), { retry: true, cause, delayMillis: 3050, retryAfterMillis: 3000 });
    const long = unavailable("3600");
    assert.deepEqual(decideRetry(long, state(), settings({ maxRetryAfterMillis: 2000 })), { retry: true, cause: long, delayMillis: 2050, retryAfterMillis: 2000 });
  });

  test("gives up once the streak reaches maxAttempts, without asking the policy", () => {
    let asked = false;
    const decision = decideRetry(lost, state({ streak: 3 }), settings({ maxAttempts: 3, shouldReconnect: () => (asked = true) }));
    assert.deepEqual(decision, { retry: false, cause: lost, why: "maxAttempts" });
    assert.equal(asked, false);
    assert.equal(decideRetry(lost, state({ streak: 2 }), settings({ maxAttempts: 3 })).retry, true);
  });

  test("gives up when the policy says no; only a literal true retries", () => {
    assert.deepEqual(decideRetry(lost, state(), settings({ shouldReconnect: () => false })), { retry: false, cause: lost, why: "policy" });
    const truthy = (() => 1) as unknown as ShouldReconnect;
    assert.equal(decideRetry(lost, state(), settings({ shouldReconnect: truthy })).retry, false);
  });

  test("a policy that throws gives up, its error becoming the cause", () => {
    const bug = new Error("policy bug");
    assert.deepEqual(decideRetry(lost, state(), settings({ shouldReconnect: () => { throw bug; } })), { retry: false, cause: bug, why: "policy" });
    const thrown = decideRetry(lost, state(), settings({ shouldReconnect: () => { throw "text"; } }));
    assert.ok(!thrown.retry && thrown.cause instanceof WebSocketError && thrown.cause.message === "text");
  });
});
