/**
 * The public API of kite-ws on Node.js: the shared API, plus the CIO engine (the default here) and
 * permessage-deflate, which need node:net, node:tls and node:zlib. Optional parts live on subpaths:
 * `kite-ws/reconnect`, `kite-ws/logging`, `kite-ws/server`, `kite-ws/testing`, the other engines and
 * converters.
 *
 * @module kite-ws
 */
export * from "./api.js";

export { CIO, CioEngine } from "./engine/cio/cio-engine.js";
export { CioEngineConfig, type CioTlsConfig, type CioProxyConfig } from "./engine/cio/cio-config.js";
export type { ResponseHeadLimits } from "./http/response-head.js";
export { ProxyConnectError } from "./engine/cio/proxy.js";

export { WebSocketDeflateExtension } from "./extensions/permessage-deflate/deflate-extension.js";
export { WebSocketDeflateConfig, type CompressCondition } from "./extensions/permessage-deflate/deflate-config.js";

// `new HttpClient()` without an engine uses CIO when the package is loaded through this entry point.
import { CIO as DefaultEngine } from "./engine/cio/cio-engine.js";
import { setDefaultEngine } from "./engine/default-engine.js";
setDefaultEngine(DefaultEngine);
