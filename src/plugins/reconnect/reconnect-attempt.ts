import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { WebSocketRequestOptions, WebSocketTarget } from "../../client/target.js";
import { ConnectTimeoutError } from "../../errors.js";
import { abortable } from "../../util/abortable.js";
import { toError } from "../../util/to-error.js";
import { typeError } from "../../util/describe-value.js";
import type { ReconnectDeps, ReconnectTarget, ReconnectTargetContext } from "./reconnect-types.js";

/**
 * @internal How one attempt ended: an open session (with `release`, which stops forwarding the
 * target's own abort signal to it once the connection is over), or the error it failed with.
 */
export type AttemptOutcome =
  | { readonly session: DefaultWebSocketSession; readonly url: URL; readonly release: () => void }
  | { readonly error: Error };

/** @internal What an attempt needs to open a connection. */
export type AttemptDeps = Pick<ReconnectDeps, "connect" | "resolveUrl">;

/**
 * @internal One attempt of a reconnecting session: the target function (when the target is one),
 * then the engine's connect, within `connectTimeoutMillis` (null: the engine's own timeout alone).
 * Aborting `controller` ends it with the abort's reason; so does the target's own `signal`, unless
 * it is `sessionSignal` (the session's own, which stops the whole session and its attempt). A
 * session that opens too late to be used is terminated. Never rejects: a failure is an outcome.
 */
export async function connectAttempt(
  target: ReconnectTarget,
  attempt: number,
  connectTimeoutMillis: number | null,
  deps: AttemptDeps,
  controller: AbortController,
  sessionSignal: AbortSignal | null = null,
): Promise<AttemptOutcome> {
  const signal = controller.signal;
  const timer =
    connectTimeoutMillis === null
      ? null
      : setTimeout(
          () => controller.abort(new ConnectTimeoutError(`Attempt ${attempt} took longer than ${connectTimeoutMillis} ms (connectTimeout)`)),
          connectTimeoutMillis,
        );
  let release = (): void => {};
  try {
    const resolved = typeof target === "function" ? await abortable(callTarget(target, { attempt, signal }), signal) : target;
    const parts = toRequestOptions(resolved);
    const url = deps.resolveUrl(parts);
    const own = parts.signal;
    if (own !== undefined && own !== sessionSignal) {
      if (own.aborted) throw own.reason;
      const forward = (): void => controller.abort(own.reason);
      own.addEventListener("abort", forward, { once: true });
      release = () => own.removeEventListener("abort", forward);
    }
    const session = await abortable(deps.connect({ ...parts, signal }), signal, (late) => late.terminate());
    if (signal.aborted) {
      // Aborted as the session opened, before it could listen to the signal.
      session.terminate();
      throw signal.reason;
    }
    return { session, url, release };
  } catch (error) {
    release();
    return { error: toError(error) };
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** @internal A target as request options; a `TypeError` for anything that is not a target. */
export function toRequestOptions(target: WebSocketTarget): WebSocketRequestOptions {
  if (typeof target === "string" || target instanceof URL) return { url: target };
  if (target === null || typeof target !== "object") {
    throw typeError("A WebSocket target", "a URL string, a URL, an options object such as { host, port, path }, or a function giving one", target);
  }
  return target;
}

/** The target function's result as a promise, a synchronous throw included. */
function callTarget(
  target: (context: ReconnectTargetContext) => WebSocketTarget | Promise<WebSocketTarget>,
  context: ReconnectTargetContext,
): Promise<WebSocketTarget> {
  try {
    return Promise.resolve(target(context));
  } catch (error) {
    return Promise.reject(error);
  }
}
