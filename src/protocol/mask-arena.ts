import type { Buffer } from "node:buffer";
import { instantiateKernel, type KernelInstance } from "./masking-kernel.js";
import { giveBackLargeFrameBuffer, lendLargeFrameBuffer } from "./large-frame-buffer.js";

/**
 * Where a client builds its large frames: inside the memory of a wasm instance of the masking kernel.
 * The payload is copied in once and masked in place, and the socket writes straight from there: no
 * copy back out and no buffer allocated per frame (masking through the shared kernel copies twice).
 *
 * Each frame's room is lent until the socket has handed its bytes to the operating system (on
 * loopback and most links, within the write call itself). Room is lent to an {@link ArenaAccount},
 * one per connection, which may hold at most {@link ACCOUNT_BYTES} at a time: a connection whose peer
 * stops reading keeps its frames lent, and still leaves the rest of the arena to every other
 * connection. A frame that finds no room (its account is at its share, or the arena is full) takes
 * the ordinary path. It knows nothing of sockets: the serializer reserves, the transport says when
 * the bytes are written.
 */

/** Payloads at least this big are built in the arena; below, one shared buffer per batch is cheaper. */
export const ARENA_MIN_PAYLOAD = 16 * 1024;

/** The most one connection may hold lent: a batch of the biggest frames that fit; bigger ones take the ordinary path. */
export const ACCOUNT_BYTES = 1024 * 1024;
/** The arena's size: two connections' full share, so one stalled connection leaves a full share to the others. */
const ARENA_BYTES = 2 * ACCOUNT_BYTES;
const PAGE = 65536;
/** Stands for the large frame buffer in an account's list of loans, where arena offsets go. */
const LARGE_LOAN = -1;
/** Payloads start on a 64-byte boundary (the kernel's block), with their header just before it. */
const ALIGN = 64;

let arena: { readonly kernel: KernelInstance; readonly bytes: Uint8Array } | null | undefined;

/**
 * Room lent, as [start, end) pairs of arena offsets sorted by start, in the first `lentLength` slots; a
 * region is a frame's 64-byte lead-in (its header sits at the end of it) and its payload rounded up to
 * whole blocks. Few at a time: on a healthy connection each is given back within its write. The
 * array only grows (to the most ever lent at once): V8 frees an array's storage when its length drops
 * to 0, so counting the slots in use, not the length, keeps lending and giving back allocation-free.
 */
const lentRegions: number[] = [];
let lentLength = 0;

function load(): typeof arena {
  if (arena !== undefined) return arena;
  const kernel = instantiateKernel();
  if (kernel === undefined) return (arena = null);
  // Grown once, before any view exists, so no view ever detaches. Pages are only committed when used.
  kernel.memory.grow(ARENA_BYTES / PAGE);
  return (arena = { kernel, bytes: new Uint8Array(kernel.memory.buffer) });
}

/**
 * The index in {@link lentRegions} of the first gap of `size` bytes (the gap ends where the region at
 * that index starts, and starts where the one before it ends); -1 when none.
 */
function firstFit(size: number): number {
  let at = 0;
  let i = 0;
  for (; i < lentLength; i += 2) {
    if (lentRegions[i] - at >= size) break;
    at = lentRegions[i + 1];
  }
  return at + size <= ARENA_BYTES ? i : -1;
}

/** Inserts [start, end) at index `i`, moving the regions after it up by one pair. */
function insertRegion(i: number, start: number, end: number): void {
  // Grown at the end, never written past it: that would leave a hole in the array.
  if (lentLength === lentRegions.length) lentRegions.push(0, 0);
  for (let j = lentLength - 1; j >= i; j--) lentRegions[j + 2] = lentRegions[j];
  lentRegions[i] = start;
  lentRegions[i + 1] = end;
  lentLength += 2;
}

function removeRegion(start: number): void {
  for (let i = 0; i < lentLength; i += 2) {
    if (lentRegions[i] === start) {
      // A plain loop: Array copyWithin is a slow generic builtin, and splice allocates.
      for (let j = i; j < lentLength - 2; j++) lentRegions[j] = lentRegions[j + 2];
      lentLength -= 2;
      return;
    }
  }
}

