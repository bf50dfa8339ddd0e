import { CONNECT_FLAGS } from "./connect-flags.js";
import { renderFlags } from "./flag-table.js";

/** The text of `kite connect --help`; its options come from the flag table, so none is left out. */
export const CONNECT_USAGE = `Usage: kite connect [options] <url>

Opens a WebSocket. Each line read from stdin is sent as a text frame; each
message received is printed on stdout. End of input (Ctrl-D, or the end of a
pipe) closes the connection with 1000 and waits for the server's answer;
Ctrl-C closes with 1001 (press it again to cut the connection at once).

<url> is ws://, wss://, http:// or https://; without a scheme, ws:// is assumed.

Options:
${renderFlags(CONNECT_FLAGS)}

Durations are milliseconds (20000) or a number with ms, s, m or h (20s, 1m).

Output: text messages are printed as they are, binary messages in hex (in
base64 with --binary base64, as bytes with -b raw). When stdout is a terminal,
each message is marked "< " and control characters are shown escaped; in a
pipe or a file, stdout gets the payloads only, one message per line (newlines
inside a message written as \\n; with -0, one per NUL-terminated record).
--json prints one event per line instead. Status lines (connected,
"closed: <code> <reason>", errors) go to stderr.

On a terminal (and with --slash in a pipe), lines starting with / are commands:
/ping [text], /pong [text], /close [code [reason]], /binary HEX, /help; a line
starting with // sends the line without its first slash.

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
  kite ws://127.0.0.1:8080/echo                 (the same as kite connect ...)
  kite connect ws://127.0.0.1:8080/echo
  kite -b raw ws://127.0.0.1:8080/echo < file > copy
  kite -x '{"op":"subscribe"}' -w 5s --json wss://example.com/feed
  kite -k wss://127.0.0.1:8443/   (a self-signed certificate: no verification)
  printf 'hello\\n' | kite connect 127.0.0.1:8080/echo
  kite connect ws://127.0.0.1:8080/feed --wait 30s </dev/null   (listen only)
  kite connect wss://example.com/feed -H "Authorization: Bearer $TOKEN" -s v1.feed --ping 20s --pretty
  kite connect --reconnect --ping 20s ws://127.0.0.1:8080/feed
  kite connect --verbose --ping 5s ws://127.0.0.1:8080/echo 2>kite.log
  kite connect --close-timeout 2s ws://127.0.0.1:8080/echo
`;

