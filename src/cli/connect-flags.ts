import type { Flag } from "./flag-table.js";

const DURATION = "milliseconds or a duration like 500ms, 20s, 1m";

/** Every flag `kite connect` takes, in the order `--help` lists them. */
export const CONNECT_FLAGS: readonly Flag[] = [
  // The request
  { name: "header", short: "H", value: '<"Name: value">', takes: '"Name: value"', multiple: true, help: "Add a request header; not one the handshake sets itself (Upgrade, Connection, Sec-WebSocket-*: -s offers subprotocols)" },
  { name: "subprotocol", short: "s", value: "<name>", takes: "a subprotocol name", multiple: true, help: "Offer a subprotocol, preferred first" },
  { name: "connect-timeout", value: "<duration>", takes: DURATION, help: "Give up connecting after this long (default 15s)" },
  { name: "location", short: "L", help: "Follow redirects of the upgrade request (at most 5; never from wss: to ws:)" },
  { name: "proxy", value: "<url>", takes: "an http:// or https:// proxy URL (credentials in it are sent as Proxy-Authorization)", help: "Connect through this HTTP CONNECT proxy (default: HTTPS_PROXY / HTTP_PROXY, NO_PROXY, never for loopback hosts)" },
  { name: "no-proxy", help: "Connect directly, whatever HTTPS_PROXY / HTTP_PROXY say" },
  // TLS
  { name: "insecure", short: "k", help: "Do not verify the server's certificate (wss:); a warning says so on stderr" },
  { name: "ca", value: "<file>", takes: "a PEM file of certificate authorities", help: "Trust the certificate authorities in this PEM file instead of the system's" },
  { name: "cert", value: "<file>", takes: "a PEM certificate file", help: "Send this client certificate (PEM; with --key) to a server that asks for one" },
  { name: "key", value: "<file>", takes: "a PEM private key file", help: "The private key of --cert (PEM, unencrypted)" },
  { name: "servername", value: "<name>", takes: "a host name", help: "The name to send in SNI and to check the server's certificate against (default: the URL's host)" },
  // The session
  { name: "ping", value: "<duration>", takes: DURATION, help: "Send a ping this often; give up when no pong comes within twice that (default: no pings)" },
  { name: "close-timeout", value: "<duration>", takes: DURATION, help: "After sending our Close frame, wait this long for the server's answer before cutting the connection (exit 4; default: twice --ping, or 15s)" },
  { name: "close-code", value: "<code>", takes: "a close code: 1000, or 3000 to 4999", help: "The code of our Close frame at the end of input, -x or -1 (default 1000)" },
  { name: "close-reason", value: "<text>", takes: "a text of at most 123 UTF-8 bytes", help: "The reason of our Close frame (default none)" },
  { name: "reconnect", help: "When the connection is lost (no close handshake, a ping timeout, a close with 1001 or 1011-1013, a network error, a 429 or 5xx answer), connect again after a random wait that grows with each failure (0.5s doubling up to 30s, Retry-After honoured); lines typed meanwhile are queued" },
  { name: "max-attempts", value: "<n>", takes: "a whole number from 1 up", help: "With --reconnect: give up after n attempts in a row that fail (default: never)" },
  // Scripting
  { name: "execute", short: "x", value: "<text>", takes: "the text of a message to send", multiple: true, help: "Send this message instead of reading stdin, then close (after --wait)" },
  { name: "preamble", value: "<text>", takes: "the text of a message to send first", multiple: true, help: "Send this message first on every connection, reconnects included" },
  { name: "wait", short: "w", value: "<duration>", takes: DURATION, help: "After the end of input (or -x), keep printing what arrives for this long before closing (default 0)" },
  { name: "one-message", short: "1", help: "Close (and exit 0) after the first message received; the end of input (or -x) waits for it" },
  // Input and output
  { name: "binary", short: "b", value: "<hex|base64|raw>", takes: "hex, base64 or raw", choices: ["hex", "base64", "raw"], help: "hex, base64: each line is decoded and sent as a Binary message, and Binary messages are printed so. raw: stdin is read as bytes and sent as Binary messages (one per read, at most --chunk), and every message is written to stdout as its bytes" },
  { name: "chunk", value: "<size>", takes: "a size in bytes from 1 up (65536, 64k, 1m)", help: "With -b raw: the largest message made of one read (default 64k)" },
  { name: "null", short: "0", help: "Messages are separated by NUL instead of newline, on stdin and on stdout" },
  { name: "slash", help: "Lines starting with / are commands (/ping, /pong, /close, /binary, /help) in a pipe too, not only on a terminal" },
  { name: "json", help: "Print one JSON object per event (JSON Lines) on stdout: open, message, ping, pong, close, error (see docs/cli.md)" },
  { name: "pretty", help: "Pretty-print text messages that are JSON" },
  { name: "no-color", help: "No colors (also when NO_COLOR is set or stdout is not a terminal)" },
  { name: "quiet", short: "q", help: "No status lines on stderr, except for failures" },
  { name: "verbose", help: "Log the connection on stderr: the handshake (secrets shown as ***), every frame sent (>>) and received (<<), pings with their round trip, and the close" },
  { name: "help", short: "h", help: "Show this help" },
];
