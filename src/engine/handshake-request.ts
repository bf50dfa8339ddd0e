import type { WebSocketRequest } from "./engine.js";
import type { ClientExtension, ExtensionOffering } from "../extensions/extension.js";

/**
 * @internal A handshake request as the client resolves it. Its `headers` is made on first read when the
 * caller gave none: on Node.js 20 the first `Headers` loads undici (about 9 MB and 50 ms), which a
 * connection without extra headers never needs.
 */
export class HandshakeRequest implements WebSocketRequest, ExtensionOffering {
  readonly url: URL;
  readonly method: string;
  readonly protocols: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly maxFrameSize: number;
  readonly extensions: readonly ClientExtension[];
  /** The caller's headers; null when none were given. */
  #given: Headers | null;

  constructor(fields: Omit<WebSocketRequest, "headers"> & { readonly extensions: readonly ClientExtension[] }, headers: Headers | null) {
    this.url = fields.url;
    this.method = fields.method;
    this.protocols = fields.protocols;
    this.signal = fields.signal;
    this.maxFrameSize = fields.maxFrameSize;
    this.extensions = fields.extensions;
    this.#given = headers;
  }

  get headers(): Headers {
    return (this.#given ??= new Headers());
  }

  /** @internal What {@link callerHeaders} reads, without making an empty `Headers`. */
  get givenHeaders(): Headers | null {
    return this.#given;
  }
}

/** @internal The caller's extra request headers, or null when there are none (no `Headers` is made for nothing). */
export function callerHeaders(request: WebSocketRequest): Headers | null {
  const headers = request instanceof HandshakeRequest ? request.givenHeaders : request.headers;
  if (headers === null) return null;
  for (const _ of headers.keys()) return headers;
  return null;
}
