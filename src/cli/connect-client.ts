import { HttpClient } from "../client/http-client.js";
import type { HttpClientConfig } from "../client/http-client-config.js";
import { CIO } from "../engine/cio/cio-engine.js";
// The plugins' index modules: they load the builders each plugin adds to HttpClient.
import { WebSockets } from "../plugins/websockets/index.js";
import { Reconnect } from "../plugins/reconnect/index.js";
import { Logging } from "../plugins/logging/index.js";
import type { ConnectOptions } from "./connect-options.js";
import { frameWatchPlugin, type FrameWatch } from "./frame-watch.js";
import type { LineConsole } from "./terminal.js";

/**
 * The client for `kite connect`: WebSockets with the ping interval, Reconnect with `--reconnect`,
 * with `--verbose` the Logging plugin at the frames level (its lines on stderr above the prompt), the
 * frame watch (pings and pongs for `/ping` and `--json`), and the engine's TLS, proxy and redirect
 * settings.
 */
export function createConnectClient(options: ConnectOptions, terminal: LineConsole, watch: FrameWatch): HttpClient {
  const { tls } = options;
  return new HttpClient(CIO, (config) => {
    installPlugins(config, options, terminal, watch);
    config.engine((cio) => {
      if (options.connectTimeoutMillis !== null) cio.connectTimeoutMillis = options.connectTimeoutMillis;
      cio.tls = {
        ...(tls.insecure ? { rejectUnauthorized: false } : {}),
        ...(tls.ca === null ? {} : { ca: tls.ca }),
        ...(tls.servername === null ? {} : { servername: tls.servername }),
        ...(tls.cert === null || tls.key === null ? {} : { cert: tls.cert, key: tls.key }),
      };
      cio.proxy = options.proxy;
      cio.followRedirects = options.followRedirects;
    });
  });
}

function installPlugins<E>(config: HttpClientConfig<E>, options: ConnectOptions, terminal: LineConsole, watch: FrameWatch): void {
  config.install(WebSockets, (ws) => {
    ws.pingIntervalMillis = options.pingMillis;
  });
  if (options.reconnect) {
    config.install(Reconnect, (r) => {
      if (options.maxAttempts !== null) r.maxAttempts = options.maxAttempts;
      if (options.connectTimeoutMillis !== null) r.connectTimeout = options.connectTimeoutMillis;
    });
  }
  if (options.verbose) {
    config.install(Logging, (l) => {
      l.level = "frames";
      l.logger = (line) => terminal.status(terminal.err.dim(line));
    });
  }
  config.install(frameWatchPlugin(watch));
}
