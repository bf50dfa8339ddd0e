import { Buffer } from "node:buffer";
import type { DeflateRaw, InflateRaw } from "node:zlib";
import { zlibLimiter } from "./zlib-limiter.js";

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
 * @internal One zlib stream (a raw DEFLATE context kept from message to message) run one job at a
 * time through Node's asynchronous zlib, so the work happens on the thread pool and never blocks the
 * event loop, and through the process-wide limiter. Output is counted as it is produced: a job whose
 * output passes its limit is stopped there, its stream destroyed, and it rejects, so a small input
 * that expands to gigabytes costs at most the limit in memory. The stream is opened on first use and
 * destroyed by `close()`.
 */
export abstract class ZlibContext {
  private stream: ZlibStream | null = null;
  private job: Job | null = null;
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
   * Writes `input` (and `tail`, if any), flushes with `flushFlag` and resolves with everything the
   * stream produced, or rejects once the output passes `limit` bytes. With `resetAfter` the context is
   * reset afterwards (no context takeover). One job at a time.
   */
  protected run(input: Uint8Array, tail: Uint8Array | null, flushFlag: number, limit: number, resetAfter: boolean): Promise<Buffer> {
    return zlibLimiter.run(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.closed) return reject(new ContextClosedError());
          if (this.job !== null) return reject(new Error("A permessage-deflate context runs one job at a time"));
          const stream = this.stream ?? this.openStream();
          this.job = { stream, resolve, reject, limit, resetAfter, chunks: [], total: 0 };
          if (input.length > 0) stream.write(input);
          if (tail !== null) stream.write(tail);
          stream.flush(flushFlag, () => this.finish(stream));
        }),
    );
  }

  /** Releases the stream; a job in progress rejects with `ContextClosedError`. Later jobs reject too. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort(new ContextClosedError());
    this.destroyStream();
  }

  private openStream(): ZlibStream {
    const stream = this.open();
    liveStreams++;
    this.stream = stream;
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
    if (this.streamEnded) this.destroyStream();
    else if (job.resetAfter) stream.reset();
    const { chunks, total } = job;
    job.resolve(total === 0 ? EMPTY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
  }

  private abort(error: Error): void {
    const job = this.job;
    if (job === null) return;
    this.job = null;
    job.chunks = [];
    job.reject(error);
  }

  private destroyStream(): void {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
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
