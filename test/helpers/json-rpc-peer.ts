/**
 * A JSON-RPC 2.0 peer over WebSocket built from independent parts: a `ws` WebSocketServer on
 * 127.0.0.1 (port 0) and the npm package json-rpc-2.0, whose JSONRPCServerAndClient is both ends at
 * once. Per connection it answers the client's calls (batches too), calls the client back (a request
 * from server to client, answered by the client) and sends it notifications. One text frame carries
 * one message or one batch, each way.
 *
 * Built-in methods (every connection): see BUILT_IN_METHODS. Tests add their own with
 * `peer.addMethod` (all connections, present and future) or `connection.addMethod`.
 */
import { WebSocketServer, WebSocket } from "ws";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import {
  JSONRPCClient,
  JSONRPCErrorException,
  JSONRPCServer,
  JSONRPCServerAndClient,
  isJSONRPCRequest,
  isJSONRPCRequests,
  isJSONRPCResponse,
  isJSONRPCResponses,
  type JSONRPCParams,
} from "json-rpc-2.0";
import { within } from "./ws-peer.js";

/** A method: `params` as sent (array, object or undefined); what it returns (or resolves) is the result. */
export type PeerMethod = (params: any, connection: JsonRpcConnection) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The application error `fail` throws unless its params say otherwise. */
export const FAIL_ERROR = { code: 4_200, message: "requested failure", data: { reason: "the test asked for it" } } as const;

/**
 * - `add` `[a, b]` → a + b
 * - `echo` any params → those params (or null without params)
 * - `fail` `{ code?, message?, data? }` → an error response with that code, message and data
 *   (default FAIL_ERROR), thrown as json-rpc-2.0's JSONRPCErrorException
 * - `sleep` `[millis, value?]` → `value` (default `millis`) after `millis`; a connection that closes
 *   first never answers
 * - `callBack` `[method, params?]` → calls `method` on the client (server-to-client request) and
 *   answers with the client's result: a call each way inside one call
 */
export const BUILT_IN_METHODS: Readonly<Record<string, PeerMethod>> = {
  add: ([a, b]: [number, number]) => a + b,
  echo: (params) => params ?? null,
  fail: (params: { code?: number; message?: string; data?: unknown } | undefined) => {
    throw new JSONRPCErrorException(
      params?.message ?? FAIL_ERROR.message,
      params?.code ?? FAIL_ERROR.code,
      params && "data" in params ? params.data : FAIL_ERROR.data,
    );
  },
  sleep: ([millis, value]: [number, unknown?], connection) => connection.sleep(millis).then(() => (value === undefined ? millis : value)),
  callBack: ([method, params]: [string, JSONRPCParams?], connection) => connection.call(method, params),
};

/** One client connection, with both halves of JSON-RPC. */
export interface JsonRpcConnection {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  /** json-rpc-2.0's object, for anything the shortcuts below do not cover. */
  readonly rpc: JSONRPCServerAndClient<JsonRpcConnection>;
  /** Every message the client sent, parsed (a batch as its array; unparsable text as the string), in order. */
  readonly received: unknown[];
  /** Every text frame this side sent, in order. */
  readonly sent: string[];
  /** Settles with the code and reason of the server socket's 'close' event. */
  readonly closed: Promise<{ code: number; reason: string }>;
  addMethod(name: string, method: PeerMethod): void;
  /** Calls `method` on the client and resolves with its result (rejects with its error, or after `timeoutMillis`). */
  call<T = unknown>(method: string, params?: JSONRPCParams, timeoutMillis?: number): Promise<T>;
  /** Sends the client a notification. */
  notify(method: string, params?: JSONRPCParams): void;
  /** Sends raw text, for malformed or hand-built messages. */
  sendRaw(text: string): void;
  /** Resolves after `millis` unless the connection closes first (then never): for slow methods. */
  sleep(millis: number): Promise<void>;
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection with no closing handshake. */
  terminate(): void;
}

export interface JsonRpcPeer extends AsyncDisposable {
  readonly server: WebSocketServer;
  /** `ws://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** Every connection accepted so far. */
  readonly connections: JsonRpcConnection[];
  /** The next connection not yet taken by an earlier call (in accept order). */
  nextConnection(timeoutMillis?: number): Promise<JsonRpcConnection>;
  /** Adds a method to every connection, present and future. */
  addMethod(name: string, method: PeerMethod): void;
  /** Terminates every connection and closes the server. */
  close(): Promise<void>;
}

