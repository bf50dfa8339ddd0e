import type { Frame } from "../../protocol/frame.js";
import { rangeError, typeError } from "../../util/describe-value.js";

/** Decides, from the first frame of an outgoing message, whether the message is compressed. */
export type CompressCondition = (frame: Frame) => boolean;

/**
 * Settings of permessage-deflate (RFC 7692), as Ktor's `WebSocketDeflateExtension.Config`, used by a
 * client (`ws.extensions((e) => e.install(WebSocketDeflateExtension, (d) => { ... }))`) and a server
 * (the `extensions` option). Every setter checks its value at once and throws a `RangeError` /
 * `TypeError` naming the setting.
 *
 * Window sizes are base-2 logarithms of the LZ77 window, 8 to 15 (15 is 32 KiB). Node's zlib cannot
 * compress with a 256-byte window (8): it silently uses 9. So the side that compresses with a window
 * cannot be limited to 8 (a client's `clientMaxWindowBits`, a server's `serverMaxWindowBits` are 9–15,
 * checked when the client or server is built), a server declines an offer that asks it to compress with
 * 8, and a client refuses an answer that asks it to. A peer that says it compresses with 8 is read with
 * a 512-byte window, which reads anything a 256-byte one wrote.
 */
export class WebSocketDeflateConfig {
  private level = 6;
  private clientNoContext = false;
  private serverNoContext = false;
  private clientBits: number | null = null;
  private serverBits: number | null = null;
  private readonly compressConditions: CompressCondition[] = [];

  /** zlib compression level, 0 (none) to 9 (smallest); default 6, zlib's default. */
  get compressionLevel(): number {
    return this.level;
  }

  /** Throws a `RangeError` unless `level` is a whole number from 0 to 9. */
  set compressionLevel(level: number) {
    if (typeof level !== "number") throw typeError("compressionLevel", "a whole number from 0 to 9", level);
    if (!Number.isInteger(level) || level < 0 || level > 9) throw rangeError("compressionLevel", "a whole number from 0 to 9", level);
    this.level = level;
  }

  /**
   * The client starts every message with an empty compression context (`client_no_context_takeover`):
   * less memory for the server to keep between messages, worse compression of similar messages. A
   * client asks for it (and then does it); a server requires it of every client. Default false.
   */
  get clientNoContextTakeover(): boolean {
    return this.clientNoContext;
  }

  /** Throws a `TypeError` unless `value` is a boolean. */
  set clientNoContextTakeover(value: boolean) {
    this.clientNoContext = checkBoolean(value, "clientNoContextTakeover");
  }

  /**
   * The server starts every message with an empty compression context (`server_no_context_takeover`).
   * A client asks the server for it; a server does it for every client. Default false.
   */
  get serverNoContextTakeover(): boolean {
    return this.serverNoContext;
  }

  /** Throws a `TypeError` unless `value` is a boolean. */
  set serverNoContextTakeover(value: boolean) {
    this.serverNoContext = checkBoolean(value, "serverNoContextTakeover");
  }

  /**
   * The largest window the client compresses with (`client_max_window_bits`), 8–15, or null (the
   * default). A client offers it with this value and compresses with at most it; with null it offers
   * the parameter without a value, so the server may choose. A server asks every client for at most
   * this window and declines offers from clients that cannot be limited; null leaves clients free.
   */
  get clientMaxWindowBits(): number | null {
    return this.clientBits;
  }

  /** Throws a `RangeError` unless `bits` is null or a whole number from 8 to 15. */
  set clientMaxWindowBits(bits: number | null) {
    this.clientBits = checkWindowBits(bits, "clientMaxWindowBits");
  }

  /**
   * The largest window the server compresses with (`server_max_window_bits`), 8–15, or null (the
   * default: 15). A client asks for it (a server that cannot honour it declines compression); a
   * server compresses with at most it and says so in its answer.
   */
  get serverMaxWindowBits(): number | null {
    return this.serverBits;
  }

  /** Throws a `RangeError` unless `bits` is null or a whole number from 8 to 15. */
  set serverMaxWindowBits(bits: number | null) {
    this.serverBits = checkWindowBits(bits, "serverMaxWindowBits");
  }

  /**
   * Compresses only messages whose first frame's payload is bigger than `bytes`, as Ktor's
   * `compressIfBiggerThan`. Combined with the other conditions: a message is compressed when all hold.
   */
  compressIfBiggerThan(bytes: number): void {
    if (typeof bytes !== "number") throw typeError("compressIfBiggerThan(bytes): bytes", "a whole number of bytes >= 0", bytes);
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw rangeError("compressIfBiggerThan(bytes): bytes", "a whole number of bytes >= 0", bytes);
    this.compressConditions.push((frame) => frame.byteLength > bytes);
  }

  /**
   * Compresses only messages whose first frame passes `predicate`, as Ktor's `compressIf`. Combined
   * with the other conditions: a message is compressed when all hold. Without any, every message is.
   */
  compressIf(predicate: CompressCondition): void {
    if (typeof predicate !== "function") throw typeError("compressIf(predicate): predicate", "a function (frame) => boolean", predicate);
    this.compressConditions.push(predicate);
  }

  /** @internal The conditions, in the order they were added. */
  get conditions(): readonly CompressCondition[] {
    return this.compressConditions;
  }
}

function checkBoolean(value: boolean, what: string): boolean {
  if (typeof value !== "boolean") throw typeError(what, "true or false", value);
  return value;
}

function checkWindowBits(bits: number | null, what: string): number | null {
  if (bits === null) return null;
  if (typeof bits !== "number") throw typeError(what, "a whole number from 8 to 15 (a window of 2^bits bytes) or null", bits);
  if (!Number.isInteger(bits) || bits < 8 || bits > 15) throw rangeError(what, "a whole number from 8 to 15 (a window of 2^bits bytes) or null", bits);
  return bits;
}
