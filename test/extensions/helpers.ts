// Helpers for the extension tests: an independent permessage-deflate encoder/decoder (zlib's sync API,
// as a peer would use it), a zip bomb, clients with deflate installed, and a raw client for a server.
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { constants, deflateRawSync, inflateRawSync, createDeflateRaw } from "node:zlib";
import { HttpClient, CIO, WebSockets, WebSocketDeflateExtension, type WebSocketDeflateConfig, type WebSocketsConfig } from "../../src/index.js";
import { within } from "../helpers/ws-peer.js";

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A message compressed as RFC 7692 §7.2.1 says: raw DEFLATE, sync-flushed, the trailing 00 00 FF FF removed. */
export function compress(data: Uint8Array | string, windowBits = 15): Buffer {
  const out = deflateRawSync(typeof data === "string" ? Buffer.from(data) : data, { finishFlush: constants.Z_SYNC_FLUSH, windowBits });
  if (!out.subarray(-4).equals(TRAILER)) throw new Error("expected a sync-flushed stream");
  return out.subarray(0, -4);
}

/** A compressed message (all its frames' payloads joined) back to its bytes (RFC 7692 §7.2.2). */
export function decompress(payload: Uint8Array): Buffer {
  return inflateRawSync(Buffer.concat([payload, TRAILER]), { finishFlush: constants.Z_SYNC_FLUSH });
}

/**
 * A compressed payload of `mebibytes` MiB of zeros, about 1 KiB per MiB: the sync-flushed compression of
 * one MiB, then the compression of a further MiB (which only refers back to zeros) repeated.
 */
export async function zipBomb(mebibytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const mib = Buffer.alloc(1 << 20);
  const flushOne = (): Promise<Buffer> =>
    new Promise((resolve) => {
      deflate.write(mib);
      deflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0))));
    });
  const first = await flushOne();
  const next = await flushOne();
  deflate.close();
  return Buffer.concat([first, ...Array.from({ length: mebibytes - 1 }, () => next)]);
}

/** A client with the WebSockets plugin and permessage-deflate installed. */
export function deflateClient(configure: (d: WebSocketDeflateConfig) => void = () => {}, ws: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) =>
    config.install(WebSockets, (settings) => {
      ws(settings);
      settings.extensions((e) => e.install(WebSocketDeflateExtension, configure));
    }),
  );
}

/** One frame as a raw client decoded it. */
export interface WireFrame {
  readonly fin: boolean;
  /** RSV bits as they sit in the first byte (RSV1 = 0x40). */
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
}

