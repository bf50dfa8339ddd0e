import { isToken } from "../http/token.js";

/** A subprotocol name must be an HTTP token (RFC 6455 §4.1, RFC 7230). No `node:` import: the browser build uses it. */
export function isValidSubprotocol(name: string): boolean {
  return isToken(name);
}
