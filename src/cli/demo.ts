import { serve, type WebSocketServer } from "../server/index.js";
import { HttpClient } from "../client/http-client.js";
import { HttpMethod } from "../client/http-method.js";
import { CIO } from "../engine/cio/cio-engine.js";
import { WebSockets } from "../plugins/websockets/index.js";
import { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import { ClosedReceiveChannelError, ClosedSendChannelError } from "../errors.js";
import { UsageError, parseCommandLine, parsePort } from "./args.js";
import type { Command } from "./command.js";
import { echoHandler, listenFailure, serverUrl } from "./echo.js";
import { ExitCode, sessionExitCode } from "./exit-codes.js";
import { Interrupts, type CliIo } from "./io.js";
import { describeError, escapeControls, toHex } from "./output.js";
import { reportClose } from "./connect-report.js";
import { LineConsole } from "./terminal.js";

/** What the embedded server says first: the seed's client receives before it reads a line. */
export const GREETING = "Connected to the kite-ws echo server. Type a line and press Enter.";

const HOST = "127.0.0.1";
const PATH = "/echo";
const DEFAULT_PORT = 8080;

const USAGE = `Usage: kite demo [options]

The seed example end to end (what \`npm start\` runs): starts an echo server on
ws://127.0.0.1:8080/echo that greets each client, then runs the example client
of Ktor's "WebSockets in the Ktor client" page against it: it prints what the
server sends and sends each line you type. End of input (Ctrl-D, or the end of
a pipe) closes the session with 1000; Ctrl-C closes it with 1001.

Options:
  -p, --port <n>   Port for the server (default: $PORT, else 8080; 0 for any
                   free port). When 8080 is taken and no port was asked for,
                   a free port is used instead.
      --no-color   No colors (also when NO_COLOR is set or stdout is not a
                   terminal)
  -q, --quiet      No status lines on stderr, except for failures
  -h, --help       Show this help

Exit status: as for kite connect (0 normal close, 1 could not listen or
connect, 2 usage error, 3 abnormal close, 4 close handshake timed out, 130
forced by a second Ctrl-C).

Examples:
  npm start
  printf 'hello\\n' | PORT=0 npm start -s
`;

const OPTIONS = {
  port: { type: "string", short: "p" },
  "no-color": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

export const demoCommand: Command = {
  name: "demo",
  summary: "Run the seed example: an echo server and a client connected to it",
  usage: USAGE,
  options: OPTIONS,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS, "demo");
    if (values.help) {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, "demo");
    const envPort = io.env.PORT?.trim() ? io.env.PORT : undefined;
    const port =
      values.port !== undefined
        ? parsePort(values.port, "--port", "demo")
        : envPort !== undefined
          ? parsePort(envPort, "PORT", "demo")
          : null;
    return demo({ port, noColor: values["no-color"] === true, quiet: values.quiet === true }, io);
  },
};

interface DemoOptions {
  /** The port asked for, or null for the default (8080, or any free port when it is taken). */
  readonly port: number | null;
  readonly noColor: boolean;
  readonly quiet: boolean;
}

async function demo(options: DemoOptions, io: CliIo): Promise<number> {
  const stop = { requested: false, force: false, onStop: (): void => {}, onForce: (): void => {} };
  const interrupts = new Interrupts(
    io.signals,
    () => {
      stop.requested = true;
      stop.onStop();
    },
    () => {
      stop.force = true;
      stop.onForce();
    },
  );
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger() });
  const status = (line: string): void => {
    if (!options.quiet) terminal.status(line);
  };
  try {
    const server = await startServer(options.port, terminal, status);
    if (server === null) return ExitCode.FAILED;
    try {
      status(`echo server listening on ${serverUrl(HOST, server.port, PATH)}`);
      if (stop.requested) return ExitCode.OK;
      return await runSeedClient(server.port, terminal, stop, status, options.quiet);
    } finally {
      await server.close();
    }
  } finally {
    interrupts.dispose();
    terminal.close();
  }
}

/**
 * @internal The demo's server, its fallback told by `status`; null after a failure, reported.
 * `preferred` is the port used when none was asked for (8080, another one in tests).
 */
export async function startServer(
  port: number | null,
  terminal: LineConsole,
  status: (line: string) => void,
  preferred: number = DEFAULT_PORT,
): Promise<WebSocketServer | null> {
  const started = await listenForDemo(port, preferred, () =>
    status(terminal.err.yellow(`port ${preferred} is in use; using a free port instead (PORT=<n> npm start picks one)`)),
  );
  if ("server" in started) return started.server;
  const hint = "run PORT=<n> npm start (or kite demo --port <n>), or PORT=0 for any free port";
  terminal.status(terminal.err.red(`kite demo: ${listenFailure(started.failure, HOST, started.port, hint)}`));
  return null;
}

