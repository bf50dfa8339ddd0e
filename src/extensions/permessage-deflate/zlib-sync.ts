import { Buffer } from "node:buffer";
import { constants, createDeflateRaw, createInflateRaw, type DeflateRaw, type InflateRaw } from "node:zlib";

type ZlibStream = InflateRaw | DeflateRaw;

/**
 * Input up to this size (one frame's payload) is run synchronously. Below it, handing the work to
 * the thread pool and back (two thread switches, a callback, stream bookkeeping) costs more CPU than
 * deflating it, and the event loop is held for at most some tens of microseconds.
 */
export const SYNC_MAX_INPUT = 16 * 1024;

/**
 * Output a synchronous job may produce before it hands the rest to the thread pool: a small frame
 * that inflates to a lot holds the event loop no longer than inflating this much.
 */
export const SYNC_MAX_OUTPUT = 256 * 1024;

/** Where a synchronous write stopped. */
export const SyncStop = {
  /** All input consumed and all output taken. */
  Done: 0,
  /** The DEFLATE stream ended (a final block); input after it was not consumed. */
  Ended: 1,
  /** `SYNC_MAX_OUTPUT` reached; input from `position` on (and output still in zlib) is left. */
  Paused: 2,
  /** The output passed the job's limit. */
  TooBig: 3,
} as const;
export type SyncStop = (typeof SyncStop)[keyof typeof SyncStop];

/**
 * The two internals of Node's zlib streams that `zlib.deflateRawSync` itself runs on: the native
 * handle's `writeSync` and the array it reports the bytes left in. Not public API, so they are
 * feature-detected, and checked once per process by a round trip before they are trusted.
 */
interface ZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
}

interface StreamInternals {
  readonly _handle?: unknown;
  readonly _writeState?: unknown;
}

/**
 * Where output lands before it is copied out: one for the process, since a synchronous job cannot be
 * interrupted, allocated with the first context that can run synchronously.
 */
let scratch = Buffer.alloc(0);
let enabled = true;
let supported: boolean | null = null;

/** @internal Turns the synchronous path off (every job goes to the thread pool) or back on; for tests. */
export function useSyncZlib(on: boolean): void {
  enabled = on;
}

/** @internal The output of one synchronous job, copied out of the scratch buffer. */
export class SyncOutput {
  readonly chunks: Buffer[] = [];
  /** Bytes produced, copied out or not. */
  total = 0;
  /** Bytes of the scratch buffer that belong to this job. */
  used = 0;

  constructor(readonly limit: number) {}

  /** Copies the job's part of the scratch buffer out, so another job may use it. */
  release(): void {
    if (this.used === 0) return;
    const chunk = Buffer.allocUnsafe(this.used);
    scratch.copy(chunk, 0, 0, this.used);
    this.chunks.push(chunk);
    this.used = 0;
  }

  /** Everything produced, in one buffer. */
  result(): Buffer {
    this.release();
    const chunks = this.chunks;
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.total);
  }
}

/**
 * @internal Runs one zlib stream synchronously, on the caller's thread, with the same context (the
 * stream's native handle) its asynchronous writes use; the two must never overlap.
 */
export class SyncZlib {
  /** Input offset the last `write` stopped at. */
  position = 0;
  private readonly stream: ZlibStream;
  private readonly handle: ZlibHandle;
  private readonly state: Uint32Array;

  constructor(stream: ZlibStream, handle: ZlibHandle, state: Uint32Array) {
    this.stream = stream;
    this.handle = handle;
    this.state = state;
  }

  /** The synchronous side of `stream`, or null where this runtime's zlib does not offer one. */
  static of(stream: ZlibStream): SyncZlib | null {
    if (!enabled) return null;
    if (supported === null) {
      scratch = Buffer.allocUnsafeSlow(64 * 1024);
      supported = probe();
    }
    return supported ? wrap(stream) : null;
  }

  /**
   * Writes `input` with `flush` and takes the output into `out`. Throws zlib's error for corrupt
   * input (the stream is then destroyed).
   */
  write(flush: number, input: Uint8Array, out: SyncOutput): SyncStop {
    const state = this.state;
    let offset = 0;
    let left = input.length;
    for (;;) {
      const room = scratch.length - out.used;
      this.handle.writeSync(flush, input, offset, left, scratch, out.used, room);
      // Node's handle reports an error by destroying the stream before writeSync returns.
      if (this.stream.destroyed) throw this.stream.errored ?? new Error("zlib failed");
      const availOut = state[0];
      const availIn = state[1];
      offset += left - availIn;
      left = availIn;
      this.position = offset;
      const produced = room - availOut;
      out.used += produced;
      out.total += produced;
      if (out.total > out.limit) return SyncStop.TooBig;
      // Output space left over: zlib took all it would. Input left over then means the stream ended.
      if (availOut !== 0) return left === 0 ? SyncStop.Done : SyncStop.Ended;
      out.release();
      if (out.total >= SYNC_MAX_OUTPUT) return SyncStop.Paused;
    }
  }
}

function wrap(stream: ZlibStream): SyncZlib | null {
  const internals = stream as unknown as StreamInternals;
  const handle = internals._handle as Partial<ZlibHandle> | null | undefined;
  const state = internals._writeState;
  if (typeof handle?.writeSync !== "function" || !(state instanceof Uint32Array) || state.length < 2) return null;
  return new SyncZlib(stream, handle as ZlibHandle, state);
}

/** Deflates and inflates a message synchronously, and sees corrupt input fail: the internals behave as expected. */
function probe(): boolean {
  const deflate = createDeflateRaw();
  const inflate = createInflateRaw();
  const broken = createInflateRaw();
  broken.on("error", () => {});
  try {
    const d = wrap(deflate);
    const i = wrap(inflate);
    const b = wrap(broken);
    if (d === null || i === null || b === null) return false;
    const text = Buffer.from("permessage-deflate ".repeat(40));
    const packed = new SyncOutput(Infinity);
    if (d.write(constants.Z_SYNC_FLUSH, text, packed) !== SyncStop.Done) return false;
    const compressed = packed.result();
    if (compressed.length >= text.length || !compressed.subarray(-4).equals(Buffer.of(0x00, 0x00, 0xff, 0xff))) return false;
    const unpacked = new SyncOutput(Infinity);
    if (i.write(constants.Z_SYNC_FLUSH, compressed, unpacked) !== SyncStop.Done || !unpacked.result().equals(text)) return false;
    try {
      b.write(constants.Z_SYNC_FLUSH, Buffer.of(0xff, 0xff, 0xff, 0xff), new SyncOutput(Infinity));
      return false;
    } catch {
      return true;
    }
  } catch {
    return false;
  } finally {
    deflate.destroy();
    inflate.destroy();
    broken.destroy();
  }
}
