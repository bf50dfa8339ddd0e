import type { HttpClientPlugin } from "../../client/plugin.js";
import type { WebSocketRequest } from "../../engine/engine.js";
import { LoggingConfig, levelRank, type LogLevel, type LoggingFilter } from "./logging-config.js";
import { Redactor } from "./redaction.js";

/** The Logging plugin as installed in a client: its settled configuration. */
export interface LoggingPlugin {
  /** What is logged. */
  readonly level: LogLevel;
  /** Writes one line; a logger that throws is ignored, so logging cannot break a connection. */
  readonly log: (message: string) => void;
  /** @internal Hides secrets in URLs, headers and error messages. */
  readonly redactor: Redactor;
  /** @internal Whether `request`'s connection is logged: the level is not "none" and every filter accepts it. */
  accepts(request: WebSocketRequest): boolean;
  /** @internal A number for the next connection's lines ("ws#3"), counted per client. */
  nextConnectionId(): number;
}

/**
 * The Logging plugin, as Ktor's client `Logging`: `config.install(Logging, (l) => { l.level = "frames" })`
 * logs each WebSocket connection's handshake, frames, pings and close, with secrets redacted. Off
 * unless installed; installed, it logs at the `"headers"` level to `console.log`. It works over every
 * engine (it sees frames as the session does, after extensions decode them) and logs each connection
 * of a reconnecting session.
 */
export const Logging: HttpClientPlugin<LoggingConfig, LoggingPlugin> = {
  key: "Logging",
  createConfig: () => new LoggingConfig(),
  prepare(config: LoggingConfig): LoggingPlugin {
    const level = config.level;
    const logger = config.logger;
    const write = typeof logger === "function" ? logger : logger.log.bind(logger);
    const filters: readonly LoggingFilter[] = [...config.filters];
    const redactor = new Redactor(config.headerSanitizers, config.queryParameterSanitizers);
    let connections = 0;
    return Object.freeze({
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
        if (levelRank(level) === 0) return false;
        for (const filter of filters) if (!filter(request)) return false;
        return true;
      },
      nextConnectionId: () => ++connections,
    });
  },
};
