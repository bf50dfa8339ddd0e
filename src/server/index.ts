/**
 * The public API of kite-ws/server: WebSocket routes on node:http / node:https, on the client's protocol core.
 *
 * @module kite-ws/server
 */
export { serve, type WebSocketServer } from "./serve.js";
export { webSocketRoutes, type WebSocketRoutes, type CloseRoutesOptions } from "./routes.js";
export type { WebSocketRouting, WebSocketRouteOptions, WebSocketHandler } from "./routing.js";
export { DefaultWebSocketServerSession } from "./server-session.js";
export type { SlowSubscriberPolicy } from "./topics.js";
export type { DrainOptions } from "./drain.js";
export type { Backplane, BackplanePayload } from "./backplane.js";
export type { WebSocketServerRequest } from "./server-request.js";
export type {
  WebSocketServerOptions,
  ServeOptions,
  OriginPolicy,
  ProtocolSelector,
  ServerErrorHandler,
} from "./server-options.js";
// Extensions for the `extensions` option (also exported by the package root).
export { WebSocketExtensionsConfig } from "../extensions/extensions-config.js";
export { WebSocketDeflateExtension } from "../extensions/permessage-deflate/deflate-extension.js";
export { WebSocketDeflateConfig } from "../extensions/permessage-deflate/deflate-config.js";
