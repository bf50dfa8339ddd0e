/** HTTP methods by name, as Ktor's `HttpMethod`. A WebSocket handshake is always `HttpMethod.Get`. */
export const HttpMethod = Object.freeze({
  /** `GET`: the only method RFC 6455 §4.1 allows for an opening handshake. */
  Get: "GET",
  /** `POST`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Post: "POST",
  /** `PUT`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Put: "PUT",
  /** `PATCH`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Patch: "PATCH",
  /** `DELETE`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Delete: "DELETE",
  /** `HEAD`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Head: "HEAD",
  /** `OPTIONS`: kept for parity with Ktor's `HttpMethod`; a WebSocket target with it fails with a `TypeError`. */
  Options: "OPTIONS",
} as const);

/** One of `HttpMethod`'s values: the method name as sent on the request line. */
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];
