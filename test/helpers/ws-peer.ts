import { WebSocketServer, type WebSocket, type ServerOptions } from "ws";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid 2000–2100), for `wss:` tests only.
 * Trust it with `config.engine((cio) => { cio.tls.ca = TEST_CA })`.
 */
export const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBbjCCARSgAwIBAgICEAAwCgYIKoZIzj0EAwIwFzEVMBMGA1UEAwwMa2l0ZS13
cyB0ZXN0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAXMRUwEwYD
VQQDDAxraXRlLXdzIHRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQUfdtq
lyQsE5qzCbRwHJSSwxLMnlEa77BgUHxC2dTOiU9stJ8Eudg78lGkcnGbhn0QOn0G
lcGfBxRjohJp3K1Bo04wTDAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8A
AAGCCWxvY2FsaG9zdDAdBgNVHQ4EFgQUqy63MXGLfFwByjXZCXb0XJf0LkAwCgYI
KoZIzj0EAwIDSAAwRQIgZjnWKjxqASBlsl8rnur3cahmy+tDtq26qAUcURQI7b8C
IQD5PXzYCi3NHsF9CGIOKjveX/pII2gHBD2LrcNkcN51mg==
-----END CERTIFICATE-----
`;

const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjnB5cFJ2g+I7CGwh
RJjBhsXzo1TmInRQbRUQ84yFN1WhRANCAAQUfdtqlyQsE5qzCbRwHJSSwxLMnlEa
77BgUHxC2dTOiU9stJ8Eudg78lGkcnGbhn0QOn0GlcGfBxRjohJp3K1B
-----END PRIVATE KEY-----
`;

/** One accepted connection, as the `ws` server saw it. */
export interface PeerConnection {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** Settles with the code and reason of the server socket's 'close' event. */
  readonly closed: Promise<{ code: number; reason: string }>;
}

/** A `ws` server on 127.0.0.1 (an independent peer), with its URL and a closer. */
export interface WsPeer {
  readonly server: WebSocketServer;
  /** `ws://127.0.0.1:port` (or `wss://` with `tls: true`), no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every server-side socket accepted so far. */
  readonly sockets: WebSocket[];
  /** Every connection accepted so far, with its request and close event. */
  readonly connections: PeerConnection[];
  /** The next connection not yet taken by an earlier call (in accept order). */
  nextConnection(timeoutMillis?: number): Promise<PeerConnection>;
  close(): Promise<void>;
}

export interface WsPeerOptions extends ServerOptions {
  /** Serve `wss:` with the self-signed `TEST_CA` certificate. */
  tls?: boolean;
}

/** Starts a `ws` server; `onConnection` scripts its behaviour (default: echo). */
export async function startWsPeer(
  onConnection: (socket: WebSocket, request: IncomingMessage) => void = echo,
  options: WsPeerOptions = {},
): Promise<WsPeer> {
  const { tls, ...serverOptions } = options;
  let https: HttpsServer | null = null;
  let server: WebSocketServer;
  if (tls) {
    https = createHttpsServer({ key: TEST_KEY, cert: TEST_CA });
    server = new WebSocketServer({ ...serverOptions, server: https });
    await new Promise<void>((resolve) => https!.listen(0, "127.0.0.1", resolve));
  } else {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...serverOptions });
    await new Promise<void>((resolve) => server.once("listening", resolve));
  }
  const sockets: WebSocket[] = [];
  const connections: PeerConnection[] = [];
  const waiting: ((connection: PeerConnection) => void)[] = [];
  let taken = 0;
  server.on("connection", (socket, request) => {
    sockets.push(socket);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })),
    );
    socket.on("error", () => {}); // a test may provoke errors; they show up as close codes
    const connection = { socket, request, closed };
    connections.push(connection);
    onConnection(socket, request);
    const waiter = waiting.shift();
    if (waiter) {
      taken++;
      waiter(connection);
    }
  });
  const { port } = (https ?? server).address() as AddressInfo;
  return {
    server,
    port,
    url: `${tls ? "wss" : "ws"}://127.0.0.1:${port}`,
    sockets,
    connections,
    nextConnection(timeoutMillis = 5_000) {
      if (taken < connections.length) return Promise.resolve(connections[taken++]);
      return within(new Promise<PeerConnection>((resolve) => waiting.push(resolve)), timeoutMillis, "a ws connection");
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => {
          if (https === null) return resolve();
          https.closeAllConnections();
          https.close(() => resolve());
        });
      }),
  };
}

/** Echoes every message with its type. */
export function echo(socket: WebSocket): void {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
}

// --- small test utilities shared by the integration tests ---

export function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** `promise`, or a rejection naming `what` after `millis`. */
export function within<T>(promise: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${millis} ms waiting for ${what}`)), millis);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves "timeout" if `promise` has not settled after `millis`, else with how it settled. */
export async function settlesWithin<T>(
  promise: Promise<T>,
  millis: number,
): Promise<{ state: "resolved"; value: T } | { state: "rejected"; error: unknown } | { state: "timeout" }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ state: "timeout" }>((resolve) => {
    timer = setTimeout(() => resolve({ state: "timeout" }), millis);
  });
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ state: "resolved" as const, value }),
        (error: unknown) => ({ state: "rejected" as const, error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `millis`. */
export async function waitFor<T>(probe: () => T | undefined | false, millis = 5_000, what = "a condition"): Promise<T> {
  const deadline = Date.now() + millis;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${millis} ms waiting for ${what}`);
    await delay(5);
  }
}
