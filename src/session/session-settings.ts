import type { ChannelConfig, OverflowPolicy } from "./channel.js";
import { DEFAULT_TIMEOUT_MILLIS } from "./websocket-session.js";
import { typeError } from "../util/describe-value.js";
import { checkChoice, checkCountOrInfinity } from "../util/checks.js";

/**
 * @internal Checks a channel bound as a user gives it (the client's `ws.channels`, the server's
 * `channels` option): `capacity` a whole number >= 1 or `Infinity`, `onOverflow` "suspend" or "close".
 * Returns a copy, so a later change to the caller's object changes nothing.
 */
export function checkChannel(config: ChannelConfig, what: string): ChannelConfig {
  if (config === null || typeof config !== "object") throw typeError(what, "an object { capacity, onOverflow }", config);
  return {
    capacity: checkCountOrInfinity(config.capacity, `${what}.capacity`),
    onOverflow: checkChoice<OverflowPolicy>(config.onOverflow, `${what}.onOverflow`, ["suspend", "close"]),
  };
}

/**
 * @internal The pong and close handshake deadline when none is set, as Ktor's: twice the ping
 * interval, so one lost pong is not fatal, or `DEFAULT_TIMEOUT_MILLIS` without pings.
 */
export function defaultTimeoutMillis(pingIntervalMillis: number | null): number {
  return pingIntervalMillis !== null ? pingIntervalMillis * 2 : DEFAULT_TIMEOUT_MILLIS;
}