/** Decodes whole frames from the front of `bytes`; returns them and what is left. */
export function takeFrames(bytes: Buffer): { frames: WireFrame[]; rest: Buffer } {
  const frames: WireFrame[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const byte0 = bytes[at];
    const byte1 = bytes[at + 1];
    const masked = (byte1 & 0x80) !== 0;
    let length = byte1 & 0x7f;
    let head = 2;
    if (length === 126) {
      if (bytes.length - at < 4) break;
      length = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (length === 127) {
      if (bytes.length - at < 10) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    const keyAt = at + head;
    if (masked) head += 4;
    if (bytes.length - at < head + length) break;
    const payload = Buffer.from(bytes.subarray(at + head, at + head + length));
    if (masked) for (let i = 0; i < length; i++) payload[i] ^= bytes[keyAt + (i & 3)];
    frames.push({ fin: (byte0 & 0x80) !== 0, rsv: byte0 & 0x70, opcode: byte0 & 0x0f, masked, payload });
    at += head + length;
  }
  return { frames, rest: bytes.subarray(at) };
}

/** A frame to write by hand. */
export interface FrameOut {
  readonly opcode: number;
  readonly payload?: Uint8Array | string;
  readonly fin?: boolean;
  /** RSV bits as they sit in the first byte (RSV1 = 0x40). */
  readonly rsv?: number;
}

/** Encodes a frame as a client must (masked) or a server must (unmasked). */
export function encodeWireFrame(frame: FrameOut, mask: boolean): Buffer {
  const payload = typeof frame.payload === "string" ? Buffer.from(frame.payload) : Buffer.from(frame.payload ?? []);
  const length = payload.length;
  const head: number[] = [((frame.fin ?? true) ? 0x80 : 0) | (frame.rsv ?? 0) | frame.opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(maskBit | 127, ...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** A raw TCP client for a kite-ws server: sends an upgrade with chosen headers, then frames by hand. */
export interface RawWsClient {
  readonly socket: Socket;
  readonly status: number;
  readonly headers: Map<string, string>;
  /** The next frame from the server (any RSV bits); rejects after `millis`. */
  next(millis?: number): Promise<WireFrame>;
  /** The next frame, or "closed" when the connection ended first. */
  nextOrClosed(millis?: number): Promise<WireFrame | "closed">;
  send(frame: FrameOut): void;
  /** Reads frames until a Close, returning its code (null for an empty Close). */
  closeCode(millis?: number): Promise<number | null>;
  readonly closed: Promise<void>;
}

/** Connects to `port`, upgrades `path` with `headers` added (null drops a default) and reads the response head. */
export async function rawWsClient(port: number, path: string, headers: Record<string, string | null> = {}): Promise<RawWsClient> {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await within(once(socket, "connect"), 5_000, "connecting");
  const all: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  let text = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(all)) if (value !== null) text += `${name}: ${value}\r\n`;
  socket.write(text + "\r\n");

  let buffered = Buffer.alloc(0);
  const frames: WireFrame[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      ended = true;
      wake?.();
      resolve();
    }),
  );
  let head: { status: number; headers: Map<string, string> } | null = null;
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (head === null) {
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const lines = buffered.subarray(0, end).toString("latin1").split("\r\n");
      const map = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        map.set(name, map.has(name) ? `${map.get(name)}, ${value}` : value);
      }
      head = { status: Number(lines[0].split(" ")[1]), headers: map };
      buffered = buffered.subarray(end + 4);
    }
    const { frames: got, rest } = takeFrames(buffered);
    frames.push(...got);
    buffered = Buffer.from(rest);
    wake?.();
  });
  const waitUntil = async <T>(probe: () => T | undefined, millis: number, what: string): Promise<T> => {
    const deadline = Date.now() + millis;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(1, deadline - Date.now()));
      });
      wake = null;
    }
  };
  const response = await waitUntil(() => head ?? (ended ? { status: 0, headers: new Map<string, string>() } : undefined), 5_000, "the response");
  const client: RawWsClient = {
    socket,
    status: response.status,
    headers: response.headers,
    next: (millis = 5_000) => waitUntil(() => frames.shift() ?? (ended ? Promise.reject(new Error("closed")) : undefined), millis, "a frame") as Promise<WireFrame>,
    nextOrClosed: (millis = 5_000) => waitUntil<WireFrame | "closed">(() => frames.shift() ?? (ended ? "closed" : undefined), millis, "a frame"),
    send: (frame) => {
      if (!socket.destroyed) socket.write(encodeWireFrame(frame, true));
    },
    async closeCode(millis = 5_000) {
      for (;;) {
        const frame = await client.nextOrClosed(millis);
        if (frame === "closed") throw new Error("The connection ended without a Close frame");
        if (frame.opcode === 0x8) return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
      }
    },
    closed,
  };
  return client;
}

/** A TCP relay between a client and a server that records the frames going each way. */
export interface Tap {
  readonly port: number;
  readonly url: string;
  /** Frames the server sent (after its response head), decoded so far. */
  fromServer(): WireFrame[];
  /** Frames the client sent (after its request head), decoded so far. */
  fromClient(): WireFrame[];
  /** The response head's Sec-WebSocket-Extensions of the last connection, if any. */
  answer(): string | null;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 to `targetPort`; one connection at a time is recorded. */
export async function startTap(targetPort: number): Promise<Tap> {
  const { createServer } = await import("node:net");
  let toClient = Buffer.alloc(0);
  let toServer = Buffer.alloc(0);
  let answer: string | null = null;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    toClient = Buffer.alloc(0);
    toServer = Buffer.alloc(0);
    answer = null;
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("data", (chunk: Buffer) => {
      toServer = Buffer.concat([toServer, chunk]);
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      toClient = Buffer.concat([toClient, chunk]);
      client.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const afterHead = (bytes: Buffer): Buffer => {
    const end = bytes.indexOf("\r\n\r\n");
    return end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  };
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    fromServer: () => takeFrames(afterHead(toClient)).frames,
    fromClient: () => takeFrames(afterHead(toServer)).frames,
    answer() {
      if (answer !== null) return answer;
      const end = toClient.indexOf("\r\n\r\n");
      if (end < 0) return null;
      const line = toClient
        .subarray(0, end)
        .toString("latin1")
        .split("\r\n")
        .find((header) => header.toLowerCase().startsWith("sec-websocket-extensions:"));
      answer = line === undefined ? null : line.slice(line.indexOf(":") + 1).trim();
      return answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
