/** HTTP methods by name, as Ktor's `HttpMethod`. A WebSocket handshake is always `HttpMethod.Get`. */
export const HttpMethod = Object.freeze({
  Get: "GET",
  Post: "POST",
  Put: "PUT",
  Patch: "PATCH",
  Delete: "DELETE",
  Head: "HEAD",
  Options: "OPTIONS",
} as const);

export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];
