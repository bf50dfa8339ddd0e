import { HttpClient } from "../client/http-client.js";
import { resolveTarget, type WebSocketRequestOptions } from "../client/target.js";
import { CIO } from "../engine/cio/cio-engine.js";
import { WebSockets } from "../plugins/websockets/index.js";
import { Reconnect, ReconnectGaveUpError, type ReconnectingWebSocketSession, type ClosedEvent } from "../plugins/reconnect/index.js";
import { Logging } from "../plugins/logging/index.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import { ClosedSendChannelError, WebSocketHandshakeError } from "../errors.js";
import {
  UsageError,
  normalizeUrl,
  parseBinaryEncoding,
  parseCommandLine,
  parseCount,
  parseDuration,
  parseHeader,
  type BinaryEncoding,
} from "./args.js";
import type { Command } from "./command.js";
import { ExitCode, closeTimeoutOf, sessionExitCode } from "./exit-codes.js";
import { Interrupts, type CliIo } from "./io.js";
import { decodeBinaryLine, describeError, escapeControls, formatClose, renderPayload } from "./output.js";
import { LineConsole } from "./terminal.js";

const USAGE = `Usage: kite connect [options] <url>

Opens a WebSocket. Each line read from stdin is sent as a text frame; each
message received is printed on stdout. End of input (Ctrl-D, or the end of a
pipe) closes the connection with 1000 and waits for the server's answer;
Ctrl-C closes with 1001 (press it again to cut the connection at once).

<url> is ws://, wss://, http:// or https://; without a scheme, ws:// is assumed.

Options:
  -H, --header <"Name: value">  Add a request header (repeatable); not one the
                                handshake sets itself (Upgrade, Connection,
                                Sec-WebSocket-*: -s offers subprotocols)
  -s, --subprotocol <name>      Offer a subprotocol (repeatable, preferred first)
      --ping <duration>         Send a ping this often; give up when no pong
                                comes within twice that (default: no pings)
      --connect-timeout <duration>
                                Give up connecting after this long (default 15s)
      --close-timeout <duration>
                                After sending our Close frame (end of input,
                                Ctrl-C), wait this long for the server's answer
                                before cutting the connection (exit 4; default:
                                twice --ping, or 15s)
      --reconnect               When the connection is lost (no close handshake,
                                a ping timeout, a close with 1001 or 1011-1013,
                                a network error, a 429 or 5xx answer), connect
                                again after a random wait that grows with each
                                failure (0.5s doubling up to 30s, 429 and 503
                                answers' Retry-After honoured). Lines typed
                                meanwhile are queued and sent once connected.
                                Each reconnect is reported on stderr
      --max-attempts <n>        With --reconnect: give up after n attempts in a
                                row that fail (default: never give up)
  -w, --wait <duration>         After the end of input, keep printing what
                                arrives for this long before closing (default
                                0): time for a server to answer the last lines
      --binary <hex|base64>     Decode each line from hex or base64 and send it
                                as a binary frame
      --json                    Pretty-print text messages that are JSON
      --no-color                No colors (also when NO_COLOR is set or stdout
                                is not a terminal)
  -q, --quiet                   No status lines on stderr, except for failures
      --verbose                 Log the connection on stderr: the handshake
                                (secret headers and query parameters shown as
                                ***), every frame sent (>>) and received (<<)
                                with its size and a short preview, pings with
                                the round-trip time of their pongs, and the
                                close. stdout is unchanged
  -h, --help                    Show this help

Durations are milliseconds (20000) or a number with ms, s, m or h (20s, 1m).

Output: text messages are printed as they are, binary messages in hex (in
base64 with --binary base64). When stdout is a terminal, each message is
marked "< " and control characters are shown escaped; in a pipe or a file,
stdout gets the payloads only, one message per line. Status lines (connected,
"closed: <code> <reason>", errors) go to stderr.

Exit status:
  0    closed normally: by us (end of input, Ctrl-C), or by the server with
       1000, 1001 or no code
  1    could not connect: network or TLS error, timeout, or the server refused
       the handshake (its HTTP status is printed); with --reconnect, gave up
       before ever connecting
  2    usage error
  3    closed abnormally: connection lost (1006), protocol error, ping timeout,
       or the server closed with any other code (1011, 4001, ...); with
       --reconnect, gave up after having been connected
  4    close handshake timed out: we closed (end of input, Ctrl-C) and the
       server did not answer our Close frame within --close-timeout, so the
       connection was cut
  130  Ctrl-C cut the connection without waiting for the close handshake (a
       second Ctrl-C, or one while a close is waiting for the server)

Examples:
  kite connect ws://127.0.0.1:8080/echo
  printf 'hello\\n' | kite connect 127.0.0.1:8080/echo
  kite connect ws://127.0.0.1:8080/feed --wait 30s </dev/null   (listen only)
  kite connect wss://example.com/feed -H "Authorization: Bearer $TOKEN" -s v1.feed --ping 20s --json
  kite connect --reconnect --ping 20s ws://127.0.0.1:8080/feed
  kite connect --verbose --ping 5s ws://127.0.0.1:8080/echo 2>kite.log
  kite connect --close-timeout 2s ws://127.0.0.1:8080/echo
`;

