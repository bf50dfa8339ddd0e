import { Buffer } from "node:buffer";
import type { DeflateRaw, InflateRaw } from "node:zlib";
import { zlibLimiter } from "./zlib-limiter.js";
import { SYNC_MAX_INPUT, SyncOutput, SyncStop, SyncZlib } from "./zlib-sync.js";

type ZlibStream = InflateRaw | DeflateRaw;

const EMPTY = Buffer.alloc(0);
let liveStreams = 0;

/** @internal zlib streams open in the process right now (permessage-deflate contexts); for leak checks. */
export function liveZlibStreams(): number {
  return liveStreams;
}

/** The compression context was released (the connection ended) while work was waiting or running. */
export class ContextClosedError extends Error {
  constructor() {
    super("The permessage-deflate context was released");
  }
}

interface Job {
  readonly stream: ZlibStream;
  readonly resolve: (data: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly limit: number;
  readonly resetAfter: boolean;
  chunks: Buffer[];
  total: number;
}

/**
 * @internal One zlib stream (a raw DEFLATE context kept from message to message) that runs one job
 * at a time. A small job runs synchronously on the stream's native handle (see `SyncZlib`), where
 * the runtime allows; a large one, or the rest of a small one that inflates to a lot, goes through
 * Node's asynchronous zlib, so the work happens on the thread pool and never blocks the event loop,
 * and through the process-wide limiter. Output is counted as it is produced: a job whose output
 * passes its limit is stopped there, its stream destroyed, and it fails, so a small input that
 * expands to gigabytes costs at most the limit in memory. The stream is opened on first use and
 * destroyed by `close()`.
 */
export abstract class ZlibContext {
  private stream: ZlibStream | null = null;
  private sync: SyncZlib | null = null;
  private job: Job | null = null;
  /** From `run` until its job has settled, waiting in the limiter included. */
  private busy = false;
  private streamEnded = false;
  private closed = false;

  /** Opens the zlib stream. */
  protected abstract open(): ZlibStream;
  /** The error for output past the limit. */
  protected abstract tooBig(total: number, limit: number): Error;
  /** The error for a zlib failure (corrupt input). */
  protected abstract corrupt(error: Error): Error;

  /** Whether a zlib stream is allocated right now. */
  get isOpen(): boolean {
    return this.stream !== null;
  }

  /**
   * Writes `input` (and `tail`, if any), flushes with `flushFlag` and returns everything the stream
   * produced: at once when the job ran synchronously, else as a promise. Fails (throws, or rejects)
   * once the output passes `limit` bytes. With `resetAfter` the context is reset afterwards (no
   * context takeover). One job at a time.
   */
  protected run(input: Uint8Array, tail: Uint8Array | null, flushFlag: number, limit: number, resetAfter: boolean): Buffer | Promise<Buffer> {
    if (this.closed) throw new ContextClosedError();
    if (this.busy) throw new Error("A permessage-deflate context runs one job at a time");
    if (this.stream === null) this.openStream();
    const sync = this.sync;
    if (sync !== null && input.length <= SYNC_MAX_INPUT) {
      return this.runSync(sync, input, tail, flushFlag, limit, resetAfter);
    }
    return this.runAsync(input, tail, flushFlag, limit, resetAfter, null, 0);
  }

  /** Forgets what was written so far, as a fresh context would (between jobs only). */
  protected reset(): void {
    if (this.stream !== null && !this.busy) this.stream.reset();
  }

  /** Releases the stream; a job in progress rejects with `ContextClosedError`. Later jobs fail too. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort(new ContextClosedError());
    this.destroyStream();
  }

  private runSync(sync: SyncZlib, input: Uint8Array, tail: Uint8Array | null, flushFlag: number, limit: number, resetAfter: boolean): Buffer | Promise<Buffer> {
    const out = new SyncOutput(limit);
    // The buffer being written, and what is still to be written after it.
    let writing = input;
    let next = tail;
    let stop: SyncStop;
    try {
      stop = sync.write(flushFlag, input, out);
      if (stop === SyncStop.Done && tail !== null) {
        writing = tail;
        next = null;
        stop = sync.write(flushFlag, tail, out);
      }
    } catch (error) {
      this.destroyStream();
      throw this.corrupt(error as Error);
    }
    switch (stop) {
      case SyncStop.TooBig:
        this.destroyStream();
        throw this.tooBig(out.total, limit);
      case SyncStop.Paused:
        // The rest goes to the thread pool, after the output so far.
        return this.runAsync(writing.subarray(sync.position), next, flushFlag, limit, resetAfter, out.chunks, out.total);
      case SyncStop.Ended:
        // A peer may end its DEFLATE stream (a final block); what follows starts a new one (RFC 7692 §7.2.3.4).
        this.destroyStream();
        break;
      default:
        if (resetAfter) this.stream!.reset();
    }
    return out.total === 0 ? EMPTY : out.result();
  }

  /** Runs the job on the thread pool, after `chunks` (`total` bytes) a synchronous start produced. */
  private runAsync(
    input: Uint8Array,
    tail: Uint8Array | null,
    flushFlag: number,
    limit: number,
    resetAfter: boolean,
    chunks: Buffer[] | null,
    total: number,
  ): Promise<Buffer> {
    this.busy = true;
    return zlibLimiter.run(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.closed) {
            this.busy = false;
            return reject(new ContextClosedError());
          }
          const stream = this.stream ?? this.openStream();
          this.job = { stream, resolve, reject, limit, resetAfter, chunks: chunks ?? [], total };
          if (input.length > 0) stream.write(input);
          if (tail !== null) stream.write(tail);
          stream.flush(flushFlag, () => this.finish(stream));
        }),
    );
  }

  private openStream(): ZlibStream {
    const stream = this.open();
    liveStreams++;
    this.stream = stream;
    this.sync = SyncZlib.of(stream);
    this.streamEnded = false;
    stream.on("data", (chunk: Buffer) => this.onData(stream, chunk));
    stream.on("error", (error: Error) => this.onError(stream, error));
    // A peer may end its DEFLATE stream (a final block); what follows starts a new one (RFC 7692 §7.2.3.4).
    stream.on("end", () => {
      if (this.stream === stream) this.streamEnded = true;
    });
    return stream;
  }

  private onData(stream: ZlibStream, chunk: Buffer): void {
    const job = this.job;
    if (job === null || job.stream !== stream) return;
    job.total += chunk.length;
    if (job.total > job.limit) {
      this.abort(this.tooBig(job.total, job.limit));
      this.destroyStream();
      return;
    }
    job.chunks.push(chunk);
  }

  private onError(stream: ZlibStream, error: Error): void {
    if (this.stream !== stream) return;
    this.abort(this.corrupt(error));
    this.destroyStream();
  }

  private finish(stream: ZlibStream): void {
    const job = this.job;
    if (job === null || job.stream !== stream) return;
    this.job = null;
    this.busy = false;
    if (this.streamEnded) this.destroyStream();
    else if (job.resetAfter) stream.reset();
    const { chunks, total } = job;
    job.resolve(total === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
  }

  private abort(error: Error): void {
    const job = this.job;
    if (job === null) return;
    this.job = null;
    this.busy = false;
    job.chunks = [];
    job.reject(error);
  }

  private destroyStream(): void {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    this.sync = null;
    liveStreams--;
    stream.removeAllListeners("data");
    stream.removeAllListeners("end");
    // zlib may still report an error for input it had queued; it has nobody to tell.
    stream.removeAllListeners("error");
    stream.on("error", ignore);
    stream.destroy();
  }
}

function ignore(): void {}
