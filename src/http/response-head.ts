import { WebSocketHandshakeError } from "../errors.js";

/** An HTTP/1.x response's status line and header fields. */
export interface ResponseHead {
  readonly version: string;
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
}

export interface ResponseHeadLimits {
  /** Largest head (status line and headers) accepted, in bytes. */
  readonly maxBytes: number;
  /** Most header fields accepted. */
  readonly maxHeaders: number;
}

export const DEFAULT_RESPONSE_HEAD_LIMITS: ResponseHeadLimits = Object.freeze({ maxBytes: 16 * 1024, maxHeaders: 100 });

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([^\r\n]*))?$/;

/**
 * Collects the bytes of an HTTP response head until its blank line, within limits, and parses it
 * strictly. Knows nothing of sockets: push chunks, get the head and the bytes that followed it.
 */
export class ResponseHeadParser {
  private readonly limits: ResponseHeadLimits;
  private buffered: Uint8Array = new Uint8Array(0);

  constructor(limits: ResponseHeadLimits = DEFAULT_RESPONSE_HEAD_LIMITS) {
    this.limits = limits;
  }

  /** The head and what came after it once the head is complete; null while more is needed. */
  push(chunk: Uint8Array): { head: ResponseHead; rest: Uint8Array } | null {
    const searchFrom = Math.max(0, this.buffered.length - 3);
    const joined = new Uint8Array(this.buffered.length + chunk.length);
    joined.set(this.buffered, 0);
    joined.set(chunk, this.buffered.length);
    this.buffered = joined;
    const end = findHeadEnd(joined, searchFrom);
    if (end < 0) {
      if (joined.length > this.limits.maxBytes) {
        throw new WebSocketHandshakeError(`Response head exceeds ${this.limits.maxBytes} bytes`);
      }
      return null;
    }
    if (end > this.limits.maxBytes) throw new WebSocketHandshakeError(`Response head exceeds ${this.limits.maxBytes} bytes`);
    const head = parseHead(latin1(joined.subarray(0, end - 4)), this.limits.maxHeaders);
    const rest = joined.subarray(end);
    this.buffered = new Uint8Array(0);
    return { head, rest };
  }
}

/** Index just past the first CRLFCRLF, or -1. */
function findHeadEnd(bytes: Uint8Array, from: number): number {
  for (let i = from; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i + 4;
  }
  return -1;
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

function parseHead(text: string, maxHeaders: number): ResponseHead {
  const lines = text.split("\r\n");
  const match = STATUS_LINE.exec(lines[0]);
  if (match === null) throw new WebSocketHandshakeError(`Malformed HTTP status line: ${JSON.stringify(lines[0].slice(0, 100))}`);
  if (lines.length - 1 > maxHeaders) throw new WebSocketHandshakeError(`Response has more than ${maxHeaders} header fields`);
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new WebSocketHandshakeError(`Malformed header line: ${JSON.stringify(line.slice(0, 100))}`);
    const value = line.slice(colon + 1).trim();
    try {
      headers.append(name, value);
    } catch {
      throw new WebSocketHandshakeError(`Malformed value for header ${name}`);
    }
  }
  return {
    version: `${match[1]}.${match[2]}`,
    status: Number(match[3]),
    statusText: match[4] ?? "",
    headers,
  };
}
