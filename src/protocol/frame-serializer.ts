import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";
import { CONTINUATION_OPCODE, isControlOpcode } from "./frame-type.js";
import { Frame } from "./frame.js";
import { mask } from "./masking.js";
import { ARENA_MIN_PAYLOAD, maskReservedPayload, type ArenaAccount } from "./mask-arena.js";

/**
 * Masked payloads at least this big that find no room in the arena are built in the reusable large
 * frame buffer: from here a fresh buffer comes from the operating system page by page.
 */
const LARGE_FRAME_MIN_PAYLOAD = 128 * 1024;
/** Server payloads at least this big are written as their own chunk instead of being copied. */
const ZERO_COPY_THRESHOLD = 16 * 1024;
/** Masking keys are cut from a pool of crypto-random bytes refilled at once (RFC 6455 §5.3, §10.3). */
const KEY_POOL_BYTES = 8 * 1024;
const NO_BYTES = Buffer.alloc(0);

export interface FrameSerializerOptions {
  /** Clients mask every frame (true); servers never do (false). */
  readonly mask: boolean;
  /**
   * Builds large masked frames in the wasm arena (see mask-arena.ts), or the largest in the reusable
   * large frame buffer (large-frame-buffer.ts), lent to this account; only when masking (ignored
   * otherwise). Whoever writes the chunks must then give back the count `serialize` returns with
   * `giveBack` once they are written.
   */
  readonly arena?: ArenaAccount | null;
}

/**
 * Turns frames into bytes ready for one socket write. Frames of one batch share one buffer (headers
 * and small payloads), text is encoded straight into it, and masking writes into it from the caller's
 * payload so the caller's bytes are never changed. Knows nothing of sockets.
 */
export class FrameSerializer {
  private readonly masking: boolean;
  private readonly arena: ArenaAccount | null;
  /** True between the first and the final fragment of an outgoing message. */
  private continuing = false;

  constructor(options: FrameSerializerOptions) {
    this.masking = options.mask;
    this.arena = options.mask ? (options.arena ?? null) : null;
  }

