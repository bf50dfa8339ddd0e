import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connectTls } from "./lazy-tls.js";
import { OwnedReads } from "../../transport/owned-reads.js";
import { Buffer } from "node:buffer";
import type { EngineCapability, EngineConnection, HttpClientEngine, HttpClientEngineFactory, WebSocketRequest } from "../engine.js";
import { CioEngineConfig, checkCioConfig, type CioTlsConfig } from "./cio-config.js";
import type { ConnectionOptions } from "node:tls";
import { openHandshake } from "./client-handshake.js";
import { openTunnel } from "./proxy.js";
import { bareHost, resolveProxy } from "./proxy-selection.js";
import { isRedirect, maxRedirects, redirectRequest, unfollowedRedirect } from "./redirect.js";
import { connectTimeoutError, defaultPort } from "../connect-error.js";
import type { ConnectTimeoutError } from "../../errors.js";

const CAPABILITIES: ReadonlySet<EngineCapability> = new Set([
  "websockets",
  "pingFrames",
  "customHeaders",
  "rawFrames",
  "frameSizeLimit",
  "fragmentedFrames",
  "readBackpressure",
  "handshakeResponse",
  "extensions",
]);

/**
 * The default engine: kite-ws's own RFC 6455 client over `node:net` / `node:tls`, through an HTTP
 * CONNECT proxy when one is configured (or named by `HTTPS_PROXY` / `HTTP_PROXY`), following
 * redirects when asked to.
 */
export class CioEngine implements HttpClientEngine {
  readonly name = "CIO";
  readonly capabilities = CAPABILITIES;
  /** The settings it was made with (`config.engine((cio) => ...)`); read at each connect. */
  readonly config: CioEngineConfig;

  constructor(config: CioEngineConfig = new CioEngineConfig()) {
    this.config = config;
    checkCioConfig(config); // a bad setting fails when the client is built
  }

  async connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const deadline = Date.now() + this.config.connectTimeoutMillis;
    const hops = maxRedirects(this.config.followRedirects);
    let current = request;
    for (let hop = 0; ; hop++) {
      try {
        return await this.connectOnce(current, deadline);
      } catch (error) {
        if (!isRedirect(error)) throw error;
        if (hops === 0) throw unfollowedRedirect(error, "set cio.followRedirects to follow redirects");
        if (hop >= hops) throw unfollowedRedirect(error, `more than ${hops} redirects (cio.followRedirects)`);
        current = redirectRequest(current, error);
      }
    }
  }

  close(): void {
    // CIO keeps no pool: every session owns its socket.
  }

  /** One connection: TCP (or a proxy tunnel), TLS for `wss:`, then the handshake, by `deadline`. */
  private async connectOnce(request: WebSocketRequest, deadline: number): Promise<EngineConnection> {
    const signal = request.signal;
    if (signal?.aborted) throw signal.reason;
    const url = request.url;
    const proxy = resolveProxy(this.config.proxy, url);
    let socket: Socket;
    if (proxy === null) {
      socket = this.openSocket(url);
    } else {
      const tunnel = await this.withDeadline(
        (onSocket) => openTunnel(proxy, url, { responseHead: this.config.responseHead, tls: this.config.tls }, onSocket),
        url,
        deadline,
        signal,
      );
      // A plain tunnel was paused for the hand-over; the handshake's listeners attach in this same tick.
      socket = url.protocol === "wss:" ? this.startTls(url, tunnel) : tunnel.resume();
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      socket.destroy();
      throw this.timeoutError(url);
    }
    // The handshake gets what is left of the deadline.
    return openHandshake(socket, request, this.config, remaining);
  }

  /** Runs a connecting step that must finish by `deadline` and stop when `signal` aborts. */
  private withDeadline<T>(
    step: (onSocket: (socket: Socket) => void) => Promise<T>,
    url: URL,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    let socket: Socket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError(url)), Math.max(0, deadline - Date.now()));
      onAbort = () => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    const work = step((s) => (socket = s));
    return Promise.race([work, stopped])
      .catch((error: unknown) => {
        (socket as Socket | null)?.destroy();
        throw error;
      })
      .finally(() => {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
        work.catch(() => {}); // lost the race: its rejection is expected
      });
  }

  private timeoutError(url: URL): ConnectTimeoutError {
    return connectTimeoutError(url, this.config.connectTimeoutMillis, "cio.connectTimeoutMillis");
  }

  private openSocket(url: URL): Socket {
    const host = bareHost(url.hostname);
    const port = Number(url.port) || defaultPort(url);
    if (url.protocol !== "wss:") {
      const reads = new OwnedReads();
      return reads.attach(connectTcp({ host, port, onread: reads.options() }));
    }
    return connectTls({ host, port, ...tlsOptions(this.config.tls, host) });
  }

  /** TLS to the target inside a proxy tunnel: the certificate checked is the target's, not the proxy's. */
  private startTls(url: URL, tunnel: Socket): Socket {
    const host = bareHost(url.hostname);
    const secure = connectTls({ socket: tunnel, host, ...tlsOptions(this.config.tls, host) });
    secure.once("close", () => tunnel.destroy());
    return secure;
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

/** Node's TLS options for the target `host` from the engine's settings. */
function tlsOptions(tls: CioTlsConfig, host: string): ConnectionOptions {
  // Node reads any Uint8Array where its types say Buffer.
  type Pem = string | Buffer | Array<string | Buffer> | undefined;
  return {
    servername: tls.servername ?? (isIP(host) ? undefined : host),
    ca: tls.ca as Pem,
    cert: tls.cert as Pem,
    key: tls.key as Pem,
    passphrase: tls.passphrase,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ALPNProtocols: ["http/1.1"],
  };
}
