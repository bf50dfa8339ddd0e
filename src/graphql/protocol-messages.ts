import type { ExecutionResult, GraphQLFormattedError } from "./graphql-types.js";

/** The subprotocol these messages travel in (graphql-ws's PROTOCOL.md). */
export const GRAPHQL_TRANSPORT_WS = "graphql-transport-ws";

/** The close codes of the protocol, by name. */
export const CloseCodes = Object.freeze({
  /** The server could not read a message. */
  BAD_REQUEST: 4400,
  /** An operation before the connection was acknowledged. */
  UNAUTHORIZED: 4401,
  /** The server refused `connection_init` (a bad token). */
  FORBIDDEN: 4403,
  /** The subprotocol was not `graphql-transport-ws`. */
  SUBPROTOCOL_NOT_ACCEPTABLE: 4406,
  /** No `connection_init` came in time (the server's side). */
  CONNECTION_INIT_TIMEOUT: 4408,
  /** No `connection_ack` came in time (this side). */
  CONNECTION_ACK_TIMEOUT: 4504,
  /** An operation id was used twice on one connection. */
  SUBSCRIBER_ALREADY_EXISTS: 4409,
  /** Too many `connection_init` on one connection. */
  TOO_MANY_INITIALISATION_REQUESTS: 4429,
  /** The server failed. */
  INTERNAL_SERVER_ERROR: 4500,
} as const);

/**
 * Close codes after which no new connection is tried: the server refused this client or its messages,
 * and trying again would be refused again.
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4400, 4401, 4403, 4406, 4409]);

/** Close codes of the protocol that a new connection may get past (the server's load, its failure). */
export const RETRIED_CLOSE_CODES: ReadonlySet<number> = new Set([4408, 4429, 4500, 4504]);

/** A message from the server, checked. */
export type ServerMessage =
  | { readonly type: "connection_ack"; readonly payload: unknown }
  | { readonly type: "ping"; readonly payload: unknown }
  | { readonly type: "pong"; readonly payload: unknown }
  | { readonly type: "next"; readonly id: string; readonly payload: ExecutionResult<unknown> }
  | { readonly type: "error"; readonly id: string; readonly payload: readonly GraphQLFormattedError[] }
  | { readonly type: "complete"; readonly id: string };

export function connectionInit(payload: unknown): string {
  return JSON.stringify({ type: "connection_init", payload: payload ?? undefined });
}

export function ping(payload?: unknown): string {
  return JSON.stringify({ type: "ping", payload });
}

export function pong(payload?: unknown): string {
  return JSON.stringify({ type: "pong", payload });
}

export function subscribe(id: string, payload: { query: string; variables?: unknown; operationName?: string; extensions?: unknown }): string {
  return JSON.stringify({ id, type: "subscribe", payload });
}

export function complete(id: string): string {
  return JSON.stringify({ id, type: "complete" });
}

/** Reads a frame's text as a server message; null when it is not one (the connection is then closed 4400). */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const message = value as Record<string, unknown>;
  const { type, id, payload } = message;
  switch (type) {
    case "connection_ack":
    case "ping":
    case "pong":
      return payload === undefined || payload === null || isPlainObject(payload) ? ({ type, payload } as ServerMessage) : null;
    case "next":
      return typeof id === "string" && id !== "" && isPlainObject(payload) ? { type, id, payload: payload as ExecutionResult<unknown> } : null;
    case "error":
      return typeof id === "string" && id !== "" && Array.isArray(payload) && payload.every(isFormattedError) ? { type, id, payload: payload as GraphQLFormattedError[] } : null;
    case "complete":
      return typeof id === "string" && id !== "" ? { type, id } : null;
    default:
      return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFormattedError(value: unknown): value is GraphQLFormattedError {
  return isPlainObject(value) && typeof value.message === "string";
}
