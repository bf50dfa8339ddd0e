import { UsageError } from "./args.js";
import type { Command } from "./command.js";
import { completionCommand } from "./completion.js";
import { connectCommand } from "./connect.js";
import { demoCommand } from "./demo.js";
import { echoCommand } from "./echo.js";
import { listenCommand } from "./listen.js";
import { ExitCode } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { describeError } from "./output.js";
import { packageVersion } from "./version.js";
import { WebSocketError } from "../errors.js";

export const COMMANDS: readonly Command[] = [connectCommand, listenCommand, echoCommand, demoCommand, completionCommand(() => COMMANDS)];

const width = Math.max(...COMMANDS.map((command) => command.name.length), "help [command]".length);

export const USAGE = `Usage: kite <command> [options]
       kite [connect options] <url>

A WebSocket client (and echo server) for the terminal, built on kite-ws.

Commands:
  ${"<url>".padEnd(width)}  The same as: kite connect <url>
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join("\n")}
  ${"help [command]".padEnd(width)}  Show help for kite or for a command

Options:
  -h, --help     Show this help
  -v, --version  Show kite's version

Exit status:
  0    success: a session closed normally, or help or version shown
  1    could not connect (network, TLS, timeout, refused handshake) or listen
  2    usage error
  3    the session ended abnormally: connection lost (1006), protocol error,
       ping timeout, or another close code from the server (1011, 4001, ...)
  4    the close handshake timed out: the server did not answer our Close
       frame in time (--close-timeout), so the connection was cut
  130  a second Ctrl-C cut the connection without waiting

Run 'kite <command> --help' for a command's options and exit codes.
`;

/** Runs `kite` with `args` (without node and the script) and resolves with its exit code. */
export async function runKite(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const prefix = error.command === null ? "kite" : `kite ${error.command}`;
      io.stderr.write(`${prefix}: ${error.message}\nTry '${prefix} --help' for more information.\n`);
      return ExitCode.USAGE;
    }
    // Our own errors are expected failures; anything else is a bug, and its stack helps report it.
    const detail = error instanceof WebSocketError || !(error instanceof Error) ? describeError(error) : (error.stack ?? describeError(error));
    io.stderr.write(`kite: ${detail}\n`);
    return ExitCode.FAILED;
  }
}

function dispatch(args: readonly string[], io: CliIo): Promise<number> | number {
  const [first, ...rest] = args;
  if (first === undefined) {
    // No command is a usage error: the help goes to stderr so a script's output stays empty.
    io.stderr.write(USAGE);
    return ExitCode.USAGE;
  }
  if (first === "-h" || first === "--help") {
    io.stdout.write(USAGE);
    return ExitCode.OK;
  }
  if (first === "-v" || first === "--version") {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.OK;
  }
  if (first === "help") {
    if (rest.length > 1) throw new UsageError(`help takes one command, got ${rest.length}`);
    if (rest.length === 0) {
      io.stdout.write(USAGE);
      return ExitCode.OK;
    }
    io.stdout.write(findCommand(rest[0]).usage);
    return ExitCode.OK;
  }
  // websocat's habit: `kite <url>` (with connect's options around it) is `kite connect <url>`.
  // A first word that is neither a command, an option nor a URL stays an unknown command (a typo).
  if ((looksLikeUrl(first) || first.startsWith("-")) && args.some(looksLikeUrl)) return connectCommand.run(args, io);
  if (first.startsWith("-")) throw new UsageError(`unknown option '${first}'`);
  return findCommand(first).run(rest, io);
}

/** A URL with a WebSocket or HTTP scheme, or host:port: what `kite <url>` is given. */
export function looksLikeUrl(arg: string): boolean {
  return /^(wss?|https?):\/\//i.test(arg) || /^(\[[0-9a-f:.]+\]|[\w.-]+):\d{1,5}(\/|$)/i.test(arg);
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(", ")})`);
  }
  return command;
}
