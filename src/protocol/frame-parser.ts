import { Buffer } from "node:buffer";
import { CONTINUATION_OPCODE, frameTypeOf, isControlOpcode, type FrameType } from "./frame-type.js";
import { createFrame, type Frame } from "./frame.js";
import { mask, unmask } from "./masking.js";
import { FrameTooBigError, ProtocolViolationError } from "../errors.js";

/** RSV bit masks as they sit in a frame's first byte. */
export const RSV1 = 0x40;
export const RSV2 = 0x20;
export const RSV3 = 0x10;

/**
 * RSV bits (`RSV1 | RSV2 | RSV3`) that negotiated extensions may set, by kind of frame: permessage-deflate
 * (RFC 7692 §6) sets RSV1 on the first frame of a message only, never on a continuation or a control frame.
 */
export interface RsvBits {
  /** On the first (or only) frame of a Text or Binary message. */
  readonly messageStart: number;
  /** On continuation frames. */
  readonly continuation: number;
  /** On Close, Ping and Pong frames. */
  readonly control: number;
}

export interface FrameParserOptions {
  /** A server requires every frame masked (true); a client requires none masked (false). RFC 6455 §5.1. */
  readonly expectMasked: boolean;
  /** Largest payload accepted, checked from the header before any payload is buffered. */
  readonly maxFrameSize: number;
  /**
   * RSV bits owned by negotiated extensions: one mask for every kind of frame, or a mask per kind. Any
   * other set bit fails with 1002 (RFC 6455 §5.2).
   */
  readonly allowedRsv?: number | RsvBits;
}

const MAX_HEADER = 14;

// Shared by every parser: each is filled and used within one synchronous call, so an idle
// connection holds no typed arrays of its own.
/** The masking key of the payload being taken, as bytes for `mask`. */
const keyBytes = new Uint8Array(4);
/** A header that straddles chunks, gathered in one piece. */
const scratch = new Uint8Array(MAX_HEADER);

/**
 * An incremental RFC 6455 frame parser. Push received chunks in, pull frames out; payloads are views
 * of the pushed chunks unless a frame straddles chunks. It checks framing only (§5): reserved opcodes,
 * RSV bits, masking direction, control frame rules, continuation order and the frame size limit.
 * Errors are thrown as `ProtocolViolationError` (1002) or `FrameTooBigError` (1009); after one the
 * parser must be discarded.
 */
export class FrameParser {
  private readonly expectMasked: boolean;
  private readonly rsvOnStart: number;
  private readonly rsvOnContinuation: number;
  private readonly rsvOnControl: number;
  maxFrameSize: number;

  private readonly chunks: Uint8Array[] = [];
  /** Read position in chunks[0]. */
  private offset = 0;
  private buffered = 0;
  /** Header of the frame whose payload is still arriving; -1 when awaiting a header. */
  private pendingLength = -1;
  private pendingByte0 = 0;
  private pendingMasked = false;
  /** The pending frame's masking key, big-endian (its bytes in wire order). */
  private pendingKey = 0;
  /** Type of the fragmented message in progress, or 0 when none is. */
  private fragmentType: FrameType | 0 = 0;
  /** The chunk pushed by `pushTransient`, whose bytes are valid only until `keep()`. */
  private transient: Uint8Array | null = null;
  /** The pending frame's payload buffer, when its bytes are read straight into it (`keep`). */
  private payload: Uint8Array | null = null;
  private payloadFilled = 0;

  constructor(options: FrameParserOptions) {
    this.expectMasked = options.expectMasked;
    this.maxFrameSize = options.maxFrameSize;
    const rsv = options.allowedRsv ?? 0;
    this.rsvOnStart = typeof rsv === "number" ? rsv : rsv.messageStart;
    this.rsvOnContinuation = typeof rsv === "number" ? rsv : rsv.continuation;
    this.rsvOnControl = typeof rsv === "number" ? rsv : rsv.control;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered + this.payloadFilled;
  }

  /** True between the first and the final fragment of a message. */
  get inFragmentedMessage(): boolean {
    return this.fragmentType !== 0;
  }

  push(chunk: Uint8Array): void {
    this.append(chunk);
  }

  /**
   * Pushes bytes that stay valid only until `keep()`, which the caller must call before they change
   * (a read buffer shared by connections): frames taken from them are copies.
   */
  pushTransient(chunk: Uint8Array): void {
    this.transient = this.append(chunk);
  }

  /** Adds `chunk` (after filling the payload being read in place); returns what was queued, or null. */
  private append(chunk: Uint8Array): Uint8Array | null {
    if (this.payload !== null) chunk = this.fillPayload(chunk);
    if (chunk.length === 0) return null;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    return chunk;
  }

