/**
 * A small reference encoder for RFC 6455 frames, written from §5.2 by hand so that parser tests do not
 * depend on our own serializer. It can also build frames the serializer never would (reserved opcodes,
 * RSV bits, a 64-bit length with its top bit set, non-minimal length encodings) to test refusals.
 */

/** Everything that goes into one frame on the wire. */
export interface RawFrame {
  /** Opcode, 0..15 (0 = continuation). */
  readonly opcode: number;
  /** FIN bit; defaults to true. */
  readonly fin?: boolean;
  /** RSV bits as they sit in the first byte's 0x70 nibble, as a 3-bit number: RSV1 = 4, RSV2 = 2, RSV3 = 1. */
  readonly rsv?: number;
  /** The (unmasked) payload; defaults to empty. */
  readonly payload?: Uint8Array;
  /** A 4-byte masking key: when present, the MASK bit is set and the payload is masked with it. */
  readonly maskKey?: Uint8Array | null;
  /** Forces the length field's width (7, 16 or 64 bits); by default the minimal one is used. */
  readonly lengthBits?: 7 | 16 | 64;
  /** Writes this length into the header instead of the payload's length (for malformed frames). */
  readonly declaredLength?: bigint;
}

/** Just the header of `frame` (first byte, length, masking key). */
export function encodeHeader(frame: RawFrame): Uint8Array {
  const payloadLength = frame.payload?.length ?? 0;
  const length = frame.declaredLength ?? BigInt(payloadLength);
  const bits = frame.lengthBits ?? (length < 126n ? 7 : length < 65536n ? 16 : 64);
  const key = frame.maskKey ?? null;
  if (key !== null && key.length !== 4) throw new RangeError("A masking key is 4 bytes");
  const rsv = frame.rsv ?? 0;
  if (rsv < 0 || rsv > 7 || frame.opcode < 0 || frame.opcode > 15) throw new RangeError("rsv is 0..7 and opcode 0..15");

  const header: number[] = [];
  header.push(((frame.fin ?? true) ? 0x80 : 0) | (rsv << 4) | frame.opcode);
  const maskBit = key !== null ? 0x80 : 0;
  if (bits === 7) {
    if (length > 125n) throw new RangeError("7-bit length field holds 0..125");
    header.push(maskBit | Number(length));
  } else if (bits === 16) {
    if (length > 0xffffn) throw new RangeError("16-bit length field holds 0..65535");
    header.push(maskBit | 126, Number(length >> 8n), Number(length & 0xffn));
  } else {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((length >> shift) & 0xffn));
  }
  if (key !== null) header.push(key[0], key[1], key[2], key[3]);
  return Uint8Array.from(header);
}

/** The whole frame: header, then the payload (masked when a key is given). */
export function encodeFrame(frame: RawFrame): Uint8Array {
  const header = encodeHeader(frame);
  const payload = frame.payload ?? new Uint8Array(0);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  const key = frame.maskKey ?? null;
  for (let i = 0; i < payload.length; i++) {
    out[header.length + i] = key === null ? payload[i] : payload[i] ^ key[i % 4];
  }
  return out;
}

/** One new buffer holding all `parts` in order. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Splits `bytes` at the given cut positions (any order, duplicates and out-of-range values allowed)
 * into fresh copies, so a consumer that writes into its input (in-place unmasking) cannot touch `bytes`.
 */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.slice(start, point));
    start = point;
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

/** Deterministic pseudo-random bytes (xorshift32), cheap enough for payloads of any size. */
export function patternBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
  return bytes;
}

/** Lower-case hex of some bytes, for readable equality checks on payloads. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}

/** The opcodes of RFC 6455 §5.2. */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** One frame as the reference decoder found it: header fields, the masking key, and the unmasked payload. */
export interface DecodedFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly maskKey: Uint8Array | null;
  readonly payload: Uint8Array;
  /** Offset of the frame's first byte in the decoded bytes. */
  readonly start: number;
  /** Bytes the header took (2, 4 or 10, plus 4 when masked). */
  readonly headerLength: number;
}

/**
 * A deliberately plain decoder for well-formed frames, to check encoder output without our parser.
 * It checks nothing beyond what it needs to walk the bytes, and throws if the bytes end mid-frame.
 */
export function decodeFrames(bytes: Uint8Array): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    if (bytes.length - at < 2) throw new RangeError(`Truncated header at ${start}`);
    const byte0 = bytes[at++];
    const byte1 = bytes[at++];
    let length = byte1 & 0x7f;
    if (length === 126) {
      length = bytes[at] * 256 + bytes[at + 1];
      at += 2;
    } else if (length === 127) {
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + bytes[at + i];
      at += 8;
    }
    let maskKey: Uint8Array | null = null;
    if ((byte1 & 0x80) !== 0) {
      maskKey = bytes.slice(at, at + 4);
      at += 4;
    }
    if (at + length > bytes.length) throw new RangeError(`Truncated payload in the frame at ${start}`);
    const payload = bytes.slice(at, at + length);
    if (maskKey !== null) for (let i = 0; i < payload.length; i++) payload[i] ^= maskKey[i % 4];
    frames.push({
      fin: (byte0 & 0x80) !== 0,
      rsv: (byte0 >> 4) & 7,
      opcode: byte0 & 0x0f,
      maskKey,
      payload,
      start,
      headerLength: at - start,
    });
    at += length;
  }
  return frames;
}
