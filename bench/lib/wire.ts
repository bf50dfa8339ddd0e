/**
 * Bytes on the wire for the bench's own peers (the raw floor client and the minimal batching echo):
 * handshake text, pre-built frames, and a frame counter that reads headers only. Independent of
 * kite-ws's protocol code on purpose, so the floor does not inherit its costs or its bugs.
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function acceptFor(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** The upgrade request a raw client sends, and the accept value it expects back. */
export function upgradeRequest(url: URL, extensions?: string): { request: string; accept: string } {
  const key = randomBytes(16).toString("base64");
  const lines = [
    `GET ${url.pathname || "/"} HTTP/1.1`,
    `Host: ${url.host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Key: ${key}`,
    "Sec-WebSocket-Version: 13",
  ];
  if (extensions) lines.push(`Sec-WebSocket-Extensions: ${extensions}`);
  return { request: lines.join("\r\n") + "\r\n\r\n", accept: acceptFor(key) };
}

/** Length of a frame header for `size` payload bytes. */
export function headerSize(size: number, masked: boolean): number {
  return (size < 126 ? 2 : size < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/** Writes a frame header at `at`; returns where the payload starts. */
export function writeHeader(target: Buffer, at: number, opcode: number, size: number, maskKey: Buffer | null): number {
  target[at++] = 0x80 | opcode;
  const maskBit = maskKey ? 0x80 : 0;
  if (size < 126) {
    target[at++] = maskBit | size;
  } else if (size < 0x10000) {
    target[at++] = maskBit | 126;
    target.writeUInt16BE(size, at);
    at += 2;
  } else {
    target[at++] = maskBit | 127;
    target.writeUInt32BE(Math.floor(size / 0x1_0000_0000), at);
    target.writeUInt32BE(size >>> 0, at + 4);
    at += 8;
  }
  if (maskKey) {
    maskKey.copy(target, at);
    at += 4;
  }
  return at;
}

/** A complete client frame (masked with a fixed random key), built once and written many times. */
export function maskedFrame(opcode: number, payload: Uint8Array): Buffer {
  const key = randomBytes(4);
  const frame = Buffer.allocUnsafe(headerSize(payload.length, true) + payload.length);
  const start = writeHeader(frame, 0, opcode, payload.length, key);
  for (let i = 0; i < payload.length; i++) frame[start + i] = payload[i] ^ key[i & 3];
  return frame;
}

/**
 * Counts the complete frames in a stream of chunks without copying or decoding payloads: it reads
 * each header and skips the payload bytes. `push` returns how many data messages ended in the chunk.
 */
export class FrameCounter {
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private inPayload = false;
  private currentIsData = false;
  private currentFin = false;
  private readonly header = Buffer.alloc(14);
  private headerFill = 0;
  /** Data payload bytes seen in total. */
  payloadBytes = 0;
  /** Close frames seen. */
  closes = 0;

  push(chunk: Buffer): number {
    let messages = 0;
    let at = 0;
    const length = chunk.length;
    while (at < length) {
      if (this.inPayload) {
        const take = Math.min(this.remaining, length - at);
        at += take;
        this.remaining -= take;
        if (this.currentIsData) this.payloadBytes += take;
        if (this.remaining === 0) {
          this.inPayload = false;
          if (this.currentIsData && this.currentFin) messages++;
        }
        continue;
      }
      // Header: the fast path reads it in place; a header cut between chunks is gathered first.
      let source = chunk;
      let start = at;
      if (this.headerFill > 0 || length - at < 2 || length - at < this.sizeAt(chunk, at)) {
        const needed = this.headerFill < 2 ? 2 : this.sizeAt(this.header, 0);
        const take = Math.min(needed - this.headerFill, length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill < 2) continue;
        const full = this.sizeAt(this.header, 0);
        if (this.headerFill < full) {
          if (at < length) continue;
          break;
        }
        source = this.header;
        start = 0;
        this.headerFill = 0;
      } else {
        at += this.sizeAt(chunk, at);
      }
      const byte0 = source[start];
      const len7 = source[start + 1] & 0x7f;
      let size = len7;
      if (len7 === 126) size = source.readUInt16BE(start + 2);
      else if (len7 === 127) size = source.readUInt32BE(start + 2) * 0x1_0000_0000 + source.readUInt32BE(start + 6);
      const opcode = byte0 & 0x0f;
      this.currentIsData = opcode < 8;
      this.currentFin = (byte0 & 0x80) !== 0;
      if (opcode === 8) this.closes++;
      this.remaining = size;
      this.inPayload = true;
      if (size === 0) {
        this.inPayload = false;
        if (this.currentIsData && this.currentFin) messages++;
      }
    }
    return messages;
  }

  /** Header size from its first two bytes (which must be present). */
  private sizeAt(bytes: Buffer, at: number): number {
    const byte1 = bytes[at + 1];
    const len7 = byte1 & 0x7f;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (byte1 & 0x80 ? 4 : 0);
  }
}
