import { serve } from "../server/index.js";
import type { DefaultWebSocketServerSession } from "../server/server-session.js";
import type { WebSocketServerRequest } from "../server/server-request.js";
import { Frame } from "../protocol/frame.js";
import { ClosedSendChannelError } from "../errors.js";
import { UsageError, parseCommandLine, parseCount, parsePort } from "./args.js";
import type { Command } from "./command.js";
import { SERVER_EXIT_STATUS, listenFailure, parsePath, serverUrl } from "./echo.js";
import { ExitCode } from "./exit-codes.js";
import { parseArgsOptions, renderFlags, valueHints, type Flag } from "./flag-table.js";
import { Interrupts, type CliIo } from "./io.js";
import { messageEvent, showMessage } from "./message-output.js";
import { describeError, escapeControls, formatClose } from "./output.js";
import { LineConsole } from "./terminal.js";

/** Every flag `kite listen` takes. */
export const LISTEN_FLAGS: readonly Flag[] = [
  { name: "port", short: "p", value: "<n>", takes: "a port number from 0 to 65535", help: "Port to listen on (default 8080; 0 for any free port, printed once listening)" },
  { name: "host", value: "<address>", takes: "an address of this machine", help: "Address to listen on (default 127.0.0.1; 0.0.0.0 for every IPv4 interface)" },
  { name: "path", value: "<path>", takes: 'a path starting with "/"', help: "Path of the WebSocket route, matched exactly (default /)" },
  { name: "echo", help: "Send each message back to the client that sent it" },
  { name: "to", value: "<id>", takes: "a client id (the number after #)", help: "Send stdin's lines to this client only (default: to every connected client)" },
  { name: "json", help: "Print one JSON object per event (JSON Lines) on stdout: listening, open, message, close, error, each with its client id" },
  { name: "no-color", help: "No colors (also when NO_COLOR is set or stderr is not a terminal)" },
  { name: "quiet", short: "q", help: "No status lines on stderr (clients coming and going), except for failures" },
  { name: "help", short: "h", help: "Show this help" },
];

const USAGE = `Usage: kite listen [options]

Runs a WebSocket server for a person or a script to talk to its clients, as
wscat -l does. Each client gets an id (#1, #2, ...); each message a client sends
is printed on stdout after its id ("#1 hello"); each line read from stdin is
sent to every connected client (or to --to's). Clients coming and going are
told on stderr. It stops on Ctrl-C or SIGTERM (not at the end of stdin),
closing open sessions with 1001.

Options:
${renderFlags(LISTEN_FLAGS)}

Output: as kite connect's: in a pipe a message is one line (its newlines
written as \\n), binary messages in hex; on a terminal marked "< ". With --json:
{"event":"listening","url":...}, {"event":"open","client":1,"remote":"..."},
{"event":"message","client":1,"type":"text"|"binary","data":...},
{"event":"close","client":1,"code":1000,"reason":""}, {"event":"error",...}.

${SERVER_EXIT_STATUS}

Examples:
  kite listen --port 9000
  kite listen --port 0 --echo --json
  kite listen --path /feed --to 1
`;

const OPTIONS = parseArgsOptions(LISTEN_FLAGS);

interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly echo: boolean;
  readonly to: number | null;
  readonly json: boolean;
  readonly noColor: boolean;
  readonly quiet: boolean;
}

export const listenCommand: Command = {
  name: "listen",
  summary: "Run a WebSocket server: print what clients send, send them what you type",
  usage: USAGE,
  options: OPTIONS,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS, "listen", valueHints(LISTEN_FLAGS));
    const text = (name: string): string | undefined => values[name] as string | undefined;
    if (values.help === true) {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, "listen");
    const host = text("host") ?? "127.0.0.1";
    if (host.trim() === "") throw new UsageError("--host takes an address of this machine", "listen");
    const options: ListenOptions = {
      host,
      port: text("port") === undefined ? 8080 : parsePort(text("port")!, "--port", "listen"),
      path: text("path") === undefined ? "/" : parsePath(text("path")!, "listen"),
      echo: values.echo === true,
      to: text("to") === undefined ? null : parseCount(text("to")!, "--to", "listen"),
      json: values.json === true,
      noColor: values["no-color"] === true,
      quiet: values.quiet === true,
    };
    return listen(options, io);
  },
};

