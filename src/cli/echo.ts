import { serve } from "../server/index.js";
import type { DefaultWebSocketSession } from "../session/default-session.js";
import { Frame } from "../protocol/frame.js";
import { UsageError, parseCommandLine, parsePort } from "./args.js";
import type { Command } from "./command.js";
import { ExitCode } from "./exit-codes.js";
import { Interrupts, type CliIo } from "./io.js";
import { createStyle, describeError, useColor } from "./output.js";

/** The exit status part of the help of the commands that run a server (echo, listen). */
export const SERVER_EXIT_STATUS = `Exit status:
  0    stopped by Ctrl-C or SIGTERM
  1    could not listen (the port is in use, or the address is not this host's)
  2    usage error
  130  a second Ctrl-C stopped it without waiting for sessions to close`;

const USAGE = `Usage: kite echo [options]

Runs a WebSocket server that sends every message back to its sender, as the
seed example's server does. Prints "listening on ws://<host>:<port><path>" on
stderr once it accepts connections; stops on Ctrl-C or SIGTERM, closing open
sessions.

Options:
      --host <address>  Address to listen on (default 127.0.0.1)
  -p, --port <n>        Port to listen on (default 8080; 0 for any free port)
      --path <path>     Path of the WebSocket route (default /echo)
      --greet <text>    Send this text to each client as soon as it connects
      --no-color        No colors (also when NO_COLOR is set or stderr is not a
                        terminal)
  -h, --help            Show this help

${SERVER_EXIT_STATUS}

Examples:
  kite echo
  kite echo --port 0 --path /ws
  kite echo --greet "Type a line and press Enter."
`;

const OPTIONS = {
  host: { type: "string" },
  port: { type: "string", short: "p" },
  path: { type: "string" },
  greet: { type: "string" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The seed example's echo route: optionally greet, then send every message back as it came. */
export function echoHandler(greeting: string | null): (session: DefaultWebSocketSession) => Promise<void> {
  return async (session) => {
    if (greeting !== null) await session.send(greeting);
    for await (const frame of session.incoming) {
      // A fresh frame, so nothing of how the message arrived (fragments, extension bits) goes back.
      await session.send(frame instanceof Frame.Text ? new Frame.Text(true, frame.data) : new Frame.Binary(true, frame.data));
    }
  };
}

/** `ws://host:port/path`, with an IPv6 host in brackets. */
export function serverUrl(host: string, port: number, path: string): string {
  return `ws://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
}

/**
 * Why a server could not listen, in words that say what to do. EADDRINUSE is by far the most common
 * (a second `kite echo`, or anything else on 8080), so it names the way out.
 */
export function listenFailure(error: unknown, host: string, port: number, portHint: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") return `port ${port} is in use: ${portHint}`;
  if (code === "EACCES") return `not allowed to listen on port ${port}${port < 1024 ? " (ports below 1024 need privileges)" : ""}: ${portHint}`;
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") return `cannot listen on ${host}: it is not an address of this machine`;
  return `cannot listen on ${host}:${port}: ${describeError(error)}`;
}

/** The route path: absolute, without a query or fragment. */
export function parsePath(text: string, command = "echo"): string {
  if (!text.startsWith("/") || /[?#\s]/.test(text)) {
    throw new UsageError(`--path takes a path starting with "/" (no query, fragment or spaces), got ${JSON.stringify(text)}`, command);
  }
  return text;
}

export const echoCommand: Command = {
  name: "echo",
  summary: "Run a WebSocket echo server",
  usage: USAGE,
  options: OPTIONS,
  async run(args, io) {
    const { values, positionals } = parseCommandLine(args, OPTIONS, "echo");
    if (values.help) {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, "echo");
    const host = values.host ?? "127.0.0.1";
    if (host.trim() === "") throw new UsageError("--host takes an address", "echo");
    const port = values.port === undefined ? 8080 : parsePort(values.port, "--port", "echo");
    const path = values.path === undefined ? "/echo" : parsePath(values.path);
    return echo({ host, port, path, greeting: values.greet ?? null, noColor: values["no-color"] === true }, io);
  },
};

async function echo(
  options: { host: string; port: number; path: string; greeting: string | null; noColor: boolean },
  io: CliIo,
): Promise<number> {
  const style = createStyle(useColor(io.stderr, io.env, options.noColor));
  // Signals are heard before the port is, so an early Ctrl-C still stops us cleanly.
  const stop = deferred();
  const force = deferred();
  const interrupts = new Interrupts(io.signals, stop.resolve, force.resolve);
  try {
    let server: Awaited<ReturnType<typeof serve>>;
    try {
      server = await serve({ host: options.host, port: options.port }, (routes) => {
        routes.webSocket(options.path, echoHandler(options.greeting));
      });
    } catch (error) {
      const hint = "pass --port <n>, or --port 0 for any free port";
      io.stderr.write(`${style.red(`kite echo: ${listenFailure(error, options.host, options.port, hint)}`)}\n`);
      return ExitCode.FAILED;
    }
    io.stderr.write(`listening on ${serverUrl(server.host, server.port, options.path)}\n`);
    await stop.promise;
    io.stderr.write(`${style.dim("stopping: closing open sessions (Ctrl-C again to stop at once)")}\n`);
    return await Promise.race([
      server.close().then(() => ExitCode.OK),
      force.promise.then(() => ExitCode.INTERRUPTED),
    ]);
  } finally {
    interrupts.dispose();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
