import { createHash, randomBytes } from "node:crypto";

/** RFC 6455 §1.3: the GUID appended to the key before hashing. */
const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A fresh `Sec-WebSocket-Key`: 16 crypto-random bytes, base64 (§4.1). */
export function generateWebSocketKey(): string {
  return randomBytes(16).toString("base64");
}

/** The `Sec-WebSocket-Accept` a server must answer for `key` (§4.2.2). */
export function computeAccept(key: string): string {
  return createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
}

/** Whether a comma-separated header value lists `token`, ignoring case (e.g. `Connection: keep-alive, Upgrade`). */
export function headerHasToken(value: string | null, token: string): boolean {
  if (value === null) return false;
  const wanted = token.toLowerCase();
  return value.split(",").some((part) => part.trim().toLowerCase() === wanted);
}

export { isValidSubprotocol } from "./subprotocol.js";