export interface JsonRpcPeerOptions {
  /** Methods besides (or replacing) BUILT_IN_METHODS. */
  methods?: Record<string, PeerMethod>;
  /** Called with each connection before its first message is read. */
  onConnection?: (connection: JsonRpcConnection) => void;
}

function errorFrame(code: number, message: string): string {
  return JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message } });
}

/**
 * One request or response, or a non-empty batch of requests or of responses. json-rpc-2.0 leaves
 * anything else unanswered, so it is answered here with one Invalid Request (for a batch with a bad
 * member too, where the spec would answer member by member).
 */
function isValid(message: unknown): boolean {
  const isObject = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);
  if (Array.isArray(message)) {
    return message.length > 0 && message.every(isObject) && (isJSONRPCRequests(message) || isJSONRPCResponses(message));
  }
  return isObject(message) && (isJSONRPCRequest(message as never) || isJSONRPCResponse(message as never));
}

function accept(socket: WebSocket, request: IncomingMessage, methods: Map<string, PeerMethod>): JsonRpcConnection {
  const received: unknown[] = [];
  const sent: string[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const send = (text: string): void => {
    sent.push(text);
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  };
  const rpc = new JSONRPCServerAndClient<JsonRpcConnection>(
    // json-rpc-2.0 logs every error a method throws; an application error is what `fail` is for.
    new JSONRPCServer<JsonRpcConnection>({
      errorListener: (message, error) => {
        if (!(error instanceof JSONRPCErrorException)) console.warn(message, error);
      },
    }),
    new JSONRPCClient((payload) => send(JSON.stringify(payload))),
    { errorListener: () => {} }, // invalid messages are answered below; the default would console.warn
  );
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      rpc.rejectAllPendingRequests(`connection closed (${code})`);
      resolve({ code, reason: reason.toString("utf8") });
    }),
  );
  socket.on("error", () => {}); // a test may provoke errors; they show up as close codes
  const connection: JsonRpcConnection = {
    socket,
    request,
    rpc,
    received,
    sent,
    closed,
    // A method that returns undefined answers null: json-rpc-2.0 would send a response without `result`.
    addMethod: (name, method) =>
      rpc.addMethod(name, async (params, self) => {
        const result = await method(params, self);
        return result === undefined ? null : result;
      }),
    call: <T>(method: string, params?: JSONRPCParams, timeoutMillis = 5_000) =>
      Promise.resolve(rpc.timeout(timeoutMillis).request(method, params) as PromiseLike<T>),
    notify: (method, params) => rpc.notify(method, params),
    sendRaw: send,
    sleep: (millis) =>
      new Promise<void>((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) return;
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, millis);
        timers.add(timer);
      }),
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
  };
  for (const [name, method] of methods) connection.addMethod(name, method);
  socket.on("message", (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    let message: unknown;
    try {
      if (text === null) throw new Error("binary frame");
      message = JSON.parse(text);
    } catch {
      received.push(text ?? data);
      send(errorFrame(-32700, "Parse error"));
      return;
    }
    received.push(message);
    if (!isValid(message)) {
      send(errorFrame(-32600, "Invalid Request"));
      return;
    }
    rpc.receiveAndSend(message, connection, undefined).catch(() => send(errorFrame(-32603, "Internal error")));
  });
  return connection;
}

/** Starts the peer: a WebSocket server on 127.0.0.1, a free port. */
export async function startJsonRpcPeer(options: JsonRpcPeerOptions = {}): Promise<JsonRpcPeer> {
  const methods = new Map(Object.entries({ ...BUILT_IN_METHODS, ...options.methods }));
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const connections: JsonRpcConnection[] = [];
  const waiting: ((connection: JsonRpcConnection) => void)[] = [];
  let taken = 0;
  server.on("connection", (socket, request) => {
    const connection = accept(socket, request, methods);
    connections.push(connection);
    options.onConnection?.(connection);
    const waiter = waiting.shift();
    if (waiter) {
      taken++;
      waiter(connection);
    }
  });
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const connection of connections) connection.terminate();
      server.close(() => resolve());
    });
  return {
    server,
    url: `ws://127.0.0.1:${port}`,
    port,
    connections,
    nextConnection(timeoutMillis = 5_000) {
      if (taken < connections.length) return Promise.resolve(connections[taken++]);
      return within(new Promise<JsonRpcConnection>((resolve) => waiting.push(resolve)), timeoutMillis, "a JSON-RPC connection");
    },
    addMethod(name, method) {
      methods.set(name, method);
      for (const connection of connections) connection.addMethod(name, method);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
