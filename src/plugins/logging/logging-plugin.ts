import type { WebSocketRequest } from "../../engine/engine.js";
import type { LogLevel } from "./logging-config.js";
import type { Redactor } from "./redaction.js";

/** The Logging plugin as installed in a client: its settled configuration. */
export interface LoggingPlugin {
  /** What is logged. */
  readonly level: LogLevel;
  /** Writes one line; a logger that throws is ignored, so logging cannot break a connection. */
  readonly log: (message: string) => void;
  /** @internal Hides secrets in URLs, headers and error messages. */
  readonly redactor: Redactor;
  /** @internal Whether `request`'s connection is logged: every filter accepts it (at level "none" nothing asks). */
  accepts(request: WebSocketRequest): boolean;
  /** @internal A number for the next connection's lines ("ws#3"), counted per client. */
  nextConnectionId(): number;
}