const OPTIONS = {
  header: { type: "string", short: "H", multiple: true },
  subprotocol: { type: "string", short: "s", multiple: true },
  ping: { type: "string" },
  "connect-timeout": { type: "string" },
  "close-timeout": { type: "string" },
  reconnect: { type: "boolean" },
  "max-attempts": { type: "string" },
  wait: { type: "string", short: "w" },
  binary: { type: "string" },
  json: { type: "boolean" },
  "no-color": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `kite connect` settings, checked. */
interface ConnectOptions {
  readonly target: WebSocketRequestOptions;
  /** The URL as it will be requested, for messages, without its credentials (they would land in logs). */
  readonly href: string;
  readonly pingMillis: number | null;
  readonly connectTimeoutMillis: number | null;
  /** How long to wait for the server's answer to our Close (`--close-timeout`), or null for the session's own deadline. */
  readonly closeTimeoutMillis: number | null;
  readonly waitMillis: number;
  readonly binary: BinaryEncoding | null;
  readonly json: boolean;
  readonly noColor: boolean;
  readonly quiet: boolean;
  /** Log the connection on stderr (`--verbose`). */
  readonly verbose: boolean;
  /** Reconnect when the connection is lost (`--reconnect`). */
  readonly reconnect: boolean;
  /** `--max-attempts`, or null for no limit. */
  readonly maxAttempts: number | null;
}

/**
 * Headers the handshake writes itself, with what to use instead. The library refuses them too, but
 * its message names API options; a CLI user needs the flag.
 */
const HANDSHAKE_HEADERS: ReadonlyMap<string, string> = new Map([
  ["sec-websocket-protocol", "use -s / --subprotocol <name> to offer a subprotocol (repeatable, preferred first)"],
  ["sec-websocket-extensions", "the handshake sets it itself (kite connect offers no extensions)"],
  ["sec-websocket-key", "the handshake sets it itself (a fresh random key for each connection)"],
  ["sec-websocket-version", "the handshake sets it itself (always 13)"],
  ["sec-websocket-accept", "a response header, sent by the server"],
  ["upgrade", "the handshake sets it itself (Upgrade: websocket)"],
  ["connection", "the handshake sets it itself (Connection: Upgrade)"],
]);

/** Refuses a `-H` the handshake owns, before connecting, naming the flag to use instead. */
function checkHandshakeHeader([name, value]: [string, string]): [string, string] {
  const instead = HANDSHAKE_HEADERS.get(name.toLowerCase());
  if (instead !== undefined) throw new UsageError(`-H ${name}: ${instead}`, "connect");
  return [name, value];
}

function parse(args: readonly string[]): ConnectOptions | "help" {
  const { values, positionals } = parseCommandLine(args, OPTIONS, "connect");
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError("missing <url>", "connect");
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`, "connect");
  const headers = (values.header ?? []).map((header) => checkHandshakeHeader(parseHeader(header, "connect")));
  const protocols = values.subprotocol ?? [];
  const target: WebSocketRequestOptions = { url: normalizeUrl(positionals[0]), headers, protocols };
  let href: string;
  try {
    // The library's own check, run before connecting so a bad URL or header is a usage error (2).
    const url = new URL(resolveTarget(target, { maxFrameSize: 1 }).url);
    if (url.password !== "") url.password = "***";
    href = url.href;
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message, "connect");
    throw error;
  }
  const connectTimeout = values["connect-timeout"] === undefined ? null : parseDuration(values["connect-timeout"], "--connect-timeout", "connect");
  if (connectTimeout === 0) throw new UsageError("--connect-timeout must be more than 0", "connect");
  const closeTimeout = values["close-timeout"] === undefined ? null : parseDuration(values["close-timeout"], "--close-timeout", "connect");
  if (closeTimeout === 0) throw new UsageError("--close-timeout must be more than 0", "connect");
  const reconnect = values.reconnect === true;
  const maxAttempts = values["max-attempts"] === undefined ? null : parseCount(values["max-attempts"], "--max-attempts", "connect");
  if (maxAttempts !== null && !reconnect) throw new UsageError("--max-attempts goes with --reconnect", "connect");
  if (values.verbose === true && values.quiet === true) throw new UsageError("--verbose and --quiet cannot go together", "connect");
  return {
    target,
    href,
    pingMillis: values.ping === undefined ? null : parseDuration(values.ping, "--ping", "connect") || null,
    connectTimeoutMillis: connectTimeout,
    closeTimeoutMillis: closeTimeout,
    waitMillis: values.wait === undefined ? 0 : parseDuration(values.wait, "--wait", "connect"),
    binary: values.binary === undefined ? null : parseBinaryEncoding(values.binary, "connect"),
    json: values.json === true,
    noColor: values["no-color"] === true,
    quiet: values.quiet === true,
    verbose: values.verbose === true,
    reconnect,
    maxAttempts,
  };
}

export const connectCommand: Command = {
  name: "connect",
  summary: "Open a WebSocket: send lines typed or piped in, print what arrives",
  usage: USAGE,
  async run(args, io) {
    const options = parse(args);
    if (options === "help") {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    return options.reconnect ? connectReconnecting(options, io) : connect(options, io);
  },
};

async function connect(options: ConnectOptions, io: CliIo): Promise<number> {
  let onStop = (): void => {};
  let onForce = (): void => {};
  const interrupts = new Interrupts(io.signals, () => onStop(), () => onForce());
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger() });
  const client = createClient(options, terminal);
  try {
    // Until the session is open, Ctrl-C gives up connecting.
    const connecting = new AbortController();
    onStop = () => connecting.abort(new Error("interrupted"));
    onForce = onStop;
    let session: DefaultWebSocketSession;
    try {
      session = await client.webSocketSession({ ...options.target, signal: connecting.signal });
    } catch (error) {
      if (connecting.signal.aborted) return ExitCode.INTERRUPTED;
      reportConnectFailure(terminal, options.href, error);
      return ExitCode.FAILED;
    }
    return await converse(session, terminal, options, (stop, force) => {
      onStop = stop;
      onForce = force;
    });
  } finally {
    interrupts.dispose();
    terminal.close();
    client.close();
  }
}

/** `kite connect --reconnect`: one reconnecting session for the whole run. */
async function connectReconnecting(options: ConnectOptions, io: CliIo): Promise<number> {
  let onStop = (): void => {};
  let onForce = (): void => {};
  const interrupts = new Interrupts(io.signals, () => onStop(), () => onForce());
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger() });
  const client = createClient(options, terminal);
  const session = client.reconnectingSession(options.target);
  try {
    return await converseReconnecting(session, terminal, options, (stop, force) => {
      onStop = stop;
      onForce = force;
    });
  } finally {
    session.terminate();
    interrupts.dispose();
    terminal.close();
    client.close();
  }
}

/**
 * The client for `kite connect`: WebSockets with the ping interval, Reconnect with `--reconnect`,
 * and with `--verbose` the Logging plugin at the frames level, its lines on stderr above the prompt
 * (stdout keeps the payloads only).
 */
function createClient(options: ConnectOptions, terminal: LineConsole): HttpClient {
  return new HttpClient(CIO, (config) => {
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
    if (options.connectTimeoutMillis !== null) {
      const millis = options.connectTimeoutMillis;
      config.engine((cio) => (cio.connectTimeoutMillis = millis));
    }
  });
}

/**
 * As `converse`, over a reconnecting session: messages from every connection are printed, lines
 * are sent (queued while disconnected), and each loss, wait and reconnect is reported on stderr.
 */
async function converseReconnecting(
  session: ReconnectingWebSocketSession,
  terminal: LineConsole,
  options: ConnectOptions,
  setInterruptHandlers: (stop: () => void, force: () => void) => void,
): Promise<number> {
  let closedByUs = false;
  let forced = false;
  let everOpened = false;
  let incomingEnded = false;
  let lastFailure: unknown = null;
  let lastClosed: ClosedEvent | null = null;
  /** Why the connection we were closing failed (a close handshake that timed out), if it did. */
  let ourCloseFailure: unknown = null;
  const say = (text: string): void => {
    if (!options.quiet) terminal.status(text);
  };

  const closeFirst = (reason: CloseReason): void => {
    if (closedByUs) return;
    closedByUs = true;
    terminal.close();
    const current = session.session;
    if (current !== null && options.closeTimeoutMillis !== null) current.timeoutMillis = options.closeTimeoutMillis;
    void session.close(reason);
  };
  const force = (): void => {
    forced = true;
    terminal.close();
    session.terminate();
  };
  setInterruptHandlers(() => (closedByUs ? force() : closeFirst(new CloseReason(CloseReason.Codes.GOING_AWAY, ""))), force);

  session.on("open", (event) => {
    lastFailure = null;
    const protocol = event.session.protocol === null ? "" : ` (subprotocol ${event.session.protocol})`;
    if (!everOpened) {
      everOpened = true;
      const hint = terminal.interactive ? terminal.err.dim(" — Ctrl-D closes, Ctrl-C quits") : "";
      say(`${terminal.err.green("connected")} to ${options.href}${protocol}${hint}`);
    } else {
      say(`${terminal.err.green("reconnected")} to ${options.href}${protocol} (attempt ${event.attempt})`);
    }
  });
  session.on("closed", (event) => {
    if (closedByUs) {
      ourCloseFailure = event.error;
      return;
    }
    // Told with the retry that follows; a close that ends the run is told by the last line.
    lastClosed = event;
    if (event.unconfirmed.length > 0) {
      const count = event.unconfirmed.length;
      terminal.status(terminal.err.yellow(`kite: ${count} message${count === 1 ? "" : "s"} sent just before may not have arrived (not resent)`));
    }
  });
  session.on("failed", (event) => (lastFailure = event.error));
  session.on("retry", (event) => {
    if (lastClosed !== null) {
      const { reason, error } = lastClosed;
      const why = error === null ? "" : ` (${error.name})`;
      const what = reason === null ? "" : ` ${reason.code}${reason.message === "" ? "" : ` ${escapeControls(reason.message)}`}`;
      say(terminal.err.yellow(`${error === null ? "closed by the server:" : "connection lost:"}${what}${why}`));
      lastClosed = null;
    }
    const failure = lastFailure === null ? "" : `: ${describeError(lastFailure)}`;
    const asked = event.retryAfterMillis === null ? "" : ", as Retry-After asks";
    say(terminal.err.dim(`reconnecting in ${formatWait(event.delayMillis)} (attempt ${event.attempt}${asked})${failure}`));
  });

  const receiving = printIncoming(session.incoming, terminal, options).finally(() => {
    incomingEnded = true;
    // The session is over: stop reading input so the sender ends too.
    terminal.close();
  });

  const sending = sendThenClose(session, receiving, terminal, options, () => incomingEnded || closedByUs, closeFirst);

  await receiving;
  await sending;
  const ended = await session.ended;
  if (forced) return ExitCode.INTERRUPTED;
  const gaveUp = ended.error instanceof ReconnectGaveUpError ? ended.error : null;
  if (gaveUp !== null && !everOpened) {
    const cause = gaveUp.cause instanceof Error ? gaveUp.cause : gaveUp;
    if (gaveUp.why === "maxAttempts") {
      terminal.status(terminal.err.red(`kite: cannot connect to ${options.href}: gave up after ${gaveUp.attempts} attempts: ${describeError(cause)}`));
    } else {
      reportConnectFailure(terminal, options.href, cause);
    }
    return ExitCode.FAILED;
  }
  // The session ends without an error when we close it, even if its last close handshake timed out.
  const failure = ended.error ?? closeTimeoutOf(ourCloseFailure);
  let code: number;
  if (closedByUs && failure === null) code = ExitCode.OK;
  else if (failure !== null) code = sessionExitCode(failure, ended.reason, closedByUs);
  else code = sessionExitCode(null, ended.reason, false);
  reportClose(terminal, ended.reason, failure, code, options.quiet);
  return code;
}

/** Prints every frame of `incoming` until it ends; resolves with the error that ended it, or null. */
async function printIncoming(incoming: AsyncIterable<Frame>, terminal: LineConsole, options: ConnectOptions): Promise<unknown> {
  try {
    for await (const frame of incoming) await show(frame, terminal, options);
    return null;
  } catch (error) {
    return error;
  }
}

/**
 * Sends each line typed; at the end of input, unless the session is already over (it ended, or we
 * are closing it), waits `--wait` for answers, writes everything queued, then closes with 1000.
 * On a reconnecting session what is queued goes out on this connection or the next one.
 */
async function sendThenClose(
  session: { send(payload: string | Uint8Array): Promise<void>; flush(): Promise<void> },
  receiving: Promise<unknown>,
  terminal: LineConsole,
  options: ConnectOptions,
  over: () => boolean,
  closeFirst: (reason: CloseReason) => void,
): Promise<void> {
  await sendLines((payload) => session.send(payload), terminal, options);
  if (options.waitMillis > 0 && !over()) await Promise.race([receiving, sleep(options.waitMillis)]);
  if (over()) return;
  // Writing what is queued before the Close frame puts them in separate TCP writes, which gives a
  // server that answers asynchronously its turn before it sees the close.
  await Promise.race([receiving, session.flush()]);
  closeFirst(new CloseReason(CloseReason.Codes.NORMAL, ""));
}

/** Sends each line typed (decoded when `--binary`) until the input ends or the session takes no more. */
async function sendLines(send: (payload: string | Uint8Array) => Promise<void>, terminal: LineConsole, options: ConnectOptions): Promise<void> {
  terminal.prompt();
  for (let line = await terminal.nextLine(); line !== null; line = await terminal.nextLine()) {
    let payload: string | Uint8Array = line;
    if (options.binary !== null) {
      const bytes = decodeBinaryLine(line, options.binary);
      if (bytes === null) {
        terminal.status(terminal.err.yellow(`kite: not ${options.binary}, not sent: ${JSON.stringify(line)}`));
        terminal.prompt();
        continue;
      }
      payload = bytes;
    }
    try {
      await send(payload);
    } catch (error) {
      if (error instanceof ClosedSendChannelError) break;
      terminal.status(terminal.err.red(`kite: not sent: ${describeError(error)}`));
    }
    terminal.prompt();
  }
}

/** "0.4s", "12.0s", "250 ms". */
function formatWait(millis: number): string {
  return millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)}s`;
}

function reportConnectFailure(terminal: LineConsole, href: string, error: unknown): void {
  terminal.status(terminal.err.red(`kite: cannot connect to ${href}: ${describeError(error)}`));
  if (error instanceof WebSocketHandshakeError && error.body.trim() !== "") {
    const body = error.body.trim();
    terminal.status(terminal.err.dim(escapeControls(body.length > 500 ? `${body.slice(0, 500)}…` : body)));
  }
}

/**
 * The open session: a receiver prints every message while a sender sends every line, as wscat
 * does, so a server can talk without waiting for us. Resolves with the exit code.
 */
async function converse(
  session: DefaultWebSocketSession,
  terminal: LineConsole,
  options: ConnectOptions,
  setInterruptHandlers: (stop: () => void, force: () => void) => void,
): Promise<number> {
  let closedByUs = false;
  let incomingEnded = false;
  let forced = false;

  const closeFirst = (reason: CloseReason): void => {
    if (closedByUs || incomingEnded) return;
    closedByUs = true;
    terminal.close();
    // Only the close handshake's deadline: set now, so the pong deadline of --ping stays as it was.
    if (options.closeTimeoutMillis !== null) session.timeoutMillis = options.closeTimeoutMillis;
    void session.close(reason);
  };
  const force = (): void => {
    forced = true;
    session.terminate();
  };
  setInterruptHandlers(
    // Ctrl-C while a close is already under way (end of input, a server that does not answer)
    // means "stop waiting": cut at once rather than ignore it.
    () => (closedByUs ? force() : closeFirst(new CloseReason(CloseReason.Codes.GOING_AWAY, ""))),
    force,
  );

  if (!options.quiet) {
    const protocol = session.protocol === null ? "" : ` (subprotocol ${session.protocol})`;
    const hint = terminal.interactive ? terminal.err.dim(" — Ctrl-D closes, Ctrl-C quits") : "";
    terminal.status(`${terminal.err.green("connected")} to ${options.href}${protocol}${hint}`);
  }

  const receiving = printIncoming(session.incoming, terminal, options).finally(() => {
    incomingEnded = true;
    // The session is over: stop reading input so the sender ends too.
    terminal.close();
  });

  const sending = sendThenClose(session, receiving, terminal, options, () => incomingEnded || closedByUs, closeFirst);

  const failure = await receiving;
  await sending;
  // Wait for the connection to end, so our answer to the server's Close goes out.
  await session.close();
  if (forced) return ExitCode.INTERRUPTED;
  const reason = await session.closeReason;
  const code = sessionExitCode(failure, reason, closedByUs);
  reportClose(terminal, reason, failure, code, options.quiet);
  return code;
}

async function show(frame: Frame, terminal: LineConsole, options: ConnectOptions): Promise<void> {
  const render = { json: options.json, binary: options.binary };
  let text: string;
  let label = "";
  if (frame instanceof Frame.Text) {
    text = renderPayload({ kind: "text", text: frame.readText() }, render);
  } else if (frame instanceof Frame.Binary) {
    text = renderPayload({ kind: "binary", bytes: frame.data }, render);
    label = terminal.out.dim(`(binary, ${frame.data.length} bytes) `);
  } else {
    return; // The default session hands out only text and binary messages.
  }
  if (!terminal.decorated) return terminal.print(text);
  // Continuation lines are indented under the first, so a multi-line message reads as one.
  return terminal.print(`${terminal.out.cyan("<")} ${label}${escapeControls(text).replace(/\n/g, "\n  ")}`);
}

/**
 * Prints how a session ended: the close line and, after a failure, the error's class (in the line
 * when the reason already gives its message, else on a line of its own).
 */
export function reportClose(terminal: LineConsole, reason: CloseReason | null, failure: unknown, code: number, quiet: boolean): void {
  const normal = code === ExitCode.OK;
  if (quiet && normal) return;
  const timedOut = closeTimeoutOf(failure);
  if (timedOut !== null) {
    // Not "connection lost": the connection was fine, the server just never confirmed the close.
    const line = `kite: close handshake timed out after ${timedOut.timeoutMillis} ms: the server did not answer our Close frame, so the connection was cut (1006)`;
    terminal.status(terminal.err.yellow(line));
    return;
  }
  // `incoming` fails with ClosedReceiveChannelError; its cause says what happened.
  const cause = failure instanceof Error && failure.cause instanceof Error ? failure.cause : failure;
  const explained = cause instanceof Error && reason !== null && reason.message !== "" && cause.message.includes(reason.message);
  let line = reason === null ? "closed" : formatClose(reason);
  if (explained) line += ` (${cause.name})`;
  terminal.status(normal ? terminal.err.dim(line) : terminal.err.yellow(line));
  if (cause instanceof Error && !explained) terminal.status(terminal.err.red(`kite: ${describeError(cause)}`));
}

/** A pause that does not hold the process open by itself (the session's socket does while it lasts). */
function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis).unref());
}
