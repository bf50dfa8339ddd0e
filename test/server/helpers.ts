// Test helpers for kite-ws/server: raw TCP clients that speak just enough HTTP and RFC 6455 to poke
// at the server where a real client would be too polite, and small promise utilities.
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { WebSocket as WsClient } from "ws";
import { FrameParser } from "../../src/protocol/frame-parser.js";
import { FrameSerializer } from "../../src/protocol/frame-serializer.js";
import type { Frame } from "../../src/protocol/frame.js";
import { deferred } from "../helpers/deferred.js";

/** Rejects if `promise` does not settle within `millis`. */
export function within<T>(promise: Promise<T>, millis: number, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${millis} ms`)), millis))),
  ]);
}

export function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Headers of a valid upgrade request for `path`; override or drop (null) any of them. */
export function upgradeRequest(port: number, path = "/echo", overrides: Record<string, string | null> = {}, requestLine?: string): string {
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
    "Sec-WebSocket-Version": "13",
    ...overrides,
  };
  let text = `${requestLine ?? `GET ${path} HTTP/1.1`}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) text += `${name}: ${value}\r\n`;
  return text + "\r\n";
}

/** A parsed HTTP response head. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  /** What followed the head until the connection closed (or, after a 101, what came with the head). */
  readonly rest: Buffer;
}

/** A raw TCP connection to the server. */
export interface RawClient {
  readonly socket: Socket;
  /** Resolves with the response head (and for non-101 answers, the body, once the server closed). */
  response(): Promise<RawResponse>;
  /** Frames the server sent after a 101, parsed as a client does (unmasked required). */
  nextFrame(): Promise<Frame>;
  /** Sends frames masked, as a client must. */
  sendFrames(frames: Frame[]): void;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

/** Connects to 127.0.0.1:port and writes `request` (if given) at once. */
export async function rawClient(port: number, request?: string | Uint8Array): Promise<RawClient> {
  const socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  let buffered = Buffer.alloc(0);
  let head: { status: number; headers: Map<string, string> } | null = null;
  let headEnd = -1;
  const parser = new FrameParser({ expectMasked: false, maxFrameSize: 1 << 24 });
  const serializer = new FrameSerializer({ mask: true });
  const frames: Frame[] = [];
  let waiter: (() => void) | null = null;
  const ended = deferred<void>();
  socket.on("data", (chunk: Buffer) => {
    if (head === null) {
      buffered = Buffer.concat([buffered, chunk]);
      headEnd = buffered.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const lines = buffered.subarray(0, headEnd).toString("latin1").split("\r\n");
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      head = { status: Number(lines[0].split(" ")[1]), headers };
      const rest = buffered.subarray(headEnd + 4);
      buffered = Buffer.from(rest);
      if (head.status === 101 && rest.length > 0) parser.push(rest);
    } else if (head.status === 101) {
      parser.push(chunk);
    } else {
      buffered = Buffer.concat([buffered, chunk]);
    }
    if (head.status === 101) {
      for (let frame = parser.next(); frame !== null; frame = parser.next()) frames.push(frame);
    }
    waiter?.();
  });
  socket.on("error", () => {});
  socket.on("close", () => {
    ended.resolve();
    waiter?.();
  });
  const waitFor = async <T>(ready: () => T | undefined): Promise<T> => {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (socket.destroyed) throw new Error("Connection closed");
      await new Promise<void>((resolve) => (waiter = resolve));
      waiter = null;
    }
  };
  if (request !== undefined) socket.write(request);
  return {
    socket,
    closed: ended.promise,
    async response() {
      const parsed = await waitFor(() => head ?? undefined);
      if (parsed.status !== 101) {
        // The body is complete at Content-Length, or when the server closes.
        const length = Number(parsed.headers.get("content-length") ?? NaN);
        await Promise.race([ended.promise, waitFor(() => (buffered.length >= length ? true : undefined))]);
      }
      return { ...parsed, rest: parsed.status === 101 ? Buffer.alloc(0) : buffered };
    },
    nextFrame: () => waitFor(() => frames.shift()),
    sendFrames(list) {
      const chunks: Uint8Array[] = [];
      serializer.serialize(list, chunks);
      for (const chunk of chunks) socket.write(chunk);
    },
  };
}

/** Opens a `ws` client and waits until it is open. */
export async function openWs(url: string, protocols?: string | string[], options?: ConstructorParameters<typeof WsClient>[2]): Promise<WsClient> {
  const client = new WsClient(url, protocols, options);
  client.on("error", () => {});
  await within(once(client, "open"), 5_000, `opening ${url}`);
  return client;
}

/** Resolves with the code and reason of a `ws` client's close event. */
export function wsClosed(client: WsClient): Promise<{ code: number; reason: string }> {
  if (client.readyState === WsClient.CLOSED) return Promise.reject(new Error("already closed"));
  return new Promise((resolve) => client.once("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
}

/** The next message a `ws` client receives, with its kind. */
export function wsMessage(client: WsClient): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once("message", (data: Buffer, isBinary: boolean) => resolve({ data, isBinary })));
}

/** The upgrade failure a `ws` client sees: its HTTP status. */
export function wsRefusal(url: string, options?: ConstructorParameters<typeof WsClient>[2]): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = new WsClient(url, options);
    client.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      client.terminate();
    });
    client.on("open", () => {
      client.terminate();
      reject(new Error("The upgrade was accepted"));
    });
    client.on("error", (error) => reject(error));
  });
}
