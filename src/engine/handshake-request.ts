import type { WebSocketRequest } from "./engine.js";
import type { ClientExtension, ExtensionOffering } from "../extensions/extension.js";
import type { HeaderFields } from "../http/header-fields.js";

/**
 * @internal A handshake request as the client resolves it. It keeps the caller's header fields as
 * checked pairs and makes `headers` only when it is read: on Node.js 20 the first `Headers` loads
 * undici (about 9 MB and 30-50 ms), which CIO and the ws engine do not need.
 */
export class HandshakeRequest implements WebSocketRequest, ExtensionOffering {
  readonly url: URL;
  readonly method: string;
  readonly protocols: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly maxFrameSize: number;
  readonly extensions: readonly ClientExtension[];
  /** The caller's fields, as `Headers` would hold them; empty when none were given. */
  readonly headerFields: HeaderFields;
  #headers: Headers | null = null;

  constructor(fields: Omit<WebSocketRequest, "headers"> & { readonly extensions: readonly ClientExtension[] }, headerFields: HeaderFields) {
    this.url = fields.url;
    this.method = fields.method;
    this.protocols = fields.protocols;
    this.signal = fields.signal;
    this.maxFrameSize = fields.maxFrameSize;
    this.extensions = fields.extensions;
    this.headerFields = headerFields;
  }

  get headers(): Headers {
    return (this.#headers ??= new Headers(this.headerFields as [string, string][]));
  }
}

/**
 * @internal The caller's extra request headers as `Headers` would iterate them, or null when there
 * are none. Made from `headers` only for a request that is not a {@link HandshakeRequest} (a copy
 * made for a redirect, or one built by hand).
 */
export function callerHeaderFields(request: WebSocketRequest): HeaderFields | null {
  const fields = request instanceof HandshakeRequest ? request.headerFields : [...request.headers];
  return fields.length > 0 ? fields : null;
}
