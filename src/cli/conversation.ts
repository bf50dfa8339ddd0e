import type { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import { ClosedSendChannelError } from "../errors.js";
import type { ConnectOptions } from "./connect-options.js";
import { ExitCode } from "./exit-codes.js";
import type { MessageInput } from "./message-input.js";
import { showMessage } from "./message-output.js";
import { decodeBinaryLine, describeError } from "./output.js";
import type { LineConsole } from "./terminal.js";
import { backgroundTimer } from "../util/timers.js";

/**
 * What differs between `kite connect` and `kite connect --reconnect`: the session a conversation
 * runs over, how it is closed, and what is told about it on stderr.
 */
export interface ConversationSession {
  /** The messages to print, until the session is over. */
  readonly incoming: AsyncIterable<Frame>;
  send(payload: string | Uint8Array | Frame): Promise<void>;
  /** Resolves once what was sent so far is written (reconnecting: written or reported). */
  flush(): Promise<void>;
  /** Starts telling the user what happens to the session (connected, lost, reconnecting). */
  announce(): void;
  /** Starts our close with `reason`; the server's answer is awaited `--close-timeout` at most. */
  close(reason: CloseReason): void;
  /** Cuts the connection at once. */
  terminate(): void;
  /** Resolves once the session is over, our answer to the server's Close sent. */
  whenOver(): Promise<void>;
  /** Tells how the session ended and gives the exit code; `failure` is what ended `incoming`, or null. */
  conclude(failure: unknown, closedByUs: boolean): Promise<number>;
  /** Lets go of whatever is left when the run ends, however it ends. */
  dispose(): void;
}

/** Where the conversation's interrupt handlers go: the first Ctrl-C (`stop`), and a later one (`force`). */
export type SetInterruptHandlers = (stop: () => void, force: () => void) => void;

/**
 * The open session: a receiver prints every message while a sender sends every line, as wscat
 * does, so a server can talk without waiting for us. The end of input closes with 1000 (after
 * `--wait` and what is queued); Ctrl-C closes with 1001, and a second one cuts the connection.
 * Resolves with the exit code.
 */
export async function converse(
  session: ConversationSession,
  terminal: LineConsole,
  options: ConnectOptions,
  setInterruptHandlers: SetInterruptHandlers,
  input: MessageInput,
  command: SlashCommands | null = null,
): Promise<number> {
  let closedByUs = false;
  let incomingEnded = false;
  let forced = false;

  const closeFirst = (reason: CloseReason): void => {
    if (closedByUs || incomingEnded) return;
    closedByUs = true;
    input.close();
    terminal.close();
    session.close(reason);
  };
  const force = (): void => {
    forced = true;
    input.close();
    terminal.close();
    session.terminate();
  };
  setInterruptHandlers(
    // Ctrl-C while a close is already under way (end of input, a server that does not answer)
    // means "stop waiting": cut at once rather than ignore it.
    () => (closedByUs ? force() : closeFirst(new CloseReason(CloseReason.Codes.GOING_AWAY, ""))),
    force,
  );
  session.announce();

  const ourClose = new CloseReason(options.closeCode, options.closeReason);
  const afterFirst = options.oneMessage ? () => closeFirst(ourClose) : null;
  const receiving = printIncoming(session.incoming, terminal, options, afterFirst).finally(() => {
    incomingEnded = true;
    // The session is over: stop reading input so the sender ends too.
    input.close();
    terminal.close();
  });
  const over = (): boolean => incomingEnded || closedByUs;
  const sending = sendThenClose(session, receiving, { terminal, options, input, command, closeFirst }, over);

  const failure = await receiving;
  await sending;
  await session.whenOver();
  if (forced) return ExitCode.INTERRUPTED;
  return session.conclude(failure, closedByUs);
}

/** Prints every frame of `incoming` until it ends; resolves with the error that ended it, or null. */
async function printIncoming(incoming: AsyncIterable<Frame>, terminal: LineConsole, options: ConnectOptions, afterFirst: (() => void) | null): Promise<unknown> {
  try {
    let shown = false;
    for await (const frame of incoming) {
      // With -1, what arrives while our close is under way is read (to finish the handshake), not shown.
      if (shown && afterFirst !== null) continue;
      await showMessage(frame, terminal, options);
      shown = true;
      afterFirst?.();
    }
    return null;
  } catch (error) {
    return error;
  }
}

/** Runs a slash command line ("/ping hi"); resolves once it is done (or reported as wrong). */
export type SlashCommands = (line: string, closeFirst: (reason: CloseReason) => void) => Promise<void>;

/** What the sender works with. */
interface Sender {
  readonly terminal: LineConsole;
  readonly options: ConnectOptions;
  readonly input: MessageInput;
  /** Slash commands, when lines starting with "/" are commands (a terminal, or --slash). */
  readonly command: SlashCommands | null;
  readonly closeFirst: (reason: CloseReason) => void;
}

/**
 * Sends each message of the input; at the end of input, unless the session is already over (it
 * ended, or we are closing it), waits `--wait` for answers, writes everything queued, then closes
 * with `--close-code` (1000). On a reconnecting session what is queued goes out on this connection
 * or the next one.
 */
async function sendThenClose(
  session: Pick<ConversationSession, "send" | "flush">,
  receiving: Promise<unknown>,
  sender: Sender,
  over: () => boolean,
): Promise<void> {
  const { options } = sender;
  await sendInput((payload) => session.send(payload), sender);
  if (options.oneMessage && options.waitMillis === 0 && !over()) {
    // -1 ends with the first message received, not with the input (as -x's request waits for its answer).
    await receiving;
    return;
  }
  if (options.waitMillis > 0 && !over()) {
    // The pause does not hold the process open by itself (the session's socket does while it lasts).
    await Promise.race([receiving, new Promise<void>((resolve) => backgroundTimer(resolve, options.waitMillis))]);
  }
  if (over()) return;
  // Writing what is queued before the Close frame puts them in separate TCP writes, which gives a
  // server that answers asynchronously its turn before it sees the close.
  await Promise.race([receiving, session.flush()]);
  sender.closeFirst(new CloseReason(options.closeCode, options.closeReason));
}

/** Sends each message of the input (lines decoded with `--binary hex|base64`) until it ends or the session takes no more. */
async function sendInput(send: (payload: string | Uint8Array) => Promise<void>, sender: Sender): Promise<void> {
  const { terminal, options, input, command } = sender;
  terminal.prompt();
  for (let item = await input.next(); item !== null; item = await input.next()) {
    let payload: string | Uint8Array = item;
    if (typeof item === "string" && command !== null && item.startsWith("/")) {
      // "//text" sends "/text": the way to send a message that starts with a slash.
      if (item.startsWith("//")) {
        payload = item.slice(1);
      } else {
        await command(item, sender.closeFirst);
        terminal.prompt();
        continue;
      }
    }
    if (typeof payload === "string" && (options.binary === "hex" || options.binary === "base64")) {
      const bytes = decodeBinaryLine(payload, options.binary);
      if (bytes === null) {
        terminal.status(terminal.err.yellow(`kite: not ${options.binary}, not sent: ${JSON.stringify(payload)}`));
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
