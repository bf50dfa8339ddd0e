import { HttpClient } from "../client/http-client.js";
import { CIO } from "../engine/cio/cio-engine.js";
// The plugins' index modules: they load the builders each plugin adds to HttpClient.
import { WebSockets } from "../plugins/websockets/index.js";
import { Reconnect } from "../plugins/reconnect/index.js";
import { Logging } from "../plugins/logging/index.js";
import type { Command } from "./command.js";
import { parseConnectOptions, type ConnectOptions } from "./connect-options.js";
import { converse, type ConversationSession, type SetInterruptHandlers } from "./conversation.js";
import { ExitCode } from "./exit-codes.js";
import { Interrupts, type CliIo } from "./io.js";
import { openReconnectingConversation } from "./reconnecting-conversation.js";
import { openSessionConversation } from "./session-conversation.js";
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

export const connectCommand: Command = {
  name: "connect",
  summary: "Open a WebSocket: send lines typed or piped in, print what arrives",
  usage: USAGE,
  async run(args, io) {
    const options = parseConnectOptions(args);
    if (options === "help") {
      io.stdout.write(USAGE);
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
  const terminal = new LineConsole(io, { noColor: options.noColor, onInterrupt: () => interrupts.trigger() });
  const client = createClient(options, terminal);
  let session: ConversationSession | null = null;
  try {
    const opened = options.reconnect
      ? openReconnectingConversation(client, options, terminal)
      : await openSessionConversation(client, options, terminal, setInterruptHandlers);
    if (typeof opened === "number") return opened;
    session = opened;
    return await converse(session, terminal, options, setInterruptHandlers);
  } finally {
    session?.dispose();
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
