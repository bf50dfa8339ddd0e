import type { Duration } from "../../util/duration.js";
import { rangeError, typeError } from "../../util/describe-value.js";
import { checkChoice, checkCountOrInfinity } from "../../util/checks.js";
import { checkDuration, checkMillis } from "../../engine/config-checks.js";
import { defaultShouldReconnect, type ReconnectCause, type ReconnectContext } from "./policy.js";

/**
 * What a full replay queue does with one more message: `send` waits for room (`"suspend"`), the
 * oldest queued message is dropped to make room (`"drop-oldest"`, reported by a `dropped` event), or
 * `send` rejects with `QueueOverflowError` (`"fail"`).
 */
export type QueueOverflowPolicy = "suspend" | "drop-oldest" | "fail";

/** Bounds of the replay queue; each a whole number >= 1, or `Infinity`. */
export interface QueueLimits {
  /** Messages queued at most. */
  readonly messages: number;
  /** Payload bytes queued at most (a single larger message is still accepted into an empty queue). */
  readonly bytes: number;
}

/** Decides whether to try again after `cause`; see `defaultShouldReconnect` for the default. */
export type ShouldReconnect = (cause: ReconnectCause, context: ReconnectContext) => boolean;

/** The settings of the Reconnect plugin, checked and with defaults filled in. */
export interface ReconnectSettings {
  /** `minDelay` in milliseconds: the first retry waits a random time below it. */
  readonly minDelayMillis: number;
  /** `maxDelay` in milliseconds: the cap of the backoff, before any `Retry-After`. */
  readonly maxDelayMillis: number;
  /** `factor`: how much the backoff's bound grows per failed attempt. */
  readonly factor: number;
  /** `maxAttempts`: failed attempts in a row before giving up (`Infinity`: never). */
  readonly maxAttempts: number;
  /** `connectTimeout` in milliseconds; null: only the engine's own connect timeout applies. */
  readonly connectTimeoutMillis: number | null;
  /** `minUptime` in milliseconds: how long a connection must last to reset the attempt count. */
  readonly minUptimeMillis: number;
  /** `maxRetryAfter` in milliseconds: longer `Retry-After` answers are cut to it. */
  readonly maxRetryAfterMillis: number;
  /** `shouldReconnect`: whether a close reason or an error is worth another attempt. */
  readonly shouldReconnect: ShouldReconnect;
  /** `maxQueued`: bounds of the replay queue. */
  readonly maxQueued: QueueLimits;
  /** `onQueueOverflow`: what a full replay queue does with one more message. */
  readonly onQueueOverflow: QueueOverflowPolicy;
  /** `random`: the jitter's source of numbers in [0, 1). */
  readonly random: () => number;
}

/** The defaults: 500 ms doubling up to 30 s, forever, 10 s to connect, 5 s to count as up. */
export const DEFAULT_RECONNECT_SETTINGS: ReconnectSettings = Object.freeze({
  minDelayMillis: 500,
  maxDelayMillis: 30_000,
  factor: 2,
  maxAttempts: Infinity,
  connectTimeoutMillis: 10_000,
  minUptimeMillis: 5_000,
  maxRetryAfterMillis: 300_000,
  shouldReconnect: defaultShouldReconnect,
  maxQueued: Object.freeze({ messages: 1024, bytes: 8 * 1024 * 1024 }),
  onQueueOverflow: "suspend",
  random: Math.random,
});

/**
 * The Reconnect plugin's configuration (`install(Reconnect, (r) => { ... })`). Every setter checks its
 * value at once and throws a `RangeError` / `TypeError` naming the setting; settings that depend on
 * each other (`minDelay` <= `maxDelay`) are checked when the client is built.
 *
 * Durations follow the package's convention: `minDelay` takes a duration (milliseconds or text:
 * "500ms", "20s", "1m", "1h"), its twin `minDelayMillis` a number of milliseconds only, and both
 * read as milliseconds.
 */
export class ReconnectConfig {
  #minDelay: number;
  #maxDelay: number;
  #factor: number;
  #maxAttempts: number;
  #connectTimeout: number | null;
  #minUptime: number;
  #maxRetryAfter: number;
  #shouldReconnect: ShouldReconnect;
  #maxQueued: QueueLimits;
  #onQueueOverflow: QueueOverflowPolicy;
  #random: () => number;

