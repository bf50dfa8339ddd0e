import { Buffer } from "node:buffer";
import { WebSocketHandshakeError, type HandshakeResponse } from "../errors.js";
import { isToken } from "./token.js";

/** An HTTP/1.x response's status line and header fields. */
export interface ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly statusText: string;
  /** The header fields; built on first access. */
  readonly headers: Headers;
  /** A field's value by case-insensitive name, repeated fields joined with ", " (as `Headers.get`); null when absent. */
  header(name: string): string | null;
  /** The response to keep (a session's `response`, an error's): the head's text, with `headers` built when first read. */
  toResponse(): HandshakeResponse;
}

/** Bounds on a handshake response's head (`cio.responseHead`): a server cannot make the client buffer more. */
export interface ResponseHeadLimits {
  /** Largest head (status line and headers) accepted, in bytes. */
  readonly maxBytes: number;
  /** Most header fields accepted. */
  readonly maxHeaders: number;
}

export const DEFAULT_RESPONSE_HEAD_LIMITS: ResponseHeadLimits = Object.freeze({ maxBytes: 16 * 1024, maxHeaders: 100 });

const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?$/;
/** What `Headers.append` refuses in a value once it is trimmed. */
const BAD_VALUE = /[\0\r\n]/;

/**
 * Collects the bytes of an HTTP response head until its blank line, within limits, and parses it
 * strictly. Knows nothing of sockets: push chunks, get the head and the bytes that followed it.
 * A head that arrives in one chunk is parsed where it lies, without a copy.
 */
export class ResponseHeadParser {
  private readonly limits: ResponseHeadLimits;
  /** The start of a head that did not fit in one chunk, or null. */
  private buffered: Uint8Array | null = null;

  constructor(limits: ResponseHeadLimits = DEFAULT_RESPONSE_HEAD_LIMITS) {
    this.limits = limits;
  }

  /** The head and what came after it once the head is complete; null while more is needed. */
  push(chunk: Uint8Array): { head: ResponseHead; rest: Uint8Array } | null {
    const before = this.buffered;
    let bytes = chunk;
    let searchFrom = 0;
    if (before !== null) {
      searchFrom = Math.max(0, before.length - 3);
      bytes = new Uint8Array(before.length + chunk.length);
      bytes.set(before, 0);
      bytes.set(chunk, before.length);
    }
    const end = findHeadEnd(bytes, searchFrom);
    if (end < 0) {
      if (bytes.length > this.limits.maxBytes) {
        throw new WebSocketHandshakeError(`Response head exceeds ${this.limits.maxBytes} bytes`);
      }
      // The caller may reuse its chunk: keep a copy.
      this.buffered = before === null ? chunk.slice() : bytes;
      return null;
    }
    if (end > this.limits.maxBytes) throw new WebSocketHandshakeError(`Response head exceeds ${this.limits.maxBytes} bytes`);
    const head = parseHead(latin1(bytes, end - 4), this.limits.maxHeaders);
    this.buffered = null;
    return { head, rest: bytes.subarray(end) };
  }
}

/** Index just past the first CRLFCRLF, or -1. */
function findHeadEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i + 4;
  }
  return -1;
}

/** The first `length` bytes as one latin1 string, decoded natively (no per-byte arguments or arrays). */
function latin1(bytes: Uint8Array, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("latin1");
}

/** Parses and checks a head's text (without its final CRLFCRLF); throws `WebSocketHandshakeError`. */
function parseHead(text: string, maxHeaders: number): ResponseHead {
  const lines = text.split("\r\n");
  const match = STATUS_LINE.exec(lines[0]);
  if (match === null) throw new WebSocketHandshakeError(`Malformed HTTP status line: ${JSON.stringify(lines[0].slice(0, 100))}`);
  if (lines.length - 1 > maxHeaders) throw new WebSocketHandshakeError(`Response has more than ${maxHeaders} header fields`);
  const fields: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!isToken(name)) throw new WebSocketHandshakeError(`Malformed header line: ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) throw new WebSocketHandshakeError(`Malformed value for header ${name}`);
    fields.push(name.toLowerCase(), value);
  }
  return new ParsedHead(`${match[1]}.${match[2]}`, Number(match[3]), match[4] ?? "", text, fields);
}

/** A parsed head: the fields as checked, for the handshake's look-ups, and its text for the response kept. */
class ParsedHead implements ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly statusText: string;
  private readonly text: string;
  /** Lower-cased names and values, alternating, in the order received. */
  private readonly fields: readonly string[];
  private built: Headers | null = null;

  constructor(version: string, status: number, statusText: string, text: string, fields: readonly string[]) {
    this.version = version;
    this.status = status;
    this.statusText = statusText;
    this.text = text;
    this.fields = fields;
  }

  get headers(): Headers {
    return (this.built ??= headersOf(this.fields));
  }

  header(name: string): string | null {
    const lower = name.toLowerCase();
    const fields = this.fields;
    let value: string | null = null;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === lower) value = value === null ? fields[i + 1] : `${value}, ${fields[i + 1]}`;
    }
    return value;
  }

  toResponse(): HandshakeResponse {
    return new RawHandshakeResponse(this.status, this.statusText, this.text);
  }
}

function headersOf(fields: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < fields.length; i += 2) headers.append(fields[i], fields[i + 1]);
  return headers;
}

/**
 * A handshake response as a session keeps it for its whole life: the status and the head's text
 * (already checked), with `headers` parsed from the text the first time they are read. An idle
 * session holds one string here instead of a `Headers` object and its entries.
 */
export class RawHandshakeResponse implements HandshakeResponse {
  readonly status: number;
  readonly statusText: string;
  /** The status line and the header lines, CRLF-separated, as received. */
  private readonly text: string;
  private built: Headers | null = null;

  constructor(status: number, statusText: string, text: string) {
    this.status = status;
    this.statusText = statusText;
    this.text = text;
  }

  get headers(): Headers {
    if (this.built === null) {
      const headers = new Headers();
      const lines = this.text.split("\r\n");
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i];
        const colon = line.indexOf(":");
        headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      this.built = headers;
    }
    return this.built;
  }

  /** The same JSON as a plain `{ status, statusText, headers }` object. */
  toJSON(): HandshakeResponse {
    return { status: this.status, statusText: this.statusText, headers: this.headers };
  }

  /** Shown by `console.log` / `util.inspect` as a plain `{ status, statusText, headers }` object. */
  [Symbol.for("nodejs.util.inspect.custom")](): HandshakeResponse {
    return this.toJSON();
  }
}
