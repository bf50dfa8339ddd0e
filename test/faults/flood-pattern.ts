// The content of every frame in the flood tests, known to both sides: an 8-byte big-endian sequence
// number, then a fixed pseudo-random pattern. A reader compares every byte, so a lost, repeated,
// reordered or corrupted frame (or byte) is found.
import { Buffer } from "node:buffer";

/** 64 KiB a frame: 1 GiB is 16 384 frames. */
export const FRAME_BYTES = 64 * 1024;
export const GIB_FRAMES = (1024 * 1024 * 1024) / FRAME_BYTES;

const PATTERN = (() => {
  const bytes = Buffer.allocUnsafe(FRAME_BYTES);
  let x = 0x2545f491;
  for (let i = 0; i < FRAME_BYTES; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
  return bytes;
})();

/** A fresh frame payload for sequence number `seq`. */
export function floodFrame(seq: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_BYTES);
  PATTERN.copy(out, 8, 8);
  out.writeBigUInt64BE(BigInt(seq), 0);
  return out;
}

/** Null when `data` is exactly frame `seq`, else what is wrong. */
export function checkFloodFrame(data: Uint8Array, seq: number): string | null {
  if (data.length !== FRAME_BYTES) return `frame ${seq} has ${data.length} bytes`;
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  const got = view.readBigUInt64BE(0);
  if (got !== BigInt(seq)) return `frame ${seq} carries sequence number ${got}`;
  if (view.compare(PATTERN, 8, FRAME_BYTES, 8, FRAME_BYTES) !== 0) return `frame ${seq} has wrong bytes`;
  return null;
}

/** A server frame header (unmasked) for a payload of FRAME_BYTES, binary, final. */
export function serverFrameHeader(): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x82;
  header[1] = 127;
  header.writeBigUInt64BE(BigInt(FRAME_BYTES), 2);
  return header;
}

/**
 * A client frame header with an all-zero masking key: the payload on the wire is the payload itself,
 * so the flooding peer pays nothing to mask. (A key must be unpredictable for security; a receiver
 * cannot and does not check that, so it is fine for a test peer.)
 */
export function clientFrameHeader(): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(FRAME_BYTES), 2);
  return header;
}
