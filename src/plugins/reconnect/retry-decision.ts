import { toError } from "../../util/to-error.js";
import { backoffDelay, retryAfterMillis, type ReconnectCause } from "./policy.js";
import type { ReconnectSettings } from "./reconnect-config.js";

/** @internal Where a reconnecting session stands when an attempt or a connection has ended. */
export interface RetryState {
  /** The attempt that just ended, 1-based. */
  readonly attempt: number;
  /** Attempts in the current streak (since the last connection that stayed up for `minUptime`). */
  readonly streak: number;
  /** Waits already made in this streak: the backoff's exponent. */
  readonly waits: number;
  /** Whether the attempt opened a connection that got ready. */
  readonly opened: boolean;
}

/** @internal What comes after `cause`: another attempt after `delayMillis`, or the end. */
export type RetryDecision =
  | { readonly retry: true; readonly cause: ReconnectCause; readonly delayMillis: number; readonly retryAfterMillis: number | null }
  | { readonly retry: false; readonly cause: ReconnectCause; readonly why: "maxAttempts" | "policy" };

/**
 * @internal Whether to try again after `cause`, and how long to wait first: not once `maxAttempts`
 * attempts in a row have failed, nor when `shouldReconnect` says no (or throws: its error becomes
 * the cause); else the backoff (full jitter) after any `Retry-After` the peer asked for, capped at
 * `maxRetryAfter`.
 */
export function decideRetry(cause: ReconnectCause, state: RetryState, settings: ReconnectSettings): RetryDecision {
  const requested = retryAfterMillis(cause);
  const retryAfter = requested === null ? null : Math.min(requested, settings.maxRetryAfterMillis);
  if (state.streak >= settings.maxAttempts) return { retry: false, cause, why: "maxAttempts" };
  let again: boolean;
  try {
    again = settings.shouldReconnect(cause, { attempt: state.attempt, opened: state.opened, retryAfterMillis: retryAfter }) === true;
  } catch (error) {
    return { retry: false, cause: toError(error), why: "policy" };
  }
  if (!again) return { retry: false, cause, why: "policy" };
  const delayMillis = (retryAfter ?? 0) + backoffDelay(state.waits, settings, settings.random);
  return { retry: true, cause, delayMillis, retryAfterMillis: retryAfter };
}
