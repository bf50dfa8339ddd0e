import { createInterface, clearLine, cursorTo, type Interface } from "node:readline";
import { drained, type CliIo } from "./io.js";
import { createStyle, useColor, type Style } from "./output.js";

/**
 * The command line's two ends: lines typed (or piped) on stdin, and output on stdout and stderr.
 *
 * When both stdin and stdout are terminals, readline runs in terminal mode: a `> ` prompt, line
 * editing and history, and output printed above the line being typed. Otherwise (a pipe, a file)
 * there is no prompt and stdout gets the payloads only, so `kite connect ... | jq` works.
 */
export class LineConsole {
  /** True in terminal mode: stdin and stdout are terminals, so there is a prompt and line editing. */
  readonly interactive: boolean;
  /**
   * True when stdout is a terminal: output is for a person, so it gets `< ` marks and its control
   * characters escaped. False for pipes and files, which get the payloads as sent.
   */
  readonly decorated: boolean;
  /** Colors for stdout and stderr (off for pipes, NO_COLOR and --no-color). */
  readonly out: Style;
  readonly err: Style;
  private readonly io: CliIo;
  private readonly rl: Interface | null;
  private readonly lineIterator: AsyncIterator<string> | null;
  private prompting = false;
  /** readline closed: end of input, or `close()`. Lines read before the end are still handed out. */
  private closed = false;
  /** `close()` was called: no more lines, even those already read. */
  private stopped = false;
  private outputBroken = false;

  /**
   * @param onInterrupt called for Ctrl-C in terminal mode (readline gets it as a key, not a
   *   signal) and when stdout goes away (EPIPE: the reader of our pipe is gone).
   */
  constructor(io: CliIo, options: { readonly noColor: boolean; readonly onInterrupt: () => void; readonly readLines?: boolean }) {
    this.io = io;
    this.decorated = io.stdout.isTTY === true;
    const readLines = options.readLines ?? true;
    this.interactive = readLines && io.stdin.isTTY === true && this.decorated;
    this.out = createStyle(useColor(io.stdout, io.env, options.noColor));
    this.err = createStyle(useColor(io.stderr, io.env, options.noColor));
    io.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (this.outputBroken) return;
      this.outputBroken = true;
      if (error.code !== "EPIPE") this.status(`kite: cannot write to stdout: ${error.message}`);
      options.onInterrupt();
    });
    if (!readLines) {
      // Input is read elsewhere (bytes, NUL-separated records) or not at all (-x).
      this.rl = null;
      this.lineIterator = null;
      this.closed = true;
      return;
    }
    this.rl = createInterface({
      input: io.stdin,
      output: this.interactive ? io.stdout : undefined,
      terminal: this.interactive,
      prompt: this.interactive ? this.out.dim("> ") : "",
      crlfDelay: Infinity,
      removeHistoryDuplicates: true,
    });
    this.rl.on("SIGINT", options.onInterrupt);
    // Enter moves the cursor past the prompt: output no longer needs to be drawn above it.
    this.rl.on("line", () => (this.prompting = false));
    this.rl.on("close", () => this.onClosed());
    this.lineIterator = this.rl[Symbol.asyncIterator]();
  }

  /** The next line typed or piped in, or null at the end of input (Ctrl-D, EOF) or after `close()`. */
  async nextLine(): Promise<string | null> {
    if (this.stopped || this.lineIterator === null) return null;
    const { value, done } = await this.lineIterator.next();
    return done === true || this.stopped ? null : value;
  }

  /** Shows the prompt (terminal mode only). */
  prompt(): void {
    if (!this.interactive || this.closed) return;
    this.prompting = true;
    this.rl?.prompt(true);
  }

  /**
   * Writes a block of output to stdout, above the prompt in terminal mode, and resolves when stdout
   * can take more, so a slow reader of our pipe slows the server instead of filling memory.
   */
  async print(text: string): Promise<void> {
    if (this.outputBroken) return;
    this.aboveThePrompt(() => this.io.stdout.write(`${text}\n`));
    await drained(this.io.stdout);
  }

  /** Writes bytes or text to stdout as they are (no newline), and resolves when stdout can take more. */
  async write(data: string | Uint8Array): Promise<void> {
    if (this.outputBroken) return;
    this.aboveThePrompt(() => this.io.stdout.write(data));
    await drained(this.io.stdout);
  }

  /** One JSON Lines event on stdout, written at once (events keep their order with the messages). */
  event(fields: Record<string, unknown>): void {
    if (this.outputBroken) return;
    this.aboveThePrompt(() => this.io.stdout.write(`${JSON.stringify(fields)}\n`));
  }

  /** A status or error line on stderr, above the prompt in terminal mode. */
  status(text: string): void {
    this.aboveThePrompt(() => this.io.stderr.write(`${text}\n`));
  }

  /** Stops reading input; a pending `nextLine()` resolves with null. */
  close(): void {
    this.stopped = true;
    if (this.closed) return;
    this.onClosed();
    this.rl?.close();
  }

  /** Input is over (Ctrl-D, Ctrl-C, end of the session): leave the prompt's line, so what follows starts on its own. */
  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.prompting) this.io.stdout.write("\n");
    this.prompting = false;
  }

  private aboveThePrompt(write: () => void): void {
    if (!this.prompting) {
      write();
      return;
    }
    clearLine(this.io.stdout, 0);
    cursorTo(this.io.stdout, 0);
    write();
    this.rl?.prompt(true);
  }
}
