/**
 * Reading the start of an HTTP/1.1 response body (RFC 9112 §6) whatever its framing: `chunked`,
 * `Content-Length`, or until the connection closes. Knows nothing of sockets: push the bytes as they
 * arrive, stop when `push` says the excerpt is complete, take `bytes()`. Used to keep the first bytes
 * of a refused handshake's body for the error, so it bounds what it keeps and never asks for more
 * than the body has.
 */

/** The start of a response body, decoded from its framing, at most `limit` bytes of it. */
export interface BodyExcerpt {
  /**
   * Takes the next bytes read after the head (a whole chunk, part of one, several: any split).
   * Returns true once nothing more is wanted: the limit is reached, the body ended, or its chunked
   * framing broke (the body then ends where it broke). Bytes pushed after that are ignored.
   */
  push(bytes: Uint8Array): boolean;
  /** Whether nothing more is wanted (the last `push` returned true). */
  readonly done: boolean;
  /** The body's bytes so far, framing removed, at most `limit` of them. */
  bytes(): Uint8Array;
}

/** What of a response head decides how its body is framed. */
export interface BodyFraming {
  readonly status: number;
  /** A header's value by case-insensitive name (repeated fields joined with ", "), or null. */
  header(name: string): string | null;
}

/**
 * A reader for the first `limit` bytes of the body that follows `head`. A 1xx, 204 or 304 answer has
 * no body (RFC 9112 §6.3); `Transfer-Encoding` ending in `chunked` is decoded; otherwise a valid
 * `Content-Length` bounds the body; otherwise the body runs until the connection closes.
 */
export function bodyExcerpt(head: BodyFraming, limit: number): BodyExcerpt {
  const status = head.status;
  if ((status >= 100 && status < 200) || status === 204 || status === 304) return new PlainBody(0);
  const codings = head.header("transfer-encoding");
  if (codings !== null) {
    // Only the last coding frames the message; without chunked last, the body runs until close (§6.3).
    const last = codings.split(",").at(-1)!.trim().toLowerCase();
    return last === "chunked" ? new ChunkedDecoder(limit) : new PlainBody(limit);
  }
  const length = parseContentLength(head.header("content-length"));
  return new PlainBody(length === null ? limit : Math.min(length, limit));
}

/**
 * A `Content-Length` value as a number: digits only; a repeated field is accepted when every value
 * is the same ("42, 42", §6.3). Null when absent or invalid.
 */
export function parseContentLength(value: string | null): number | null {
  if (value === null) return null;
  let length: number | null = null;
  for (const part of value.split(",")) {
    const text = part.trim();
    if (!/^\d+$/.test(text)) return null;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || (length !== null && n !== length)) return null;
    length = n;
  }
  return length;
}

/** A body that is the next `wanted` bytes as they are (a `Content-Length` body, or one read until close). */
class PlainBody implements BodyExcerpt {
  private readonly parts = new Parts();
  private readonly wanted: number;
  done: boolean;

  constructor(wanted: number) {
    this.wanted = wanted;
    this.done = wanted === 0;
  }

  push(bytes: Uint8Array): boolean {
    if (this.done) return true;
    this.parts.add(bytes.subarray(0, this.wanted - this.parts.size));
    this.done = this.parts.size >= this.wanted;
    return this.done;
  }

  bytes(): Uint8Array {
    return this.parts.join();
  }
}

const CR = 0x0d;
const LF = 0x0a;
/** A chunk-size line longer than this (the size and its extensions) is taken as broken framing. */
const MAX_SIZE_LINE = 4096;

/** Where the decoder is in the chunked grammar. */
const State = {
  /** The first hex digit of a chunk size. */
  SizeStart: 0,
  /** More hex digits, or what ends them. */
  Size: 1,
  /** A chunk extension (`;name=value`), skipped up to the CR. */
  Extension: 2,
  /** The LF ending the size line. */
  SizeLf: 3,
  /** The chunk's data. */
  Data: 4,
  /** The CR after the chunk's data. */
  DataCr: 5,
  /** The LF after the chunk's data. */
  DataLf: 6,
  /** The body is complete, the limit reached, or the framing broke. */
  Done: 7,
} as const;
type State = (typeof State)[keyof typeof State];

/**
 * Decodes `Transfer-Encoding: chunked` (RFC 9112 §7.1) into the body's first `limit` bytes. Chunk
 * extensions are skipped; the last chunk (size 0) ends the body, so trailers are never read; framing
 * that breaks the grammar ends the body where it broke.
 */
export class ChunkedDecoder implements BodyExcerpt {
  private readonly parts = new Parts();
  private readonly limit: number;
  private state: State;
  /** The chunk size being read, then the bytes of the current chunk still to come. */
  private remaining = 0;
  /** Bytes of the current size line so far. */
  private lineLength = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.state = limit > 0 ? State.SizeStart : State.Done;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  push(bytes: Uint8Array): boolean {
    let i = 0;
    while (i < bytes.length && this.state !== State.Done) {
      if (this.state === State.Data) {
        const take = Math.min(this.remaining, bytes.length - i);
        this.parts.add(bytes.subarray(i, i + Math.min(take, this.limit - this.parts.size)));
        this.remaining -= take;
        i += take;
        if (this.parts.size >= this.limit) this.state = State.Done;
        else if (this.remaining === 0) this.state = State.DataCr;
        continue;
      }
      this.step(bytes[i++]);
    }
    return this.state === State.Done;
  }

  bytes(): Uint8Array {
    return this.parts.join();
  }

  /** One byte of framing (anything but chunk data). */
  private step(byte: number): void {
    switch (this.state) {
      case State.SizeStart:
      case State.Size: {
        if (++this.lineLength > MAX_SIZE_LINE) break;
        const digit = hexValue(byte);
        if (digit >= 0) {
          if (this.remaining > (Number.MAX_SAFE_INTEGER - digit) / 16) break;
          this.remaining = this.remaining * 16 + digit;
          this.state = State.Size;
          return;
        }
        if (this.state === State.SizeStart) break;
        if (byte === CR) this.state = State.SizeLf;
        else if (byte === 0x3b || byte === 0x20 || byte === 0x09) this.state = State.Extension; // ";", or whitespace before it
        else break;
        return;
      }
      case State.Extension:
        if (++this.lineLength > MAX_SIZE_LINE || byte === LF) break;
        if (byte === CR) this.state = State.SizeLf;
        return;
      case State.SizeLf:
        if (byte !== LF) break;
        this.lineLength = 0;
        // The last chunk: the body is complete, whatever trailers follow.
        this.state = this.remaining === 0 ? State.Done : State.Data;
        return;
      case State.DataCr:
        if (byte !== CR) break;
        this.state = State.DataLf;
        return;
      case State.DataLf:
        if (byte !== LF) break;
        this.state = State.SizeStart;
        return;
    }
    this.state = State.Done; // broken framing: the body ends here
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Pieces of a body, copied (a socket may reuse its chunks) and joined once at the end. */
class Parts {
  private readonly list: Uint8Array[] = [];
  size = 0;

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.list.push(bytes.slice());
    this.size += bytes.length;
  }

  join(): Uint8Array {
    if (this.list.length === 1) return this.list[0];
    const joined = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.list) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }
}
