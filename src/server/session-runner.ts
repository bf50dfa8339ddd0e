import { CloseReason } from "../protocol/close-reason.js";
import { ClosedReceiveChannelError, ClosedSendChannelError } from "../errors.js";
import type { DefaultWebSocketServerSession, WebSocketHandler } from "./routing.js";
import type { WebSocketServerRequest } from "./server-request.js";
import type { ServerErrorHandler } from "./server-options.js";

/**
 * @internal Runs a route's handler with its session as Ktor's server `webSocket` route does: close
 * with 1000 when it returns, with 1011 and the error's message when it throws, and resolve once the
 * connection is gone. Never rejects, so a failing handler cannot become an unhandled rejection.
 */
export async function runHandler(
  handler: WebSocketHandler,
  session: DefaultWebSocketServerSession,
  request: WebSocketServerRequest,
  onError: ServerErrorHandler,
): Promise<void> {
  let reason = new CloseReason(CloseReason.Codes.NORMAL, "");
  try {
    await handler(session, request);
  } catch (error) {
    reason = new CloseReason(CloseReason.Codes.INTERNAL_ERROR, error instanceof Error ? error.message : String(error));
    // A channel that closed under the handler means the connection ended (the peer left, a ping
    // timed out): the session already knows why, and it is not the handler's bug.
    if (!(error instanceof ClosedReceiveChannelError || error instanceof ClosedSendChannelError)) report(onError, error, request);
  }
  try {
    await session.close(reason);
  } catch (error) {
    report(onError, error, request);
    session.terminate();
  }
}

/** @internal Calls the error hook; a hook that throws is not allowed to take the process down. */
export function report(onError: ServerErrorHandler, error: unknown, request: WebSocketServerRequest | null): void {
  try {
    onError(error, request);
  } catch (hookError) {
    console.error("kite-ws/server: onError threw:", hookError, "while reporting:", error);
  }
}
