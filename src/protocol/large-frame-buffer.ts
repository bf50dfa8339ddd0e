import { Buffer } from "node:buffer";
import { backgroundTimer } from "../util/timers.js";

/**
 * One buffer, reused, for the masked client frames too large for the wasm arena: a fresh buffer of
 * several MiB costs a page fault for every page it touches, several times what masking into it costs.
 * It is lent to one frame at a time (the frame after it, if it comes before the socket wrote the
 * first, takes the ordinary path), and dropped after a few seconds unused, so a process that sent a
 * large frame once does not keep its memory.
 */

/** Frames above this take the ordinary path: the process never keeps more than this. */
export const LARGE_FRAME_BUFFER_MAX = 64 * 1024 * 1024;
/** Sizes are rounded up to whole MiB, so frames of slightly different sizes reuse one buffer. */
const ROUND = 1024 * 1024;
/** The buffer is dropped once unused for this long. */
const DROP_AFTER_MILLIS = 2_000;

let spare: Buffer | null = null;
let lent = false;
let lastUse = 0;
let dropTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * `size` bytes to build one frame in, lent until {@link giveBackLargeFrameBuffer}; null while it is
 * lent to another frame or when `size` is over {@link LARGE_FRAME_BUFFER_MAX}.
 */
export function lendLargeFrameBuffer(size: number): Buffer | null {
  if (lent || size > LARGE_FRAME_BUFFER_MAX) return null;
  if (spare === null || spare.length < size) spare = Buffer.allocUnsafeSlow(Math.ceil(size / ROUND) * ROUND);
  lent = true;
  return spare.subarray(0, size);
}

/** The frame built in the lent buffer has been written (or its connection is gone). */
export function giveBackLargeFrameBuffer(): void {
  lent = false;
  lastUse = Date.now();
  dropTimer ??= backgroundTimer(dropIfUnused, DROP_AFTER_MILLIS);
}

function dropIfUnused(): void {
  dropTimer = null;
  const idle = Date.now() - lastUse;
  if (lent) return; // given back later, which starts the timer again
  if (idle >= DROP_AFTER_MILLIS) spare = null;
  else dropTimer = backgroundTimer(dropIfUnused, DROP_AFTER_MILLIS - idle);
}

/** @internal Whether a large frame buffer is held, lent or not (for tests). */
export function largeFrameBufferHeld(): { held: boolean; lent: boolean } {
  return { held: spare !== null, lent };
}
