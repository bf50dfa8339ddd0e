import { levelRank } from "./logging-config.js";
import type { LoggingPlugin } from "./logging-plugin.js";
import type { Redactor } from "./redaction.js";
import { LONG_PREVIEW, SHORT_PREVIEW, printable, type PreviewLimits } from "./line-format.js";

/**
 * @internal The lines of one connection: each starts with "ws#<n>" so the lines of concurrent
 * connections can be told apart. The level is read once into flags, so a frame costs a boolean
 * test when its level is off.
 */
export class ConnectionLog {
  /** Request and response headers. */
  readonly headers: boolean;
  /** Every frame, pings and pongs. */
  readonly frames: boolean;
  /** Flow control, longer previews. */
  readonly all: boolean;
  readonly preview: PreviewLimits;
  readonly redactor: Redactor;
  /** When the connection was asked for, in `performance.now()` milliseconds. */
  readonly startedAt = performance.now();
  private readonly prefix: string;
  private readonly write: (message: string) => void;

  constructor(plugin: LoggingPlugin) {
    const rank = levelRank(plugin.level);
    this.headers = rank >= levelRank("headers");
    this.frames = rank >= levelRank("frames");
    this.all = rank >= levelRank("all");
    this.preview = this.all ? LONG_PREVIEW : SHORT_PREVIEW;
    this.redactor = plugin.redactor;
    this.prefix = `ws#${plugin.nextConnectionId()} `;
    this.write = plugin.log;
  }

  line(text: string): void {
    this.write(this.prefix + text);
  }

  /** Time since the connection was asked for: "12 ms", "3.4 s". */
  elapsed(): string {
    const millis = performance.now() - this.startedAt;
    return millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)} s`;
  }

  /** "Name: message" of an error (anything thrown), with the URLs in it redacted and its controls escaped. */
  error(error: unknown): string {
    const text = !(error instanceof Error) ? String(error) : error.message === "" ? error.name : `${error.name}: ${error.message}`;
    return printable(this.redactor.text(text));
  }

  /** Header lines, "> name: value" or "< name: value", secrets redacted and controls escaped. */
  headerLines(direction: ">" | "<", headers: Headers): void {
    for (const line of this.redactor.headerLines(headers)) this.line(`${direction} ${printable(line)}`);
  }
}
