import type { Command } from "./command.js";
import { CONNECT_USAGE } from "./connect-usage.js";
import { CONNECT_OPTIONS, parseConnectOptions, type ConnectOptions } from "./connect-options.js";
import { converse, type ConversationSession, type SetInterruptHandlers } from "./conversation.js";
import { ExitCode } from "./exit-codes.js";
import { Interrupts, type CliIo } from "./io.js";
import { openReconnectingConversation } from "./reconnecting-conversation.js";
import { openSessionConversation } from "./session-conversation.js";
import { LineConsole } from "./terminal.js";
import { createConnectClient } from "./connect-client.js";
import { FrameWatch } from "./frame-watch.js";
import { executeInput, lineInput, nulInput, rawInput } from "./message-input.js";
import { reportControlFrames, slashCommands } from "./slash-commands.js";

export const connectCommand: Command = {
  name: "connect",
  summary: "Open a WebSocket: send lines typed or piped in, print what arrives",
  usage: CONNECT_USAGE,
  options: CONNECT_OPTIONS,
  async run(args, io) {
    const options = parseConnectOptions(args);
    if (options === "help") {
      io.stdout.write(CONNECT_USAGE);
      return ExitCode.OK;
    }
    return connect(options, io);
  },
};

/**
 * One run of `kite connect`: opens the session (a plain one, or a reconnecting one with
 * `--reconnect`), holds the conversation over it, and releases the terminal, the signal handlers
 * and the client however it ends.
 */
async function connect(options: ConnectOptions, io: CliIo): Promise<number> {
  let onStop = (): void => {};
  let onForce = (): void => {};
  const setInterruptHandlers: SetInterruptHandlers = (stop, force) => {
    onStop = stop;
    onForce = force;
  };
  const interrupts = new Interrupts(io.signals, () => onStop(), () => onForce());
  const readLines = options.execute === null && options.binary !== "raw" && !options.nul;
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger(), readLines });
  const input = options.execute !== null ? executeInput(options.execute) : options.binary === "raw" ? rawInput(io.stdin, options.chunkBytes) : options.nul ? nulInput(io.stdin) : lineInput(terminal);
  if (options.tls.insecure) terminal.status(terminal.err.yellow("kite: warning: -k: the server's certificate is not verified; anyone on the path can read and change this connection"));
  const watch = new FrameWatch();
  const asked = reportControlFrames(watch, terminal, options);
  const client = createConnectClient(options, terminal, watch);
  let session: ConversationSession | null = null;
  try {
    const opened = options.reconnect
      ? openReconnectingConversation(client, options, terminal)
      : await openSessionConversation(client, options, terminal, setInterruptHandlers);
    if (typeof opened === "number") return opened;
    session = opened;
    const slash = options.slash || (readLines && terminal.interactive) ? slashCommands(opened, terminal, asked) : null;
    return await converse(session, terminal, options, setInterruptHandlers, input, slash);
  } finally {
    input.close();
    session?.dispose();
    interrupts.dispose();
    terminal.close();
    client.close();
  }
}
