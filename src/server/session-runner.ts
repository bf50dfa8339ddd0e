import { CloseReason } from "../protocol/close-reason.js";
import { ClosedReceiveChannelError, ClosedSendChannelError } from "../errors.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";

/** The 1011 reason a client gets for a handler's error unless `exposeErrors` is set. */
const INTERNAL_ERROR_REASON = "Internal error";

/**
 * @internal How a route's handler is run: where its errors go, and whether the client sees their
 * messages. `R` is the request the handler gets (a server's, or MockEngine's).
 */
export interface HandlerErrorPolicy<R> {
  readonly onError: (error: unknown, request: R) => void;
  /** Send the error's message as the 1011 reason instead of `INTERNAL_ERROR_REASON`. */
  readonly exposeErrors: boolean;
}

/**
 * @internal Runs a route's handler with its session as Ktor's server `webSocket` route does: close
 * with 1000 when it returns, with 1011 when it throws (a generic reason, or the error's message with
 * `exposeErrors`), and resolve once the connection is gone, after calling `done` (when given) with
 * the session. Never rejects, so a failing handler cannot become an unhandled rejection.
 *
 * While the handler runs, a session costs one reaction on the handler's promise here (no async
 * frame of its own): most of a server's sessions spend their lives in this state.
 */
export function runHandler<S extends DefaultWebSocketSession, R>(
  handler: (session: S, request: R) => unknown,
  session: S,
  request: R,
  policy: HandlerErrorPolicy<R>,
  done?: (session: S) => void,
): Promise<void> {
  let returned: unknown;
  try {
    returned = handler(session, request);
  } catch (error) {
    return closeAfter(session, request, policy, done, error, true);
  }
  return Promise.resolve(returned).then(
    () => closeAfter(session, request, policy, done, undefined, false),
    (error: unknown) => closeAfter(session, request, policy, done, error, true),
  );
}

/** Closes the session once its handler is done: 1000, or 1011 for what it threw. */
async function closeAfter<S extends DefaultWebSocketSession, R>(
  session: S,
  request: R,
  { onError, exposeErrors }: HandlerErrorPolicy<R>,
  done: ((session: S) => void) | undefined,
  error: unknown,
  failed: boolean,
): Promise<void> {
  let reason = new CloseReason(CloseReason.Codes.NORMAL, "");
  if (failed) {
    // An error's message may hold what only the server should see (paths, queries, secrets).
    const message = !exposeErrors ? INTERNAL_ERROR_REASON : error instanceof Error ? error.message : String(error);
    reason = new CloseReason(CloseReason.Codes.INTERNAL_ERROR, message);
    // A channel that closed under the handler means the connection ended (the peer left, a ping
    // timed out): the session already knows why, and it is not the handler's bug.
    if (!(error instanceof ClosedReceiveChannelError || error instanceof ClosedSendChannelError)) report(onError, error, request);
  }
  try {
    await session.close(reason);
  } catch (closeError) {
    report(onError, closeError, request);
    session.terminate();
  }
  done?.(session);
}

/** @internal Calls the error hook; a hook that throws is not allowed to take the process down. */
export function report<R>(onError: (error: unknown, request: R) => void, error: unknown, request: R): void {
  try {
    onError(error, request);
  } catch (hookError) {
    console.error("kite-ws/server: onError threw:", hookError, "while reporting:", error);
  }
}
