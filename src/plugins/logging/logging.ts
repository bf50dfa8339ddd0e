import type { HttpClientPlugin, PluginInstallScope } from "../../client/plugin.js";
import type { WebSocketRequest } from "../../engine/engine.js";
import { LoggingConfig, levelRank, type LoggingFilter } from "./logging-config.js";
import type { LoggingPlugin } from "./logging-plugin.js";
import { Redactor } from "./redaction.js";
import { loggingConnectHook } from "./connect-hook.js";

/**
 * The Logging plugin, as Ktor's client `Logging`: `config.install(Logging, (l) => { l.level = "frames" })`
 * logs each WebSocket connection's handshake, frames, pings and close, with secrets redacted. Off
 * unless installed; installed, it logs at the `"headers"` level to `console.log`. It works over every
 * engine (it sees frames as the session does, after extensions decode them) and logs each connection
 * of a reconnecting session: it installs itself as a hook around every connection the client opens.
 */
export const Logging: HttpClientPlugin<LoggingConfig, LoggingPlugin> = {
  key: "Logging",
  createConfig: () => new LoggingConfig(),
  install(config: LoggingConfig, scope: PluginInstallScope): LoggingPlugin {
    const level = config.level;
    const logger = config.logger;
    const write = typeof logger === "function" ? logger : logger.log.bind(logger);
    const filters: readonly LoggingFilter[] = [...config.filters];
    const redactor = new Redactor(config.headerSanitizers, config.queryParameterSanitizers);
    let connections = 0;
    const plugin: LoggingPlugin = Object.freeze({
      level,
      log(message: string): void {
        try {
          write(message);
        } catch {
          // A broken logger must not take the connection down with it.
        }
      },
      redactor,
      accepts(request: WebSocketRequest): boolean {
        for (const filter of filters) if (!filter(request)) return false;
        return true;
      },
      nextConnectionId: () => ++connections,
    });
    // At level "none" there is no hook at all: nothing is logged, and connections pay nothing for it.
    if (levelRank(level) > 0) scope.onConnect(loggingConnectHook(plugin, scope.engine.name));
    return plugin;
  },
};
