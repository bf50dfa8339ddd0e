import { CloseReason, isSendableCloseCode, MAX_CLOSE_MESSAGE_BYTES } from "../protocol/close-reason.js";
import { utf8Length } from "../protocol/utf8.js";
import { checkDuration, checkKeys, MAX_TIMER_MILLIS } from "../engine/config-checks.js";
import type { Duration } from "../util/duration.js";
import { rangeError, typeError } from "../util/describe-value.js";
import { fulfilsWithin } from "../util/fulfils-within.js";
import type { DefaultWebSocketServerSession } from "./routing.js";

/** How `drain()` ends a server's sessions; every setting is optional. */
export interface DrainOptions {
  /** The close code each session gets (default 1012 SERVICE_RESTART): 1000–1003, 1007–1014 or 3000–4999. */
  readonly code?: number;
  /** The close reason sent with it, at most 123 bytes of UTF-8 (default "Service restart"). */
  readonly reason?: string;
  /** Time over which the closes are spread evenly (default 0: all at once); a number of ms or text such as "10s". */
  readonly spread?: Duration;
  /** What the 503 answer to a new upgrade asks a client to wait, sent in whole seconds, rounded up (default "5s"). */
  readonly retryAfter?: Duration;
}

/** @internal `DrainOptions` checked, with defaults filled in. */
export interface ResolvedDrainOptions {
  readonly reason: CloseReason;
  readonly spreadMillis: number;
  /** The `Retry-After` header's value: whole seconds. */
  readonly retryAfterSeconds: number;
}

const DRAIN_KEYS = ["code", "reason", "spread", "retryAfter"];

/** @internal Checks `drain()`'s options: a `TypeError` / `RangeError` naming the wrong one. */
export function resolveDrainOptions(options: DrainOptions = {}): ResolvedDrainOptions {
  if (options === null || typeof options !== "object") throw typeError("drain(options): options", "an object such as { spread: \"10s\" }", options);
  checkKeys(options, "drain(options)", DRAIN_KEYS);
  const { code = CloseReason.Codes.SERVICE_RESTART, reason = "Service restart", spread = 0, retryAfter = "5s" } = options;
  const codes = "a close code a server may send (1000–1003, 1007–1014 or 3000–4999)";
  if (typeof code !== "number") throw typeError("code", codes, code);
  if (!Number.isInteger(code) || !isSendableCloseCode(code)) throw rangeError("code", codes, code);
  if (typeof reason !== "string") throw typeError("reason", "a string", reason);
  if (utf8Length(reason) > MAX_CLOSE_MESSAGE_BYTES) throw rangeError("reason", `at most ${MAX_CLOSE_MESSAGE_BYTES} bytes of UTF-8`, reason);
  const spreadMillis = checkDuration(spread, "spread", { zero: true });
  const retryAfterMillis = checkDuration(retryAfter, "retryAfter", { zero: true });
  return { reason: new CloseReason(code, reason), spreadMillis, retryAfterSeconds: Math.ceil(retryAfterMillis / 1000) };
}

/**
 * @internal Closes the sessions open now with `reason`, session i of n at `i * spreadMillis / n`, and
 * resolves when `idle` does (every handler has ended), or after `spreadMillis + timeoutMillis`,
 * cutting the connections still open then. A session that ended on its own before its turn is skipped.
 *
 * Why spread: clients of a restarting server reconnect as soon as their session closes. Closing
 * 10 000 sessions at once brings 10 000 handshakes (TLS, authentication, state to reload) onto the
 * next server within the same second; closing them evenly over `spread` makes that a steady rate.
 * One timer walks the list, whatever the number of sessions.
 */
export async function drainSessions(
  open: ReadonlySet<DefaultWebSocketServerSession>,
  reason: CloseReason,
  spreadMillis: number,
  timeoutMillis: number,
  idle: Promise<void>,
): Promise<void> {
  const list = [...open];
  const count = list.length;
  const started = performance.now();
  let next = 0;
  let walker: ReturnType<typeof setTimeout> | undefined;
  const walk = (): void => {
    const elapsed = performance.now() - started;
    // Every session whose turn has come: a timer that fired late catches up at once.
    while (next < count && (next * spreadMillis) / count <= elapsed) {
      const session = list[next++];
      if (open.has(session)) void session.close(reason);
    }
    if (next < count) walker = setTimeout(walk, (next * spreadMillis) / count - elapsed);
  };
  walk();
  await idleOrCut(open, idle, spreadMillis + timeoutMillis);
  clearTimeout(walker);
}

/**
 * @internal Resolves when `idle` does (every handler has ended), or after `millis`, cutting the
 * connections of `sessions` still open then: handlers that ignore a close cannot be stopped, but
 * their connections can. How `close()` and `drain()` end.
 */
export async function idleOrCut(sessions: ReadonlySet<DefaultWebSocketServerSession>, idle: Promise<void>, millis: number): Promise<void> {
  if (!(await fulfilsWithin(idle, Math.min(MAX_TIMER_MILLIS, millis)))) for (const session of sessions) session.terminate();
}
