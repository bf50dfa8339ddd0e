import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import type { LineConsole } from "./terminal.js";

/**
 * Where the messages to send come from: lines typed or piped in, NUL-separated records (`-0`),
 * stdin's bytes (`-b raw`), or the `-x` list. Strings are lines (text, or hex/base64 to decode, or
 * a slash command); bytes are Binary messages as they are.
 */
export interface MessageInput {
  /** The next message, or null at the end of input or after `close()`. */
  next(): Promise<string | Uint8Array | null>;
  /** Stops reading: a pending `next()` resolves with null. */
  close(): void;
}

/** Lines from the console (readline: a prompt and history on a terminal). */
export function lineInput(terminal: LineConsole): MessageInput {
  return { next: () => terminal.nextLine(), close: () => terminal.close() };
}

/** The `-x` messages, then the end of input: stdin is not read. */
export function executeInput(messages: readonly string[]): MessageInput {
  let index = 0;
  let closed = false;
  return {
    next: async () => (closed || index >= messages.length ? null : messages[index++]),
    close: () => (closed = true),
  };
}

/**
 * Reads a stream chunk by chunk until its end or `close()`, whichever comes first. Reading only when
 * asked keeps backpressure: stdin is not read faster than the session sends.
 */
class ChunkReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private stop!: () => void;
  private readonly stopped = new Promise<null>((resolve) => (this.stop = () => resolve(null)));
  private done = false;

  constructor(stream: Readable) {
    this.chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  async next(): Promise<Buffer | null> {
    if (this.done) return null;
    const result = await Promise.race([this.chunks.next(), this.stopped]);
    if (result === null || result.done === true) {
      this.done = true;
      return null;
    }
    return typeof result.value === "string" ? Buffer.from(result.value) : result.value;
  }

  close(): void {
    this.done = true;
    this.stop();
  }
}

/** `-b raw`: each read of stdin is a Binary message, cut into pieces of at most `chunkBytes`. */
export function rawInput(stdin: Readable, chunkBytes: number): MessageInput {
  const reader = new ChunkReader(stdin);
  let pending: Buffer | null = null;
  return {
    async next() {
      while (pending === null || pending.length === 0) {
        pending = await reader.next();
        if (pending === null) return null;
      }
      // A view, not a copy: a stream hands each chunk over for good, and never writes to it again.
      const piece = pending.subarray(0, chunkBytes);
      pending = pending.subarray(piece.length);
      return piece;
    },
    close: () => reader.close(),
  };
}

/** `-0`: messages separated by NUL bytes; the text after the last NUL is one more message if not empty. */
export function nulInput(stdin: Readable): MessageInput {
  const reader = new ChunkReader(stdin);
  // The start of the next record, chunk by chunk: only a new chunk is searched for the NUL, so a long
  // record costs one copy, not one per chunk.
  let parts: Buffer[] = [];
  let ended = false;
  const take = (tail: Buffer): string => {
    const record = Buffer.concat(parts).toString("utf8");
    parts = tail.length === 0 ? [] : [tail];
    return record;
  };
  return {
    async next() {
      // What is left of the last chunk may hold more records.
      const last = parts.at(-1);
      if (last !== undefined && parts.length === 1) {
        const end = last.indexOf(0);
        if (end !== -1) {
          parts = [last.subarray(0, end)];
          return take(last.subarray(end + 1));
        }
      }
      for (;;) {
        if (ended) {
          if (parts.length === 0) return null;
          return take(Buffer.alloc(0));
        }
        const chunk = await reader.next();
        if (chunk === null) {
          ended = true;
          continue;
        }
        const end = chunk.indexOf(0);
        if (end === -1) {
          parts.push(chunk);
          continue;
        }
        parts.push(chunk.subarray(0, end));
        return take(chunk.subarray(end + 1));
      }
    },
    close() {
      ended = true;
      parts = [];
      reader.close();
    },
  };
}
