/**
 * A scriptable raw TCP server on 127.0.0.1 for tests that need a peer `ws` would never be: it answers
 * the upgrade by hand (computing Sec-WebSocket-Accept from the request's key) and then writes
 * arbitrary bytes. It has its own tiny frame encoder/decoder, independent of kite-ws's.
 */
import { createServer, type Server, type Socket, type AddressInfo } from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { within } from "./ws-peer.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

export const Op = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** Default true. */
  fin?: boolean;
  /** RSV bits as they sit in the first byte (0x40, 0x20, 0x10). */
  rsv?: number;
  /** Mask the frame (a server must not): true for a random key, or the key. */
  mask?: boolean | Uint8Array;
}

/** Encodes one frame exactly as specified, however wrong. */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === "string" ? Buffer.from(spec.payload, "utf8") : Buffer.from(spec.payload ?? []);
  const fin = spec.fin ?? true;
  const length = payload.length;
  const maskKey = spec.mask === true ? randomBytes(4) : spec.mask instanceof Uint8Array ? Buffer.from(spec.mask) : null;
  const head: number[] = [(fin ? 0x80 : 0) | (spec.rsv ?? 0) | spec.opcode];
  const maskBit = maskKey ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 0x10000) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
  let body = payload;
  if (maskKey) {
    head.push(...maskKey);
    body = Buffer.alloc(length);
    for (let i = 0; i < length; i++) body[i] = payload[i] ^ maskKey[i & 3];
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** A Close frame's payload: the code in network order, then the reason. */
export function closePayload(code: number, reason = ""): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, "utf8");
  return payload;
}

/** A frame the client sent, as parsed here. */
export interface RawFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  maskKey: Buffer | null;
  /** Unmasked payload. */
  payload: Buffer;
}

export interface CloseInfo {
  /** The status code, or null for an empty Close payload. */
  code: number | null;
  reason: string;
}

export function readClose(frame: RawFrame): CloseInfo {
  if (frame.payload.length < 2) return { code: null, reason: "" };
  return { code: frame.payload.readUInt16BE(0), reason: frame.payload.subarray(2).toString("utf8") };
}

/** The upgrade request as the server received it. */
export interface RawRequest {
  readonly method: string;
  /** Request target: path and query. */
  readonly target: string;
  readonly version: string;
  readonly headers: Headers;
  /** The header lines as sent (name: value), in order. */
  readonly lines: readonly string[];
}

export interface AcceptOptions {
  /** Status line instead of "HTTP/1.1 101 Switching Protocols". */
  statusLine?: string;
  /** Header values to use instead of the defaults; null leaves a default header out. */
  headers?: Record<string, string | null>;
  /** Bytes to send in the same write, right after the head (e.g. frames). */
  then?: Uint8Array;
}

/** One TCP connection to the raw server. */
export class RawConnection {
  readonly socket: Socket;
  /** The parsed upgrade request (never settles if the client sends no HTTP head). */
  readonly request: Promise<RawRequest>;
  /** The first bytes the client sent, whatever they are. */
  readonly firstBytes: Promise<Buffer>;
  /** Settles when the socket is closed. */
  readonly closed: Promise<void>;
  /** Set once the client ended its side (FIN) or the socket closed. */
  eof = false;
  /** Time the socket closed (Date.now()), or 0. */
  closedAt = 0;

  private resolveRequest!: (request: RawRequest) => void;
  private resolveFirst!: (bytes: Buffer) => void;
  private head: Buffer | null = Buffer.alloc(0);
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly frames: RawFrame[] = [];
  private readonly readers: ((frame: RawFrame | null) => void)[] = [];

