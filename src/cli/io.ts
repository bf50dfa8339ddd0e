import type { Readable, Writable } from "node:stream";

/**
 * What a command may touch of its process. Commands take this instead of reaching for `process`,
 * so the same code runs under `main` and, in tests, on plain streams.
 */
export interface CliIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where SIGINT and SIGTERM are heard: `process` under `main`. */
  readonly signals: SignalSource;
}

/** The slice of `process` that delivers signals. */
export interface SignalSource {
  on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
  off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process };
}

/**
 * A second signal this soon after the first is taken as the same one: `npm start` forwards the
 * terminal's SIGINT to its child, which then hears one Ctrl-C twice.
 */
const REPEAT_WINDOW_MS = 500;

/**
 * Ctrl-C (or SIGTERM) handling for commands that close gracefully: the first signal asks for a
 * graceful stop (`onStop`), a later one forces it (`onForce`), as most interactive tools do, so a
 * peer that never answers the close cannot hold the terminal.
 */
export class Interrupts {
  private first = 0;
  private readonly listener = (): void => this.trigger();
  private readonly source: SignalSource;
  private readonly onStop: () => void;
  private readonly onForce: () => void;
  private disposed = false;

  constructor(source: SignalSource, onStop: () => void, onForce: () => void) {
    this.source = source;
    this.onStop = onStop;
    this.onForce = onForce;
    source.on("SIGINT", this.listener);
    source.on("SIGTERM", this.listener);
  }

  /** True once a stop was asked for. */
  get stopped(): boolean {
    return this.first !== 0;
  }

  /** Called for every interrupt, from a signal or from readline's Ctrl-C in raw mode. */
  trigger(): void {
    if (this.disposed) return;
    const now = Date.now();
    if (this.first === 0) {
      this.first = now;
      this.onStop();
    } else if (now - this.first >= REPEAT_WINDOW_MS) {
      this.onForce();
    }
  }

  /** Stops listening; the process's default handling of signals comes back. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.source.off("SIGINT", this.listener);
    this.source.off("SIGTERM", this.listener);
  }
}

/** Resolves when `stream` can take more, or at once if it already can. */
export function drained(stream: Writable): Promise<void> {
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}
