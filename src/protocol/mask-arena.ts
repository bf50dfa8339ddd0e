import { instantiateKernel, type KernelInstance } from "./masking.js";

/**
 * Where a client builds its large frames: inside the memory of a wasm instance of the masking kernel.
 * The payload is copied in once and masked in place, and the socket writes straight from there: no
 * copy back out and no buffer allocated per frame (masking through the shared kernel copies twice).
 *
 * Each frame's room is lent until the socket has handed its bytes to the operating system (on
 * loopback and most links, within the write call itself); until every lent frame is back, new frames
 * are placed after the lent ones, and when the arena is full they take the ordinary path. It knows
 * nothing of sockets: the serializer reserves, the transport says when the bytes are written.
 */

/** Payloads at least this big are built in the arena; below, one shared buffer per batch is cheaper. */
export const ARENA_MIN_PAYLOAD = 16 * 1024;

/** The arena's size: a batch of the biggest frames that fit; bigger ones take the ordinary path. */
const ARENA_BYTES = 1024 * 1024;
const PAGE = 65536;
/** Payloads start on a 64-byte boundary (the kernel's block), with their header just before it. */
const ALIGN = 64;

let arena: { readonly kernel: KernelInstance; readonly bytes: Uint8Array } | null | undefined;
/** First free byte. */
let top = 0;
/** Batches written from the arena and not yet given back. */
let lent = 0;

function load(): typeof arena {
  if (arena !== undefined) return arena;
  const kernel = instantiateKernel();
  if (kernel === undefined) return (arena = null);
  // Grown once, before any view exists, so no view ever detaches. Pages are only committed when used.
  kernel.memory.grow(ARENA_BYTES / PAGE);
  return (arena = { kernel, bytes: new Uint8Array(kernel.memory.buffer) });
}

/**
 * @internal Room for one frame with a `headerLength`-byte header and a `payloadLength`-byte payload, as
 * one contiguous view (header, then payload) of arena memory; null when wasm SIMD is missing or the
 * arena has no room now. Each view is lent until {@link returnArena} gives it back.
 */
export function reserveFrame(headerLength: number, payloadLength: number): Uint8Array | null {
  if (payloadLength < ARENA_MIN_PAYLOAD) return null;
  const space = load();
  if (space === null || space === undefined) return null;
  const payloadAt = top + ALIGN;
  // The kernel masks whole blocks: the bytes up to the next block boundary are scratch.
  const end = payloadAt + ((payloadLength + ALIGN - 1) & -ALIGN);
  if (end > ARENA_BYTES) return null;
  top = end;
  lent++;
  return space.bytes.subarray(payloadAt - headerLength, payloadAt + payloadLength);
}

/**
 * @internal Masks in place the payload of a view from {@link reserveFrame}, whose last 4 header bytes
 * are the masking key.
 */
export function maskReservedPayload(frame: Uint8Array, headerLength: number): void {
  const { kernel } = arena!;
  const k = headerLength - 4;
  // Wasm memory is little-endian whatever the host.
  const word = frame[k] | (frame[k + 1] << 8) | (frame[k + 2] << 16) | (frame[k + 3] << 24);
  const start = frame.byteOffset + headerLength;
  kernel.run(start, start + ((frame.length - headerLength + ALIGN - 1) & -ALIGN), word);
}

/** @internal `frames` views from {@link reserveFrame} are with the operating system (or their connection is gone). */
export function returnArena(frames: number): void {
  lent = Math.max(0, lent - frames);
  if (lent === 0) top = 0;
}

/** @internal Views lent and not given back yet (for tests). */
export function arenaBatchesLent(): number {
  return lent;
}