  constructor(base: ReconnectSettings = DEFAULT_RECONNECT_SETTINGS) {
    this.#minDelay = base.minDelayMillis;
    this.#maxDelay = base.maxDelayMillis;
    this.#factor = base.factor;
    this.#maxAttempts = base.maxAttempts;
    this.#connectTimeout = base.connectTimeoutMillis;
    this.#minUptime = base.minUptimeMillis;
    this.#maxRetryAfter = base.maxRetryAfterMillis;
    this.#shouldReconnect = base.shouldReconnect;
    this.#maxQueued = base.maxQueued;
    this.#onQueueOverflow = base.onQueueOverflow;
    this.#random = base.random;
  }

  /** The wait before the first retry is drawn from [0, minDelay), in milliseconds (default "500ms"). */
  get minDelay(): number {
    return this.#minDelay;
  }

  /** Takes a duration of more than 0 (a zero delay would retry in a busy loop). */
  set minDelay(delay: Duration) {
    this.#minDelay = checkDuration(delay, "minDelay");
  }

  /** `minDelay` in milliseconds. */
  get minDelayMillis(): number {
    return this.#minDelay;
  }

  /** Takes a number of milliseconds > 0; for a duration such as "500ms", set `minDelay`. */
  set minDelayMillis(millis: number) {
    this.#minDelay = checkMillis(millis, "minDelayMillis", "minDelay");
  }

  /** The largest wait between attempts, before any `Retry-After`, in milliseconds (default "30s"). */
  get maxDelay(): number {
    return this.#maxDelay;
  }

  /** Takes a duration of more than 0. */
  set maxDelay(delay: Duration) {
    this.#maxDelay = checkDuration(delay, "maxDelay");
  }

  /** `maxDelay` in milliseconds. */
  get maxDelayMillis(): number {
    return this.#maxDelay;
  }

  /** Takes a number of milliseconds > 0; for a duration such as "30s", set `maxDelay`. */
  set maxDelayMillis(millis: number) {
    this.#maxDelay = checkMillis(millis, "maxDelayMillis", "maxDelay");
  }

  /** How much the bound of the wait grows after each failed attempt: a finite number >= 1 (default 2). */
  get factor(): number {
    return this.#factor;
  }

  /** Throws a `RangeError` unless `factor` is a finite number >= 1. */
  set factor(factor: number) {
    if (typeof factor !== "number") throw typeError("factor", "a finite number >= 1", factor);
    if (!Number.isFinite(factor) || factor < 1) throw rangeError("factor", "a finite number >= 1", factor);
    this.#factor = factor;
  }

  /**
   * Attempts in a row that may fail before the session gives up: a whole number >= 1 or `Infinity`
   * (the default). The streak restarts once a connection has stayed up for `minUptime`.
   */
  get maxAttempts(): number {
    return this.#maxAttempts;
  }

  /** Throws a `RangeError` unless `attempts` is a whole number >= 1 or `Infinity`. */
  set maxAttempts(attempts: number) {
    this.#maxAttempts = checkCountOrInfinity(attempts, "maxAttempts");
  }

  /**
   * Time for one attempt: the target function, TCP, TLS and the upgrade, in milliseconds (default
   * "10s"); the engine's own `connectTimeout` applies as well. Null for none but the engine's.
   */
  get connectTimeout(): number | null {
    return this.#connectTimeout;
  }

  /** Takes a duration of more than 0, or null. */
  set connectTimeout(timeout: Duration | null) {
    this.#connectTimeout = timeout === null ? null : checkDuration(timeout, "connectTimeout");
  }

  /** `connectTimeout` in milliseconds, or null. */
  get connectTimeoutMillis(): number | null {
    return this.#connectTimeout;
  }

  /** Takes a number of milliseconds > 0, or null; for a duration such as "10s", set `connectTimeout`. */
  set connectTimeoutMillis(millis: number | null) {
    this.#connectTimeout = millis === null ? null : checkMillis(millis, "connectTimeoutMillis", "connectTimeout");
  }

  /**
   * How long a connection must stay open to count as a success, in milliseconds (default "5s"): one
   * that drops sooner counts as a failed attempt, so a server that accepts and drops at once meets a
   * growing backoff.
   */
  get minUptime(): number {
    return this.#minUptime;
  }

  /** Takes a duration; 0 counts every connection that opened as a success. */
  set minUptime(uptime: Duration) {
    this.#minUptime = checkDuration(uptime, "minUptime", { zero: true });
  }