  constructor(socket: Socket) {
    this.socket = socket;
    this.request = new Promise((resolve) => (this.resolveRequest = resolve));
    this.firstBytes = new Promise((resolve) => (this.resolveFirst = resolve));
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.closedAt = Date.now();
        this.onEof();
        resolve();
      }),
    );
    socket.on("error", () => {}); // resets and EPIPE are expected when clients give up
    socket.on("end", () => this.onEof());
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  /** Writes a 101 answer for the request's key (after the request arrived). */
  async accept(options: AcceptOptions = {}): Promise<RawRequest> {
    const request = await this.request;
    this.write(Buffer.concat([Buffer.from(responseHead(request, options), "latin1"), Buffer.from(options.then ?? [])]));
    return request;
  }

  write(data: Uint8Array | string): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  sendFrame(spec: FrameSpec): void {
    this.write(encodeFrame(spec));
  }

  sendClose(code?: number, reason = ""): void {
    this.sendFrame({ opcode: Op.CLOSE, payload: code === undefined ? Buffer.alloc(0) : closePayload(code, reason) });
  }

  /** The next frame from the client; null once the client has ended. Rejects after `timeoutMillis`. */
  readFrame(timeoutMillis = 5_000): Promise<RawFrame | null> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    if (this.eof) return Promise.resolve(null);
    let reader!: (frame: RawFrame | null) => void;
    const next = new Promise<RawFrame | null>((resolve) => (reader = resolve));
    this.readers.push(reader);
    return within(next, timeoutMillis, "a frame from the client").catch((error: unknown) => {
      const at = this.readers.indexOf(reader);
      if (at >= 0) this.readers.splice(at, 1);
      throw error;
    });
  }

  /** The next frame, "eof", or "none" when nothing arrives within `millis` (for "nothing was sent" checks). */
  async frameWithin(millis: number): Promise<RawFrame | "eof" | "none"> {
    try {
      return (await this.readFrame(millis)) ?? "eof";
    } catch {
      return "none";
    }
  }

  /** Reads frames until a Close (skipping others) and returns it; rejects when none arrives in time. */
  async expectClose(timeoutMillis = 5_000): Promise<CloseInfo & { frame: RawFrame; skipped: RawFrame[] }> {
    const skipped: RawFrame[] = [];
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const frame = await this.readFrame(Math.max(1, deadline - Date.now()));
      if (frame === null) throw new Error(`The client ended the connection without a Close frame (after ${skipped.length} other frames)`);
      if (frame.opcode === Op.CLOSE) return { ...readClose(frame), frame, skipped };
      skipped.push(frame);
    }
  }

  /** Stops reading from the socket, so TCP pushes back on the client. */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onEof(): void {
    if (this.eof) return;
    this.eof = true;
    for (const reader of this.readers.splice(0)) reader(null);
  }

  private onData(chunk: Buffer): void {
    if (this.head !== null) {
      if (this.head.length === 0) this.resolveFirst(chunk);
      const joined = Buffer.concat([this.head, chunk]);
      const end = joined.indexOf("\r\n\r\n");
      if (end < 0) {
        this.head = joined.length > 64 * 1024 ? Buffer.alloc(0) : joined;
        return;
      }
      this.head = null;
      this.resolveRequest(parseRequest(joined.subarray(0, end).toString("latin1")));
      chunk = joined.subarray(end + 4);
      if (chunk.length === 0) return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.parseFrames();
  }

  private parseFrames(): void {
    for (;;) {
      if (this.buffered < 2) return;
      const start = this.peek(Math.min(this.buffered, 14));
      const masked = (start[1] & 0x80) !== 0;
      const len7 = start[1] & 0x7f;
      const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (this.buffered < headerLength) return;
      let length = len7;
      if (len7 === 126) length = start.readUInt16BE(2);
      else if (len7 === 127) length = Number(start.readBigUInt64BE(2));
      if (this.buffered < headerLength + length) return;
      const header = this.take(headerLength);
      const maskKey = masked ? Buffer.from(header.subarray(headerLength - 4)) : null;
      const payload = Buffer.from(this.take(length));
      if (maskKey) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i & 3];
      const frame: RawFrame = {
        fin: (header[0] & 0x80) !== 0,
        rsv: header[0] & 0x70,
        opcode: header[0] & 0x0f,
        masked,
        maskKey,
        payload,
      };
      const reader = this.readers.shift();
      if (reader) reader(frame);
      else this.frames.push(frame);
    }
  }

  private peek(length: number): Buffer {
    if (this.chunks[0].length >= length) return this.chunks[0];
    const out = Buffer.alloc(length);
    let filled = 0;
    for (const chunk of this.chunks) {
      filled += chunk.copy(out, filled, 0, Math.min(chunk.length, length - filled));
      if (filled === length) break;
    }
    return out;
  }

  private take(length: number): Buffer {
    if (length === 0) return Buffer.alloc(0);
    this.buffered -= length;
    const first = this.chunks[0];
    if (first.length >= length) {
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
      return first.subarray(0, length);
    }
    const out = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length, length - filled);
      chunk.copy(out, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    return out;
  }
}

function parseRequest(text: string): RawRequest {
  const [requestLine, ...lines] = text.split("\r\n");
  const [method, target, version] = requestLine.split(" ");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { method, target, version, headers, lines };
}

/** The bytes of a handshake answer for `request`. */
export function responseHead(request: RawRequest, options: AcceptOptions = {}): string {
  const key = request.headers.get("sec-websocket-key") ?? "";
  const headers: Record<string, string | null> = {
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Accept": acceptFor(key),
    ...options.headers,
  };
  const lines = [options.statusLine ?? "HTTP/1.1 101 Switching Protocols"];
  for (const [name, value] of Object.entries(headers)) if (value !== null) lines.push(`${name}: ${value}`);
  return lines.join("\r\n") + "\r\n\r\n";
}

export interface RawServer {
  readonly port: number;
  /** `ws://127.0.0.1:port` */
  readonly url: string;
  readonly connections: RawConnection[];
  /** The next connection not yet taken by an earlier call (in accept order). */
  nextConnection(timeoutMillis?: number): Promise<RawConnection>;
  close(): Promise<void>;
}

/** Starts a raw server; `onConnection` may script each connection (or take them with `nextConnection`). */
export async function startRawServer(onConnection?: (connection: RawConnection) => void | Promise<void>): Promise<RawServer> {
  const connections: RawConnection[] = [];
  const waiting: ((connection: RawConnection) => void)[] = [];
  let taken = 0;
  const server: Server = createServer((socket) => {
    const connection = new RawConnection(socket);
    connections.push(connection);
    void Promise.resolve()
      .then(() => onConnection?.(connection))
      .catch(() => connection.destroy());
    const waiter = waiting.shift();
    if (waiter) {
      taken++;
      waiter(connection);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    connections,
    nextConnection(timeoutMillis = 5_000) {
      if (taken < connections.length) return Promise.resolve(connections[taken++]);
      return within(new Promise<RawConnection>((resolve) => waiting.push(resolve)), timeoutMillis, "a TCP connection");
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.destroy();
        server.close(() => resolve());
      }),
  };
}
