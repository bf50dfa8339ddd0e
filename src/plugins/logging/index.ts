/**
 * `kite-ws/logging`: the Logging plugin, as Ktor's client `Logging`. Install it with
 * `config.install(Logging, (l) => { l.level = "frames" })` to log each connection's handshake,
 * frames, pings and close, secrets redacted.
 *
 * @module kite-ws/logging
 */
export { Logging } from "./logging.js";
export type { LoggingPlugin } from "./logging-plugin.js";
export { LoggingConfig, type LogLevel, type Logger, type LoggingFilter, type SanitizePredicate } from "./logging-config.js";
