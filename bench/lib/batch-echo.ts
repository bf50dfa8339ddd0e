/**
 * A minimal echo server that batches its writes: everything echoed for one received chunk leaves in
 * one socket write. It speaks just enough RFC 6455 for the bench (no extensions, no fragmentation
 * checks), and unmasks with `bufferutil`. A floor for the server bench, not a server to use.
 */
import { Buffer } from "node:buffer";
import { createServer, type Server, type Socket } from "node:net";
import { createRequire } from "node:module";
import { acceptFor, writeHeader } from "./wire.js";

const require = createRequire(import.meta.url);
const bufferUtil = require("bufferutil") as { unmask(buffer: Buffer, mask: Buffer): void };

/** Echoed bytes gathered into one buffer below this size; above it, written as separate chunks in one cork. */
const COPY_LIMIT = 64 * 1024;

export function startBatchEcho(host: string, port: number): Promise<Server> {
  const server = createServer({ noDelay: true }, (socket) => new EchoConnection(socket));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, backlog: 4096 }, () => resolve(server));
  });
}

class EchoConnection {
  private head: Buffer | null = Buffer.alloc(0);
  /** Header bytes gathered across chunks. */
  private readonly header = Buffer.alloc(14);
  private headerFill = 0;
  private remaining = 0;
  private phase = 0;
  private opcode = 0;
  private readonly key = Buffer.alloc(4);
  private readonly rotated = Buffer.alloc(4);
  /** Payload of a control frame being gathered (pong/close answers need all of it). */
  private control: Buffer[] | null = null;

  constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => socket.destroy());
  }

  private onData(chunk: Buffer): void {
    if (this.head !== null) {
      const all = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        this.head = all;
        return;
      }
      const text = all.subarray(0, end).toString("latin1");
      const match = /^sec-websocket-key:\s*(\S+)/im.exec(text);
      if (!match) {
        this.socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
        return;
      }
      this.socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${acceptFor(match[1])}\r\n\r\n`,
      );
      this.head = null;
      chunk = all.subarray(end + 4);
      if (chunk.length === 0) return;
    }
    const out: Buffer[] = [];
    let outBytes = 0;
    let at = 0;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        const piece = chunk.subarray(at, at + take);
        this.unmask(piece);
        at += take;
        this.remaining -= take;
        if (this.control !== null) {
          this.control.push(piece);
          if (this.remaining === 0) this.finishControl(out);
        } else {
          out.push(piece);
          outBytes += take;
        }
        continue;
      }
      // Gather the header (2 bytes, then its full size).
      const needed = this.headerFill < 2 ? 2 : headerLength(this.header);
      const take = Math.min(needed - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + take);
      this.headerFill += take;
      at += take;
      if (this.headerFill < 2 || this.headerFill < headerLength(this.header)) continue;
      this.startFrame(out);
      outBytes += 14;
    }
    if (out.length === 0) return;
    const socket = this.socket;
    if (outBytes <= COPY_LIMIT) {
      socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
    } else {
      socket.cork();
      for (const piece of out) socket.write(piece);
      socket.uncork();
    }
  }

  private startFrame(out: Buffer[]): void {
    const h = this.header;
    const len7 = h[1] & 0x7f;
    let size = len7;
    let at = 2;
    if (len7 === 126) {
      size = h.readUInt16BE(2);
      at = 4;
    } else if (len7 === 127) {
      size = h.readUInt32BE(2) * 0x1_0000_0000 + h.readUInt32BE(6);
      at = 10;
    }
    h.copy(this.key, 0, at, at + 4);
    this.headerFill = 0;
    this.phase = 0;
    this.remaining = size;
    this.opcode = h[0] & 0x0f;
    if (this.opcode >= 8) {
      this.control = [];
      if (size === 0) this.finishControl(out);
      return;
    }
    // Echo the header at once (same FIN/opcode, unmasked); payload pieces follow as they arrive.
    const header = Buffer.allocUnsafe(10);
    const end = writeHeader(header, 0, this.opcode, size, null);
    header[0] = h[0] & 0x8f;
    out.push(header.subarray(0, end));
  }

  private finishControl(out: Buffer[]): void {
    const payload = Buffer.concat(this.control ?? []);
    this.control = null;
    const opcode = this.opcode;
    if (opcode === 9 || opcode === 8) {
      const frame = Buffer.allocUnsafe(2 + payload.length);
      writeHeader(frame, 0, opcode === 9 ? 10 : 8, payload.length, null);
      payload.copy(frame, 2);
      out.push(frame);
      if (opcode === 8) {
        this.socket.cork();
        for (const piece of out.splice(0)) this.socket.write(piece);
        this.socket.uncork();
        this.socket.end();
      }
    }
  }

  /** Unmasks `piece` in place, continuing the key phase of the frame. */
  private unmask(piece: Buffer): void {
    const key = this.key;
    const phase = this.phase;
    if (piece.length >= 32) {
      const r = this.rotated;
      r[0] = key[phase & 3];
      r[1] = key[(phase + 1) & 3];
      r[2] = key[(phase + 2) & 3];
      r[3] = key[(phase + 3) & 3];
      bufferUtil.unmask(piece, r);
    } else {
      for (let i = 0; i < piece.length; i++) piece[i] ^= key[(phase + i) & 3];
    }
    this.phase = (phase + piece.length) & 3;
  }
}

function headerLength(header: Buffer): number {
  const len7 = header[1] & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
}
