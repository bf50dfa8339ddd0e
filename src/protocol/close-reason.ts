import { decodeUtf8, encodeUtf8, isValidUtf8, utf8Length } from "./utf8.js";
import { ProtocolViolationError } from "../errors.js";
import { rangeError, typeError } from "../util/describe-value.js";

const Codes = Object.freeze({
  /** 1000: the purpose of the connection is fulfilled; what `close()` sends by default. */
  NORMAL: 1000,
  /** 1001: an endpoint is going away (a server shutting down, a page navigated away). */
  GOING_AWAY: 1001,
  /** 1002: the peer broke the protocol (`ProtocolViolationError`). */
  PROTOCOL_ERROR: 1002,
  /** 1003: a kind of data the endpoint cannot accept (e.g. binary where only text is understood). */
  CANNOT_ACCEPT: 1003,
  /** Never sent: reported when a Close frame carried no status code. */
  NO_STATUS_RECEIVED: 1005,
  /** Never sent: reported when the connection ended without a close handshake. */
  CLOSED_ABNORMALLY: 1006,
  /** 1007: a message's data does not match its type, e.g. a Text message that is not UTF-8. */
  NOT_CONSISTENT: 1007,
  /** 1008: a message violated the endpoint's policy (the generic code when no other fits). */
  VIOLATED_POLICY: 1008,
  /** 1009: a frame or message is too big to process (`FrameTooBigError`). */
  TOO_BIG: 1009,
  /** 1010: sent by a client when the server did not agree to an extension it requires. */
  NO_EXTENSION: 1010,
  /** 1011: an unexpected condition, e.g. a `webSocket` block or a server handler that threw. */
  INTERNAL_ERROR: 1011,
  /** 1012: the server is restarting; reconnecting later makes sense. */
  SERVICE_RESTART: 1012,
  /** 1013: the server is overloaded for now; reconnecting later makes sense. */
  TRY_AGAIN_LATER: 1013,
} as const);

/** Largest reason text that fits a control frame: 125 bytes less the 2-byte code. */
export const MAX_CLOSE_MESSAGE_BYTES = 123;

/** A close code and its message, as carried by a Close frame (RFC 6455 §5.5.1, §7.4). */
export class CloseReason {
  /** The codes of RFC 6455 §7.4.1 by name, as Ktor's `CloseReason.Codes`. */
  static readonly Codes = Codes;

  /** The close code: one of `CloseReason.Codes`, 3000–4999 for applications, or whatever a peer sent. */
  readonly code: number;
  /** The reason text; at most 123 UTF-8 bytes of it are sent, the rest is cut. */
  readonly message: string;

  /** A `TypeError` / `RangeError` unless `code` is a whole number from 0 to 65535 and `message` a string. */
  constructor(code: number, message = "") {
    if (typeof code !== "number") throw typeError("CloseReason code", "a whole number from 0 to 65535", code);
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw rangeError("CloseReason code", "a whole number from 0 to 65535", code);
    if (typeof message !== "string") throw typeError("CloseReason message", "a string", message);
    this.code = code;
    this.message = message;
  }

  /** The name of the code in `CloseReason.Codes`, or undefined for others (3000–4999 and unknown). */
  get knownReason(): keyof typeof Codes | undefined {
    for (const [name, value] of Object.entries(Codes)) if (value === this.code) return name as keyof typeof Codes;
    return undefined;
  }

  /** `CloseReason(NORMAL)`, `CloseReason(4000, "bye")`: the code's name when it has one, and the message if any. */
  toString(): string {
    return `CloseReason(${this.knownReason ?? this.code}${this.message ? `, ${JSON.stringify(this.message)}` : ""})`;
  }

  /** `console.log` / `util.inspect` show `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Whether a code may appear in a Close frame on the wire (RFC 6455 §7.4.1–7.4.2 and the IANA registry):
 * 1000–1003 and 1007–1014, or 3000–4999. 1004–1006, 1015, 1016–2999 and anything else are invalid.
 */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/**
 * The reason of `close()`, `close(reason)` or `close(code, reason)`, checked before anything is sent.
 * A `CloseReason` may carry any code a Close frame may (its message is cut to fit); a bare code follows
 * `WebSocket.close`: 1000 or 3000–4999, with at most 123 bytes of reason. `close(undefined, "bye")` is
 * 1000 with that reason, as in browsers.
 */
export function closeReasonOf(reasonOrCode: unknown, message: unknown): CloseReason {
  if (reasonOrCode instanceof CloseReason) {
    if (message !== undefined) throw typeError("close(reason, ...): the second argument", "absent when the first is a CloseReason", message);
    if (!isSendableCloseCode(reasonOrCode.code)) {
      throw rangeError("close(reason): reason.code", "a code a Close frame may carry (1000–1003, 1007–1014 or 3000–4999)", reasonOrCode.code);
    }
    return new CloseReason(reasonOrCode.code, truncateUtf8(reasonOrCode.message, MAX_CLOSE_MESSAGE_BYTES));
  }
  if (reasonOrCode !== undefined && typeof reasonOrCode !== "number") {
    throw typeError("close(code, reason): code", "a close code (close(1000, \"bye\")) or a CloseReason", reasonOrCode);
  }
  const code = reasonOrCode ?? Codes.NORMAL;
  if (code !== Codes.NORMAL && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    throw rangeError(
      "close(code, reason): code",
      "1000 or an application code from 3000 to 4999 (for another code, close(new CloseReason(code, reason)))",
      code,
    );
  }
  if (message !== undefined && typeof message !== "string") throw typeError("close(code, reason): reason", "a string", message);
  const text = message ?? "";
  const bytes = utf8Length(text);
  if (bytes > MAX_CLOSE_MESSAGE_BYTES) {
    throw new RangeError(`close(code, reason): reason must be at most ${MAX_CLOSE_MESSAGE_BYTES} bytes of UTF-8; got ${bytes} bytes`);
  }
  return new CloseReason(code, text);
}

/** Encodes a close payload: the code in network order, then the UTF-8 message, cut to fit 125 bytes. */
export function encodeClosePayload(reason: CloseReason): Uint8Array {
  if (!isSendableCloseCode(reason.code)) {
    throw new RangeError(`Close code ${reason.code} may not be sent in a Close frame (RFC 6455 §7.4)`);
  }
  const message = truncateUtf8(reason.message, MAX_CLOSE_MESSAGE_BYTES);
  const text = encodeUtf8(message);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = reason.code >>> 8;
  payload[1] = reason.code & 0xff;
  payload.set(text, 2);
  return payload;
}

/**
 * Decodes a received close payload strictly: empty means 1005; one byte, an invalid code (1002) or a
 * message that is not UTF-8 (1007) throw `ProtocolViolationError`.
 */
export function decodeClosePayload(payload: Uint8Array): CloseReason {
  if (payload.length === 0) return new CloseReason(Codes.NO_STATUS_RECEIVED, "");
  if (payload.length === 1) throw new ProtocolViolationError("Close frame with a 1-byte payload");
  const code = (payload[0] << 8) | payload[1];
  if (!isSendableCloseCode(code)) throw new ProtocolViolationError(`Invalid close code ${code}`);
  const text = payload.subarray(2);
  if (!isValidUtf8(text)) throw new ProtocolViolationError("Close reason is not valid UTF-8", Codes.NOT_CONSISTENT);
  return new CloseReason(code, decodeUtf8(text));
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a code point. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