  /** `minUptime` in milliseconds. */
  get minUptimeMillis(): number {
    return this.#minUptime;
  }

  /** Takes a number of milliseconds >= 0; for a duration such as "5s", set `minUptime`. */
  set minUptimeMillis(millis: number) {
    this.#minUptime = checkMillis(millis, "minUptimeMillis", "minUptime", { zero: true });
  }

  /** The longest `Retry-After` honoured, in milliseconds; longer ones are cut to this (default "5m"). */
  get maxRetryAfter(): number {
    return this.#maxRetryAfter;
  }

  /** Takes a duration; 0 adds no wait for a `Retry-After`. */
  set maxRetryAfter(limit: Duration) {
    this.#maxRetryAfter = checkDuration(limit, "maxRetryAfter", { zero: true });
  }

  /** `maxRetryAfter` in milliseconds. */
  get maxRetryAfterMillis(): number {
    return this.#maxRetryAfter;
  }

  /** Takes a number of milliseconds >= 0; for a duration such as "5m", set `maxRetryAfter`. */
  set maxRetryAfterMillis(millis: number) {
    this.#maxRetryAfter = checkMillis(millis, "maxRetryAfterMillis", "maxRetryAfter", { zero: true });
  }

  /**
   * Whether to try again after a close reason or an error (default `defaultShouldReconnect`). It is
   * not asked after `close()`, and `maxAttempts` applies first.
   */
  get shouldReconnect(): ShouldReconnect {
    return this.#shouldReconnect;
  }

  /** Throws a `TypeError` unless `decide` is a function. */
  set shouldReconnect(decide: ShouldReconnect) {
    if (typeof decide !== "function") throw typeError("shouldReconnect", "a function (cause, context) => boolean", decide);
    this.#shouldReconnect = decide;
  }

  /**
   * Bounds of the replay queue that holds messages sent while no connection can take them
   * (default `{ messages: 1024, bytes: 8 MiB }`). A partial object changes only what it names.
   */
  get maxQueued(): QueueLimits {
    return this.#maxQueued;
  }

  /** Throws a `RangeError` unless each limit given is a whole number >= 1 or `Infinity`. */
  set maxQueued(limits: Partial<QueueLimits>) {
    if (limits === null || typeof limits !== "object") throw typeError("maxQueued", "an object { messages?, bytes? }", limits);
    const messages = limits.messages ?? this.#maxQueued.messages;
    const bytes = limits.bytes ?? this.#maxQueued.bytes;
    checkCountOrInfinity(messages, "maxQueued.messages");
    checkCountOrInfinity(bytes, "maxQueued.bytes");
    this.#maxQueued = Object.freeze({ messages, bytes });
  }

  /** What a full replay queue does: "suspend" (the default), "drop-oldest" or "fail". */
  get onQueueOverflow(): QueueOverflowPolicy {
    return this.#onQueueOverflow;
  }

  /** Throws a `RangeError` for anything but "suspend", "drop-oldest" or "fail". */
  set onQueueOverflow(policy: QueueOverflowPolicy) {
    this.#onQueueOverflow = checkChoice(policy, "onQueueOverflow", ["suspend", "drop-oldest", "fail"]);
  }

  /** The jitter's source of randomness, returning [0, 1) (default `Math.random`); replace it for reproducible delays. */
  get random(): () => number {
    return this.#random;
  }

  /** Throws a `TypeError` unless `random` is a function. */
  set random(random: () => number) {
    if (typeof random !== "function") throw typeError("random", "a function returning a number in [0, 1)", random);
    this.#random = random;
  }

  /** @internal The settings, checked as a whole. */
  settle(): ReconnectSettings {
    if (this.#minDelay > this.#maxDelay) {
      throw new RangeError(`minDelay (${this.#minDelay} ms) must not be more than maxDelay (${this.#maxDelay} ms)`);
    }
    return Object.freeze({
      minDelayMillis: this.#minDelay,
      maxDelayMillis: this.#maxDelay,
      factor: this.#factor,
      maxAttempts: this.#maxAttempts,
      connectTimeoutMillis: this.#connectTimeout,
      minUptimeMillis: this.#minUptime,
      maxRetryAfterMillis: this.#maxRetryAfter,
      shouldReconnect: this.#shouldReconnect,
      maxQueued: this.#maxQueued,
      onQueueOverflow: this.#onQueueOverflow,
      random: this.#random,
    });
  }
}
