/**
 * HTTP methods by name, as Ktor's `HttpMethod`, for a target's `method`. A WebSocket opening handshake
 * is a GET request (RFC 6455 §4.1), so `Get` is the only member: any other method is a `TypeError`.
 */
export const HttpMethod = Object.freeze({
  /** `GET`: the only method RFC 6455 §4.1 allows for an opening handshake. */
  Get: "GET",
} as const);

/** One of `HttpMethod`'s values: the method name as sent on the request line. */
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];