async function listen(options: ListenOptions, io: CliIo): Promise<number> {
  const stop = deferred();
  const force = deferred();
  const interrupts = new Interrupts(io.signals, stop.resolve, force.resolve);
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger() });
  const clients = new Map<number, DefaultWebSocketServerSession>();
  let nextId = 1;
  const say = (line: string): void => {
    if (!options.quiet) terminal.status(line);
  };
  const output = { binary: null, json: options.json, pretty: false, nul: false } as const;

  const handler = async (session: DefaultWebSocketServerSession, request: WebSocketServerRequest): Promise<void> => {
    const id = nextId++;
    clients.set(id, session);
    const remote = `${request.remoteAddress ?? "?"}:${request.remotePort ?? "?"}`;
    if (options.json) terminal.event({ event: "open", client: id, remote, path: request.url.pathname });
    say(`${terminal.err.green(`#${id} connected`)} from ${remote}`);
    try {
      for await (const frame of session.incoming) {
        if (options.json) terminal.event(messageEvent(frame as Frame.Text | Frame.Binary, { client: id }));
        else await showMessage(frame, terminal, output, `#${id} `);
        if (options.echo) await session.send(frame instanceof Frame.Text ? new Frame.Text(true, frame.data) : new Frame.Binary(true, frame.data));
      }
    } catch (error) {
      if (options.json) terminal.event({ event: "error", client: id, error: (error as Error).name, message: describeError(error) });
      say(terminal.err.red(`#${id} kite: ${describeError(error)}`));
    } finally {
      clients.delete(id);
      const reason = await session.closeReason;
      if (options.json) terminal.event({ event: "close", client: id, code: reason?.code ?? null, reason: reason?.message ?? "" });
      say(terminal.err.dim(`#${id} ${reason === null ? "closed" : formatClose(reason)}`));
    }
  };

  try {
    let server: Awaited<ReturnType<typeof serve>>;
    try {
      server = await serve({ host: options.host, port: options.port }, (routes) => routes.webSocket(options.path, handler));
    } catch (error) {
      const hint = "pass --port <n>, or --port 0 for any free port";
      terminal.status(terminal.err.red(`kite listen: ${listenFailure(error, options.host, options.port, hint)}`));
      return ExitCode.FAILED;
    }
    const url = serverUrl(server.host, server.port, options.path);
    if (options.json) terminal.event({ event: "listening", url });
    terminal.status(`listening on ${url}`);
    void sendLines(terminal, clients, options);
    await stop.promise;
    say(terminal.err.dim("stopping: closing open sessions (Ctrl-C again to stop at once)"));
    terminal.close();
    return await Promise.race([server.close().then(() => ExitCode.OK), force.promise.then(() => ExitCode.INTERRUPTED)]);
  } finally {
    interrupts.dispose();
    terminal.close();
  }
}

/** Sends each line of stdin to every client, or to `--to`'s; the end of stdin stops nothing. */
async function sendLines(terminal: LineConsole, clients: ReadonlyMap<number, DefaultWebSocketServerSession>, options: ListenOptions): Promise<void> {
  terminal.prompt();
  for (let line = await terminal.nextLine(); line !== null; line = await terminal.nextLine()) {
    const targets = options.to === null ? [...clients] : clients.has(options.to) ? [[options.to, clients.get(options.to)!] as const] : [];
    if (targets.length === 0) {
      terminal.status(terminal.err.yellow(`kite: ${options.to === null ? "no client is connected" : `client #${options.to} is not connected`}: not sent: ${escapeControls(JSON.stringify(line))}`));
    }
    for (const [id, session] of targets) {
      try {
        await session.send(line);
      } catch (error) {
        if (!(error instanceof ClosedSendChannelError)) terminal.status(terminal.err.red(`kite: not sent to #${id}: ${describeError(error)}`));
      }
    }
    terminal.prompt();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