/**
 * @internal The demo's echo server on the port asked for, or on `preferred` when none was; when
 * `preferred` is taken (and nobody asked for it in particular: the demo talks to itself, so any port
 * does), on a free port, after telling `onFallback`. What failed, and on which port, otherwise.
 */
export async function listenForDemo(
  asked: number | null,
  preferred: number,
  onFallback: () => void,
): Promise<{ server: WebSocketServer } | { failure: unknown; port: number }> {
  const listen = (at: number): Promise<WebSocketServer> =>
    serve({ host: HOST, port: at }, (routes) => {
      routes.webSocket(PATH, echoHandler(GREETING));
    });
  const port = asked ?? preferred;
  try {
    return { server: await listen(port) };
  } catch (error) {
    if (asked !== null || (error as { code?: unknown } | null)?.code !== "EADDRINUSE") return { failure: error, port };
  }
  onFallback();
  try {
    return { server: await listen(0) };
  } catch (error) {
    return { failure: error, port: 0 };
  }
}

/**
 * The seed's client, as in Ktor's example: a client with the WebSockets plugin pinging every 20 s,
 * and a `webSocket` block that receives a message and prints it, reads a line and sends it, in
 * turn. Unlike the Kotlin, the end of input closes the session normally (1000) instead of failing
 * the block.
 */
async function runSeedClient(
  port: number,
  terminal: LineConsole,
  stop: { requested: boolean; force: boolean; onStop: () => void; onForce: () => void },
  status: (line: string) => void,
  quiet: boolean,
): Promise<number> {
  const client = new HttpClient(CIO, (config) => {
    config.install(WebSockets, (ws) => {
      ws.pingIntervalMillis = 20_000;
    });
  });
  // A Ctrl-C wakes whichever wait the loop is in.
  let wake!: () => void;
  const stopped = new Promise<typeof STOP>((resolve) => (wake = () => resolve(STOP)));
  const connecting = new AbortController();
  stop.onStop = () => {
    connecting.abort(new Error("interrupted"));
    terminal.close();
    wake();
  };
  stop.onForce = stop.onStop;
  // Set from inside the block; an object, because TypeScript does not see assignments made in callbacks.
  const state = { opened: false, closedByUs: false, failure: null as unknown, reason: null as CloseReason | null };
  try {
    await client.webSocket({ method: HttpMethod.Get, host: HOST, port, path: PATH, signal: connecting.signal }, async (session) => {
      state.opened = true;
      // Open: Ctrl-C now closes the session (1001) instead of aborting the connect, which would cut it.
      const force = (): void => {
        stop.force = true;
        session.terminate();
      };
      stop.onStop = () => {
        // Already closing and waiting for the server: Ctrl-C means stop waiting.
        if (state.closedByUs) return force();
        terminal.close();
        wake();
      };
      stop.onForce = force;
      if (!stop.requested) status(terminal.err.dim(`connected — Ctrl-D closes, Ctrl-C quits`));
      try {
        while (!stop.requested) {
          const message = await Promise.race([session.incoming.receive(), stopped]);
          if (message === STOP) break;
          await terminal.print(render(message, terminal));
          terminal.prompt();
          const line = await Promise.race([terminal.nextLine(), stopped]);
          if (line === null || line === STOP) break;
          await session.send(line);
        }
        state.closedByUs = true;
        const code = stop.requested ? CloseReason.Codes.GOING_AWAY : CloseReason.Codes.NORMAL;
        await session.close(new CloseReason(code, ""));
      } catch (error) {
        // The server closed, or the connection failed: the channels say so, with the cause.
        if (!(error instanceof ClosedReceiveChannelError || error instanceof ClosedSendChannelError)) throw error;
        state.failure = error.cause ?? null;
        await session.close();
      }
      state.reason = await session.closeReason;
    });
  } catch (error) {
    if (connecting.signal.aborted && !state.opened) return ExitCode.INTERRUPTED;
    const context = state.opened ? "" : `cannot connect to ${serverUrl(HOST, port, PATH)}: `;
    terminal.status(terminal.err.red(`kite demo: ${context}${describeError(error)}`));
    return state.opened ? ExitCode.ABNORMAL_CLOSE : ExitCode.FAILED;
  } finally {
    client.close();
  }
  if (stop.force) return ExitCode.INTERRUPTED;
  const code = sessionExitCode(state.failure, state.reason, state.closedByUs);
  reportClose(terminal, state.reason, state.failure, code, quiet);
  return code;
}

const STOP = Symbol("stop");

/** A message as the seed prints it: the text; binary (which an echo of text never is) in hex. */
function render(message: Frame, terminal: LineConsole): string {
  const text = message instanceof Frame.Text ? message.readText() : `(binary) ${toHex(message.data)}`;
  return terminal.decorated ? `${terminal.out.cyan("<")} ${escapeControls(text).replace(/\n/g, "\n  ")}` : text;
}