  /**
   * Ends a `pushTransient`: copies what is left of its bytes. A payload still arriving gets its own
   * buffer now, holding the bytes so far: they are copied once, to where they end up, and the rest can
   * be read straight into it (`payloadRest`). That buffer is as large as the frame's header says (at
   * most `maxFrameSize`), allocated but not written to until its bytes come.
   */
  keep(): void {
    const transient = this.transient;
    this.transient = null;
    const length = this.pendingLength;
    if (this.payload === null && length > this.buffered && !this.pendingMasked) {
      const payload = allocateOrNull(length);
      // Where memory is short, the bytes wait in chunks as they come, as on the `push` path.
      if (payload !== null) {
        this.payloadFilled = this.copyOut(this.buffered, null, payload);
        this.payload = payload;
        return;
      }
    }
    const last = this.chunks.length - 1;
    if (transient === null || last < 0 || this.chunks[last] !== transient) return;
    this.chunks[last] = Buffer.from(transient.subarray(last === 0 ? this.offset : 0));
    if (last === 0) this.offset = 0;
  }

  /** The unfilled part of the payload being read in place (see `keep`), or null. */
  get payloadRest(): Uint8Array | null {
    const payload = this.payload;
    return payload === null || this.payloadFilled === payload.length ? null : payload.subarray(this.payloadFilled);
  }

  /** `bytes` were written at the start of `payloadRest`. */
  filledInPlace(bytes: number): void {
    this.payloadFilled += bytes;
  }

  /** Copies the head of `chunk` into the payload being read in place; returns the bytes beyond it. */
  private fillPayload(chunk: Uint8Array): Uint8Array {
    const n = Math.min(chunk.length, this.pendingLength - this.payloadFilled);
    this.payload!.set(chunk.subarray(0, n), this.payloadFilled);
    this.payloadFilled += n;
    return chunk.subarray(n);
  }

  /** The next complete frame, or null when more bytes are needed. */
  next(): Frame | null {
    const inPlace = this.payload;
    if (inPlace !== null) {
      if (this.payloadFilled < this.pendingLength) return null;
      this.payload = null;
      this.payloadFilled = 0;
      this.pendingLength = -1;
      return this.toFrame(this.pendingByte0, inPlace);
    }
    if (this.pendingLength < 0 && !this.readHeader()) return null;
    const length = this.pendingLength;
    if (this.buffered < length) return null;
    const payload = this.take(length, this.pendingMasked ? keyOf(this.pendingKey) : null);
    this.pendingLength = -1;
    return this.toFrame(this.pendingByte0, payload);
  }

  /** Parses and consumes a header when all of it has arrived; false when more bytes are needed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    let bytes = this.chunks[0];
    let at = this.offset;
    if (bytes.length - at < 2) {
      bytes = this.gather(2);
      at = 0;
    }
    const byte0 = bytes[at];
    const byte1 = bytes[at + 1];
    const masked = (byte1 & 0x80) !== 0;
    const length7 = byte1 & 0x7f;
    this.checkHeader(byte0, masked, length7);
    const headerLength = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.buffered < headerLength) return false;
    if (this.chunks[0].length - this.offset >= headerLength) {
      bytes = this.chunks[0];
      at = this.offset;
    } else {
      bytes = this.gather(headerLength);
      at = 0;
    }

    let length = length7;
    let cursor = at + 2;
    if (length7 === 126) {
      length = (bytes[cursor] << 8) | bytes[cursor + 1];
      cursor += 2;
    } else if (length7 === 127) {
      const high = ((bytes[cursor] << 24) | (bytes[cursor + 1] << 16) | (bytes[cursor + 2] << 8) | bytes[cursor + 3]) >>> 0;
      const low = ((bytes[cursor + 4] << 24) | (bytes[cursor + 5] << 16) | (bytes[cursor + 6] << 8) | bytes[cursor + 7]) >>> 0;
      if (high & 0x80000000) throw new ProtocolViolationError("Frame length has its most significant bit set");
      length = high * 0x1_0000_0000 + low;
      cursor += 8;
    }
    if (length > this.maxFrameSize) {
      throw new FrameTooBigError(`Frame of ${length} bytes exceeds maxFrameSize ${this.maxFrameSize}`, length, this.maxFrameSize);
    }
    if (masked) this.pendingKey = ((bytes[cursor] << 24) | (bytes[cursor + 1] << 16) | (bytes[cursor + 2] << 8) | bytes[cursor + 3]) >>> 0;
    this.skip(headerLength);
    this.pendingByte0 = byte0;
    this.pendingMasked = masked;
    this.pendingLength = length;
    return true;
  }

  private checkHeader(byte0: number, masked: boolean, length7: number): void {
    const rsv = byte0 & 0x70;
    if (rsv !== 0) this.checkRsv(rsv, byte0 & 0x0f);
    if (masked !== this.expectMasked) {
      throw new ProtocolViolationError(masked ? "Masked frame from a server" : "Unmasked frame from a client");
    }
    const opcode = byte0 & 0x0f;
    const fin = (byte0 & 0x80) !== 0;
    if (isControlOpcode(opcode)) {
      if (frameTypeOf(opcode) === undefined) throw new ProtocolViolationError(`Reserved opcode ${opcode}`);
      if (!fin) throw new ProtocolViolationError("Fragmented control frame");
      if (length7 > 125) throw new ProtocolViolationError("Control frame payload over 125 bytes");
    } else if (opcode === CONTINUATION_OPCODE) {
      if (this.fragmentType === 0) throw new ProtocolViolationError("Continuation frame without a message to continue");
    } else {
      if (frameTypeOf(opcode) === undefined) throw new ProtocolViolationError(`Reserved opcode ${opcode}`);
      if (this.fragmentType !== 0) throw new ProtocolViolationError("New data frame before the fragmented message ended");
    }
  }

  /** Fails unless every set RSV bit belongs to a negotiated extension that uses it on this kind of frame. */
  private checkRsv(rsv: number, opcode: number): void {
    const control = isControlOpcode(opcode);
    const allowed = control ? this.rsvOnControl : opcode === CONTINUATION_OPCODE ? this.rsvOnContinuation : this.rsvOnStart;
    if ((rsv & ~allowed) === 0) return;
    if ((this.rsvOnStart | this.rsvOnContinuation | this.rsvOnControl) === 0) {
      throw new ProtocolViolationError("RSV bits set without a negotiated extension");
    }
    const kind = control ? "a control frame" : opcode === CONTINUATION_OPCODE ? "a continuation frame" : "the first frame of a message";
    throw new ProtocolViolationError(`RSV bits 0x${rsv.toString(16)} set on ${kind}, where no negotiated extension uses them`);
  }