  /**
   * Appends the encoded form of `frames` to `out` as one or more chunks. Returns how many of them were
   * built in the wasm arena (0 unless the `arena` option is on).
   */
  serialize(frames: readonly Frame[], out: Uint8Array[]): number {
    sizes.length = frames.length;
    reserved.length = frames.length;
    inArena.length = frames.length;
    let total = 0;
    let lent = 0;
    for (let i = 0; i < frames.length; i++) {
      const size = frames[i].byteLength;
      sizes[i] = size;
      let room: Uint8Array | null = null;
      inArena[i] = false;
      if (this.arena !== null && size >= ARENA_MIN_PAYLOAD) {
        room = this.arena.reserve(headerLength(size, true), size);
        if (room !== null) inArena[i] = true;
        else if (size >= LARGE_FRAME_MIN_PAYLOAD) room = this.arena.lendLarge(headerLength(size, true) + size);
      }
      reserved[i] = room;
      if (room !== null) lent++;
      else {
        const wire = this.prebuilt(frames[i]);
        if (wire === null) total += headerLength(size, this.masking) + (this.inline(size) ? size : 0);
        else if (this.copiesPrebuilt(wire, frames.length)) total += wire.length;
      }
    }
    const buffer = total === 0 ? NO_BYTES : Buffer.allocUnsafe(total);
    let pos = 0;
    let start = 0;
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i];
      const size = sizes[i];
      const room = reserved[i];
      if (room !== null) {
        reserved[i] = null;
        if (pos > start) out.push(buffer.subarray(start, pos));
        out.push(inArena[i] ? this.buildInArena(room, frame, size) : this.buildInLargeBuffer(room as Buffer, frame, size));
        start = pos;
        continue;
      }
      const wire = this.prebuilt(frame);
      if (wire !== null) {
        if (!isControlOpcode(frame.frameType)) this.continuing = !frame.fin;
        if (this.copiesPrebuilt(wire, frames.length)) {
          buffer.set(wire, pos);
          pos += wire.length;
        } else {
          if (pos > start) out.push(buffer.subarray(start, pos));
          out.push(wire);
          start = pos;
        }
        continue;
      }
      pos = this.writeHeader(buffer, pos, frame, size);
      if (this.inline(size)) {
        pos = this.writePayload(buffer, pos, frame, size);
      } else {
        out.push(buffer.subarray(start, pos), frame.data);
        start = pos;
      }
    }
    if (pos > start) out.push(buffer.subarray(start, pos));
    return lent;
  }

  /** Convenience for one frame: its whole encoding as a single buffer. */
  serializeOne(frame: Frame): Uint8Array {
    const out: Uint8Array[] = [];
    this.serialize([frame], out);
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Builds a masked frame whole in its arena room: header, payload copied in once, masked in place. */
  private buildInArena(room: Uint8Array, frame: Frame, size: number): Buffer {
    const length = room.length - size;
    const target = Buffer.from(room.buffer, room.byteOffset, room.length);
    this.writeHeader(target, 0, frame, size);
    if (frame instanceof Frame.Text && frame.bytes === null && frame.text !== null) target.write(frame.text, length, size, "utf8");
    else target.set(frame.data, length);
    maskReservedPayload(room, length);
    return target;
  }

  /** Builds a masked frame whole in the lent large frame buffer: header, then the payload masked into it. */
  private buildInLargeBuffer(target: Buffer, frame: Frame, size: number): Buffer {
    this.writePayload(target, this.writeHeader(target, 0, frame, size), frame, size);
    return target;
  }

  /**
   * A frame's encoding built once for many connections (fan-out), when this serializer would build the
   * same bytes: it does not mask, and is not inside a fragmented message (whose frames get the
   * continuation opcode).
   */
  private prebuilt(frame: Frame): Uint8Array | null {
    const wire = frame.unmaskedWire;
    if (wire === null || this.masking || (this.continuing && !isControlOpcode(frame.frameType))) return null;
    return wire;
  }

  /** A small prebuilt frame among others is copied into the batch's buffer; otherwise it is written as it is. */
  private copiesPrebuilt(wire: Uint8Array, frames: number): boolean {
    return frames > 1 && wire.length < ZERO_COPY_THRESHOLD;
  }

  private inline(size: number): boolean {
    return this.masking || size < ZERO_COPY_THRESHOLD;
  }

  private writeHeader(buffer: Buffer, pos: number, frame: Frame, size: number): number {
    const type = frame.frameType;
    let opcode: number = type;
    if (!isControlOpcode(type)) {
      if (this.continuing) opcode = CONTINUATION_OPCODE;
      this.continuing = !frame.fin;
    }
    buffer[pos++] =
      (frame.fin ? 0x80 : 0) | (frame.rsv1 ? 0x40 : 0) | (frame.rsv2 ? 0x20 : 0) | (frame.rsv3 ? 0x10 : 0) | opcode;
    const maskBit = this.masking ? 0x80 : 0;
    if (size < 126) {
      buffer[pos++] = maskBit | size;
    } else if (size < 0x10000) {
      buffer[pos++] = maskBit | 126;
      buffer[pos++] = size >>> 8;
      buffer[pos++] = size & 0xff;
    } else {
      buffer[pos++] = maskBit | 127;
      const high = Math.floor(size / 0x1_0000_0000);
      buffer.writeUInt32BE(high, pos);
      buffer.writeUInt32BE(size >>> 0, pos + 4);
      pos += 8;
    }
    if (this.masking) {
      const key = nextKeyOffset();
      buffer[pos] = keyPool[key];
      buffer[pos + 1] = keyPool[key + 1];
      buffer[pos + 2] = keyPool[key + 2];
      buffer[pos + 3] = keyPool[key + 3];
      pos += 4;
    }
    return pos;
  }

  /** Writes (and masks, on a client) the payload right after its header. */
  private writePayload(buffer: Buffer, pos: number, frame: Frame, size: number): number {
    if (size === 0) return pos;
    const keyAt = pos - 4;
    if (frame instanceof Frame.Text && frame.bytes === null && frame.text !== null) {
      buffer.write(frame.text, pos, size, "utf8");
      if (this.masking) mask(buffer, pos, buffer, keyAt, buffer, pos, size);
    } else if (this.masking) {
      mask(frame.data, 0, buffer, keyAt, buffer, pos, size);
    } else {
      buffer.set(frame.data, pos);
    }
    return pos + size;
  }
}

// Scratch of the batch being serialized, shared by every serializer: serialize() runs to completion
// without calling out, and an idle connection then holds no arrays.
const sizes: number[] = [];
/** Rooms by frame index (null: the frame goes in the batch buffer), in the arena or the large frame buffer. */
const reserved: (Uint8Array | null)[] = [];
const inArena: boolean[] = [];

// One pool for the process: each key is used once, and idle connections hold no random bytes.
let keyPool: Buffer = Buffer.alloc(0);
let keyOffset = 0;

function nextKeyOffset(): number {
  if (keyOffset + 4 > keyPool.length) {
    if (keyPool.length === 0) keyPool = Buffer.allocUnsafe(KEY_POOL_BYTES);
    randomFillSync(keyPool);
    keyOffset = 0;
  }
  const at = keyOffset;
  keyOffset += 4;
  return at;
}

/** Bytes of a frame header for a payload of `size` bytes. */
export function headerLength(size: number, masked: boolean): number {
  return (size < 126 ? 2 : size < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}
