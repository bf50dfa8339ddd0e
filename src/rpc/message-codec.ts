/**
 * The messages of a dialect, as text out and as classified values in: pure functions, no session.
 *
 * `"jsonrpc2"` is JSON-RPC 2.0 (every message carries `"jsonrpc": "2.0"`, batches are arrays).
 * `"cdp"` is the Chrome DevTools Protocol's variant: `{ id, method, params, sessionId }` out, answers
 * `{ id, result | error, sessionId }` and events `{ method, params, sessionId }` in, no batches.
 */
export type RpcDialect = "jsonrpc2" | "cdp";

/** Call parameters: by position (an array) or by name (an object), as JSON-RPC allows. */
export type RpcParams = readonly unknown[] | Readonly<Record<string, unknown>>;

/** An id as JSON-RPC allows it; ours are numbers, the peer's may be strings. */
export type RpcId = number | string;

/** The error member of an error answer. */
export interface ErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data: unknown;
}

/** One message from the peer, classified. */
export type InboundMessage =
  | { readonly kind: "result"; readonly id: RpcId; readonly result: unknown }
  | { readonly kind: "error"; readonly id: RpcId | null; readonly error: ErrorObject }
  | { readonly kind: "request"; readonly id: RpcId; readonly method: string; readonly params: unknown; readonly sessionId: string | undefined }
  | { readonly kind: "notification"; readonly method: string; readonly params: unknown; readonly sessionId: string | undefined }
  | { readonly kind: "invalid"; readonly why: string; readonly id: RpcId | null };

const JSONRPC_HEAD = '{"jsonrpc":"2.0",';

/**
 * A request (with `id`) or a notification (`id` null), as text. One `JSON.stringify` of the whole
 * message: writing the id into a template instead turns each new id into a string that V8's
 * number-to-string cache keeps alive, about 400 bytes promoted per call.
 */
export function encodeRequest(dialect: RpcDialect, id: number | null, method: string, params: RpcParams | undefined, sessionId?: string): string {
  const message =
    dialect === "jsonrpc2"
      ? { jsonrpc: "2.0", id: id ?? undefined, method, params, sessionId }
      : { id: id ?? undefined, method, params, sessionId };
  return JSON.stringify(message);
}

/** The answer to a peer's request: its result (undefined is sent as null, as `result` is required). */
export function encodeResult(dialect: RpcDialect, id: RpcId, result: unknown): string {
  const head = dialect === "jsonrpc2" ? JSONRPC_HEAD : "{";
  return `${head}"id":${JSON.stringify(id)},"result":${JSON.stringify(result ?? null) ?? "null"}}`;
}

/** An error answer to a peer's request (`id` null when the request's id could not be read). */
export function encodeError(dialect: RpcDialect, id: RpcId | null, error: ErrorObject): string {
  const head = dialect === "jsonrpc2" ? JSONRPC_HEAD : "{";
  const dataPart = error.data === undefined ? "" : `,"data":${JSON.stringify(error.data) ?? "null"}`;
  return `${head}"id":${JSON.stringify(id)},"error":{"code":${error.code},"message":${JSON.stringify(error.message)}${dataPart}}}`;
}

/**
 * Parses a frame's text: one message, an array of them (a batch), or `null` when it is not JSON at
 * all. What each message is comes from `classify`.
 */
export function parseFrameText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return PARSE_FAILED;
  }
}

/** What `parseFrameText` gives for text that is not JSON (no JSON value is this object). */
export const PARSE_FAILED: unique symbol = Symbol("not JSON");

/** Classifies one parsed message (an element of a batch, or a whole frame). */
export function classify(dialect: RpcDialect, value: unknown): InboundMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return invalid("not an object", null);
  const message = value as Record<string, unknown>;
  if (dialect === "jsonrpc2" && message.jsonrpc !== undefined && message.jsonrpc !== "2.0") {
    return invalid(`"jsonrpc" is not "2.0"`, idOf(message.id));
  }
  const id = message.id;
  const hasId = id !== undefined;
  if (hasId && !isId(id) && !(id === null && "error" in message)) return invalid("its id is neither a number nor a string", null);
  const method = message.method;
  if (method !== undefined) {
    if (typeof method !== "string") return invalid("its method is not a string", idOf(id));
    if ("result" in message || "error" in message) return invalid("it has a method and a result or error", idOf(id));
    const sessionId = typeof message.sessionId === "string" ? message.sessionId : undefined;
    if (!hasId) return { kind: "notification", method, params: message.params, sessionId };
    if (dialect === "cdp") return invalid("a request from the peer, which the DevTools protocol does not have", idOf(id));
    return { kind: "request", id: id as RpcId, method, params: message.params, sessionId };
  }
  const hasResult = "result" in message;
  const hasError = "error" in message;
  if (hasResult && hasError) return invalid("it has both a result and an error", idOf(id));
  if (!hasId) return invalid(hasResult || hasError ? "an answer without an id" : "neither a method nor an answer", null);
  if (hasResult) return { kind: "result", id: id as RpcId, result: message.result };
  if (!hasError) return invalid("an answer with neither a result nor an error", idOf(id));
  const error = errorObject(message.error);
  if (error === null) return invalid("its error is not an object with an integer code and a string message", idOf(id));
  return { kind: "error", id: id as RpcId | null, error };
}

function errorObject(value: unknown): ErrorObject | null {
  if (typeof value !== "object" || value === null) return null;
  const { code, message, data } = value as Record<string, unknown>;
  if (typeof code !== "number" || !Number.isSafeInteger(code) || typeof message !== "string") return null;
  return { code, message, data };
}

function isId(value: unknown): value is RpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

function idOf(value: unknown): RpcId | null {
  return isId(value) ? value : null;
}

function invalid(why: string, id: RpcId | null): InboundMessage {
  return { kind: "invalid", why, id };
}