  private toFrame(byte0: number, payload: Uint8Array): Frame {
    const fin = (byte0 & 0x80) !== 0;
    const opcode = byte0 & 0x0f;
    let type: FrameType;
    if (opcode === CONTINUATION_OPCODE) {
      type = this.fragmentType as FrameType;
      if (fin) this.fragmentType = 0;
    } else {
      type = opcode as FrameType;
      if (!fin) this.fragmentType = type;
    }
    return createFrame(type, fin, payload, (byte0 & RSV1) !== 0, (byte0 & RSV2) !== 0, (byte0 & RSV3) !== 0);
  }

  /**
   * Consumes `length` bytes, unmasked with `key` when given: a view (unmasked in place) when they sit in
   * one chunk, else one copy that unmasks as it copies.
   */
  private take(length: number, key: Uint8Array | null): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const first = this.chunks[0];
    if (first.length - this.offset >= length && first !== this.transient) {
      const view = first.subarray(this.offset, this.offset + length);
      this.skip(length);
      if (key !== null) unmask(view, 0, length, key, 0);
      return view;
    }
    const out = Buffer.allocUnsafe(length);
    this.copyOut(length, key, out);
    return out;
  }

  /** Consumes `length` buffered bytes into `out` (unmasked with `key` when given); returns `length`. */
  private copyOut(length: number, key: Uint8Array | null, out: Uint8Array): number {
    // Walk the chunks by index and drop the used ones with one splice: shifting once per chunk
    // made a frame that arrived in many small chunks cost quadratic time.
    let filled = 0;
    let index = 0;
    let at = this.offset;
    while (filled < length) {
      const chunk = this.chunks[index];
      const n = Math.min(chunk.length - at, length - filled);
      if (key === null) out.set(chunk.subarray(at, at + n), filled);
      else mask(chunk, at, key, 0, out, filled, n, filled & 3);
      filled += n;
      at += n;
      if (at === chunk.length) {
        index++;
        at = 0;
      }
    }
    this.chunks.splice(0, index);
    this.offset = at;
    this.buffered -= length;
    return length;
  }

  /** Copies the first `length` buffered bytes into scratch without consuming them. */
  private gather(length: number): Uint8Array {
    let filled = 0;
    let at = this.offset;
    for (let i = 0; filled < length; i++) {
      const chunk = this.chunks[i];
      const n = Math.min(chunk.length - at, length - filled);
      scratch.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at = 0;
    }
    return scratch;
  }

  private skip(length: number): void {
    this.buffered -= length;
    let offset = this.offset + length;
    while (this.chunks.length > 0 && offset >= this.chunks[0].length) {
      offset -= this.chunks[0].length;
      this.chunks.shift();
    }
    this.offset = offset;
    // An emptied array keeps its storage after shift(); setting its length frees it, so an idle
    // connection's parser holds an empty list, not the slots of its last burst.
    if (this.chunks.length === 0) this.chunks.length = 0;
  }
}

/** A buffer of `length` bytes, or null when the allocation fails (a large frame with little memory left). */
function allocateOrNull(length: number): Buffer | null {
  try {
    return Buffer.allocUnsafe(length);
  } catch {
    return null;
  }
}

/** The shared key array holding `key`'s bytes in wire order. */
function keyOf(key: number): Uint8Array {
  keyBytes[0] = key >>> 24;
  keyBytes[1] = (key >>> 16) & 0xff;
  keyBytes[2] = (key >>> 8) & 0xff;
  keyBytes[3] = key & 0xff;
  return keyBytes;
}
