import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { Buffer } from "node:buffer";
import type { EngineCapability, EngineConnection, HttpClientEngine, HttpClientEngineFactory, WebSocketRequest } from "../engine.js";
import { CioEngineConfig } from "./cio-config.js";
import { openHandshake } from "./client-handshake.js";

const CAPABILITIES: ReadonlySet<EngineCapability> = new Set([
  "websockets",
  "pingFrames",
  "customHeaders",
  "rawFrames",
  "frameSizeLimit",
]);

/** The default engine: kite-ws's own RFC 6455 client over `node:net` / `node:tls`. */
export class CioEngine implements HttpClientEngine {
  readonly name = "CIO";
  readonly capabilities = CAPABILITIES;
  readonly config: CioEngineConfig;

  constructor(config: CioEngineConfig = new CioEngineConfig()) {
    this.config = config;
  }

  connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const signal = request.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const socket = this.openSocket(request.url);
    return openHandshake(socket, request, this.config);
  }

  close(): void {
    // CIO keeps no pool: every session owns its socket.
  }

  private openSocket(url: URL): Socket {
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (url.protocol === "wss:" ? 443 : 80);
    if (url.protocol !== "wss:") return connectTcp({ host, port });
    const tls = this.config.tls;
    const servername = tls.servername ?? (isIP(host) ? undefined : host);
    return connectTls({
      host,
      port,
      servername,
      ca: tls.ca as string | Buffer | Array<string | Buffer> | undefined, // Node reads any Uint8Array here
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      ALPNProtocols: ["http/1.1"],
    });
  }
}

/** The CIO engine factory: `new HttpClient(CIO, (config) => ...)`. */
export const CIO: HttpClientEngineFactory<CioEngineConfig> = {
  name: "CIO",
  create(configure) {
    const config = new CioEngineConfig();
    configure?.(config);
    return new CioEngine(config);
  },
};
