import type { ChannelConfig, OverflowPolicy } from "./channel.js";
import { DEFAULT_TIMEOUT_MILLIS } from "./websocket-session.js";
import { rangeError, typeError } from "../util/describe-value.js";

/**
 * @internal Checks a channel bound as a user gives it (the client's `ws.channels`, the server's
 * `channels` option): `capacity` a whole number >= 1 or `Infinity`, `onOverflow` "suspend" or "close".
 * Returns a copy, so a later change to the caller's object changes nothing.
 */
export function checkChannel(config: ChannelConfig, what: string): ChannelConfig {
  if (config === null || typeof config !== "object") throw typeError(what, "an object { capacity, onOverflow }", config);
  const { capacity, onOverflow } = config;
  if (typeof capacity !== "number") throw typeError(`${what}.capacity`, "a whole number >= 1 or Infinity", capacity);
  if (!(capacity === Infinity || (Number.isSafeInteger(capacity) && capacity >= 1))) {
    throw rangeError(`${what}.capacity`, "a whole number >= 1 or Infinity", capacity);
  }
  if (onOverflow !== "suspend" && onOverflow !== "close") {
    throw (typeof onOverflow === "string" ? rangeError : typeError)(`${what}.onOverflow`, '"suspend" or "close"', onOverflow as OverflowPolicy);
  }
  return { capacity, onOverflow };
}

/**
 * @internal The pong and close handshake deadline when none is set, as Ktor's: twice the ping
 * interval, so one lost pong is not fatal, or `DEFAULT_TIMEOUT_MILLIS` without pings.
 */
export function defaultTimeoutMillis(pingIntervalMillis: number | null): number {
  return pingIntervalMillis !== null ? pingIntervalMillis * 2 : DEFAULT_TIMEOUT_MILLIS;
}
