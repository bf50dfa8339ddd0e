// Helpers for the Logging tests: a logger that records its lines and lets a test wait for one.
import type { FrameTransport } from "../../../src/transport/frame-transport.js";
import type { WebSocketSession } from "../../../src/index.js";

/** A `Logger` that keeps every line, for assertions and for grepping for secrets. */
export class LineRecorder {
  readonly lines: string[] = [];
  private readonly waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  /** The logger to install: `l.logger = recorder.logger`. */
  readonly logger = (line: string): void => {
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      if (waiter.pattern.test(line)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };

  /** Everything logged, one line each. */
  get text(): string {
    return this.lines.join("\n");
  }

  /** The first line matching `pattern`, now or once it is logged; rejects after `millis`. */
  waitFor(pattern: RegExp, millis = 5_000): Promise<string> {
    const found = this.lines.find((line) => pattern.test(line));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`No line matched ${String(pattern)} within ${millis} ms; logged:\n${this.text}`)), millis);
      this.waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  }

  /** The lines matching `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }
}

/** The transport a session talks to (a protected field), to see whether Logging wrapped it. */
export function transportOf(session: WebSocketSession): FrameTransport {
  return (session as unknown as { transport: FrameTransport }).transport;
}
