import type { ResponseHeadLimits } from "../../http/response-head.js";

/** TLS settings for `wss:` connections. Verification is on unless turned off here. */
export interface CioTlsConfig {
  /** Certificate authorities to trust instead of the system's (PEM). */
  ca?: string | Uint8Array | ReadonlyArray<string | Uint8Array>;
  /** Verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** SNI and certificate name to check (default: the URL's host, unless it is an IP address). */
  servername?: string;
}

/** Settings of the CIO engine, set in `config.engine((cio) => { ... })`. */
export class CioEngineConfig {
  /** Time for TCP, TLS and the HTTP upgrade together, in milliseconds. */
  connectTimeoutMillis = 15_000;
  tls: CioTlsConfig = {};
  /** Limits on the handshake response's head. */
  responseHead: ResponseHeadLimits = { maxBytes: 16 * 1024, maxHeaders: 100 };
}
