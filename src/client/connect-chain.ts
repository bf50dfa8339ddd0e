import type { EngineConnection, HttpClientEngine, WebSocketRequest } from "../engine/engine.js";
import type { ConnectHook, ConnectProceed } from "./plugin.js";

/**
 * @internal The plugins' connect hooks around the engine's `connectWebSocket`, the first installed
 * outermost. Built once per client: a connection walks the chain without allocating a closure per hook.
 */
export function connectChain(engine: HttpClientEngine, hooks: readonly ConnectHook[]): ConnectProceed {
  let next: ConnectProceed = (request) => engine.connectWebSocket(request);
  for (let i = hooks.length - 1; i >= 0; i--) next = link(hooks[i], next);
  return next;
}

function link(hook: ConnectHook, proceed: ConnectProceed): ConnectProceed {
  return async (request: WebSocketRequest): Promise<EngineConnection> => hook(request, proceed);
}
