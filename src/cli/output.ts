import { Buffer } from "node:buffer";
import { WebSocketHandshakeError } from "../errors.js";
import type { CloseReason } from "../protocol/close-reason.js";
import type { BinaryEncoding } from "./args.js";

/** A stream that may be a terminal. */
export interface MaybeTty {
  readonly isTTY?: boolean;
}

/**
 * Whether to write ANSI colors to `stream`: only to a terminal, and never when `--no-color` was
 * given or NO_COLOR is set to anything but the empty string (https://no-color.org).
 */
export function useColor(stream: MaybeTty, env: Readonly<Record<string, string | undefined>>, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  const noColor = env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  return stream.isTTY === true;
}

/** SGR wrappers that turn into the identity when colors are off. */
export interface Style {
  readonly enabled: boolean;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
}

export function createStyle(enabled: boolean): Style {
  const sgr = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    enabled,
    dim: sgr(2, 22),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    green: sgr(32, 39),
    cyan: sgr(36, 39),
    bold: sgr(1, 22),
  };
}

/** Bytes as lowercase hex without separators: what `--binary hex` reads back. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes one typed line for `--binary`. Hex may be spaced ("01 02 ff") and prefixed with 0x;
 * base64 may be the URL-safe alphabet. Returns null when the line is not valid, because Buffer's
 * own decoders silently drop what they cannot read and would send something else than was typed.
 */
export function decodeBinaryLine(line: string, encoding: BinaryEncoding): Uint8Array | null {
  if (encoding === "hex") {
    const hex = line.replace(/\s+/g, "").replace(/^0x/i, "");
    if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return null;
    return new Uint8Array(Buffer.from(hex, "hex"));
  }
  const b64 = line.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64) || b64.replace(/=+$/, "").length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(b64, /[-_]/.test(b64) ? "base64url" : "base64"));
}

/**
 * Makes text received from a server safe to show on a terminal: C0 controls (but tab and newline),
 * DEL and C1 controls become visible escapes, so a server cannot move the cursor, change colors,
 * set the window title or hide what it sent. Pipes get the bytes as sent instead.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 0x0d ? "\\r" : code === 0x1b ? "\\e" : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** Pretty JSON when `text` is JSON, else null. */
export function prettyJson(text: string): string | null {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/** What the close line says about a code the peer chose not to explain. */
const CLOSE_DESCRIPTIONS: Readonly<Record<number, string>> = {
  1005: "(no status code)",
  1006: "(connection lost without a close handshake)",
};

/** `closed: <code> <reason>`, the line printed on stderr when a session ends. */
export function formatClose(reason: CloseReason): string {
  const message = reason.message || CLOSE_DESCRIPTIONS[reason.code] || "";
  return `closed: ${reason.code}${message ? ` ${message}` : ""}`;
}

/**
 * "Class: message" for an error, with the HTTP status of a refused handshake and the errno code of
 * a network failure, which is what a user needs to tell a typo in the path (404) from a server
 * that is down (ECONNREFUSED).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = `${error.name}: ${error.message}`;
  if (error instanceof WebSocketHandshakeError && error.status !== 0 && !error.message.includes(String(error.status))) {
    text += ` (HTTP ${error.status}${error.response?.statusText ? ` ${error.response.statusText}` : ""})`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && !error.message.includes(code)) text += ` (${code})`;
  // AggregateError: connecting to "localhost" tries ::1 and 127.0.0.1 and fails with both.
  if (error instanceof AggregateError && error.message === "" && error.errors.length > 0) {
    text = error.errors.map((inner) => describeError(inner)).join("; ");
  }
  return text;
}

/** Renders a received frame's payload as a line of output (without the newline). */
export function renderPayload(
  frame: { readonly kind: "text"; readonly text: string } | { readonly kind: "binary"; readonly bytes: Uint8Array },
  options: { readonly json: boolean; readonly binary: BinaryEncoding | null },
): string {
  if (frame.kind === "binary") return options.binary === "base64" ? toBase64(frame.bytes) : toHex(frame.bytes);
  if (options.json) return prettyJson(frame.text) ?? frame.text;
  return frame.text;
}

/** The JSON Lines event of an error: its class, its message and, for a network error, its code. */
export function errorEvent(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { event: "error", error: "Error", message: String(error) };
  const code = systemCode(error);
  const status = error instanceof WebSocketHandshakeError && error.status !== 0 ? { status: error.status } : {};
  return { event: "error", error: error.name, message: describeError(error), ...(code === null ? {} : { code }), ...status };
}

/**
 * The code a script can act on: the system's or OpenSSL's (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT)
 * found along the causes, else kite-ws's own.
 */
function systemCode(error: unknown): string | null {
  let own: string | null = null;
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 16; seen++) {
    const current = queue.shift();
    if (!(current instanceof Error)) continue;
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") {
      if (!code.startsWith("KITE_")) return code;
      own ??= code;
    }
    if (current instanceof AggregateError) queue.push(...(current.errors as unknown[]));
    queue.push(current.cause);
  }
  return own;
}