/**
 * @internal One connection's loans from the arena: what it has lent, oldest first, within its share.
 * Made by the transport of a client connection and handed to its serializer.
 */
export class ArenaAccount {
  /**
   * Starts and ends of this account's regions, in the order they were lent, in slots `head` to
   * `tail`. Made on the first loan and kept, its slots reused (as {@link lentRegions}'), so a
   * connection's writes allocate nothing; under 1 KB (63 regions at most) for a client connection
   * that ever sent a large frame.
   */
  private regions: number[] | null = null;
  private head = 0;
  private tail = 0;
  private bytes = 0;

  /** Frames lent and not given back yet. */
  get framesLent(): number {
    return (this.tail - this.head) / 2;
  }

  private record(start: number, end: number): void {
    const regions = (this.regions ??= []);
    if (this.tail === regions.length) regions.push(start, end);
    else {
      regions[this.tail] = start;
      regions[this.tail + 1] = end;
    }
    this.tail += 2;
  }

  /**
   * Room for one frame with a `headerLength`-byte header and a `payloadLength`-byte payload (at least
   * {@link ARENA_MIN_PAYLOAD}, which the serializer checks), as one contiguous view (header, then
   * payload) of arena memory; null when wasm SIMD is missing, when this account holds its share, or
   * when the arena has no room now. Each view is lent until {@link giveBack} returns it.
   */
  reserve(headerLength: number, payloadLength: number): Uint8Array | null {
    const space = load();
    if (space === null || space === undefined) return null;
    // The kernel masks whole blocks: the bytes up to the next block boundary are scratch.
    const size = ALIGN + ((payloadLength + ALIGN - 1) & -ALIGN);
    if (this.bytes + size > ACCOUNT_BYTES) return null;
    const at = firstFit(size);
    if (at < 0) return null;
    const start = at === 0 ? 0 : lentRegions[at - 1];
    insertRegion(at, start, start + size);
    this.record(start, start + size);
    this.bytes += size;
    const payloadAt = start + ALIGN;
    return space.bytes.subarray(payloadAt - headerLength, payloadAt + payloadLength);
  }

  /**
   * The process's reusable buffer for a frame too large for the arena (large-frame-buffer.ts), `size`
   * bytes, lent on this account in turn with its arena rooms; null while another frame has it.
   */
  lendLarge(size: number): Buffer | null {
    const buffer = lendLargeFrameBuffer(size);
    if (buffer === null) return null;
    this.record(LARGE_LOAN, LARGE_LOAN);
    return buffer;
  }

  /** The oldest `frames` views from {@link reserve} or {@link lendLarge} are with the operating system (or their connection is gone). */
  giveBack(frames: number): void {
    const regions = this.regions;
    if (regions === null) return;
    const end = Math.min(this.head + frames * 2, this.tail);
    for (let i = this.head; i < end; i += 2) {
      if (regions[i] === LARGE_LOAN) {
        giveBackLargeFrameBuffer();
        continue;
      }
      removeRegion(regions[i]);
      this.bytes -= regions[i + 1] - regions[i];
    }
    const live = this.tail - end;
    if (live >= end) {
      this.head = end;
      return;
    }
    // As many given back as still lent, or more: the rest moves to the front, so slots are reused.
    for (let i = 0; i < live; i++) regions[i] = regions[end + i];
    this.head = 0;
    this.tail = live;
  }
}

/**
 * @internal Masks in place the payload of a view from {@link ArenaAccount.reserve}, whose last 4 header
 * bytes are the masking key.
 */
export function maskReservedPayload(frame: Uint8Array, headerLength: number): void {
  const { kernel } = arena!;
  const k = headerLength - 4;
  // Wasm memory is little-endian whatever the host.
  const word = frame[k] | (frame[k + 1] << 8) | (frame[k + 2] << 16) | (frame[k + 3] << 24);
  const start = frame.byteOffset + headerLength;
  kernel.run(start, start + ((frame.length - headerLength + ALIGN - 1) & -ALIGN), word);
}

/** @internal Frames lent and not given back yet, over every account (for tests). */
export function arenaFramesLent(): number {
  return lentLength / 2;
}
