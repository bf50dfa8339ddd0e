import { constants, createInflateRaw, type InflateRaw } from "node:zlib";
import { ZlibContext } from "./zlib-context.js";
import { FrameTooBigError, ProtocolViolationError } from "../../errors.js";
import { CloseReason } from "../../protocol/close-reason.js";

/** RFC 7692 §7.2.2: the sender removed these four octets from the end of each message; put them back. */
const TRAILER = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** What the limit that stopped inflating stands for, for the error message. */
export type InflateLimitName = "maxFrameSize" | "maxMessageSize";

/**
 * @internal Decompresses received permessage-deflate payloads with one context kept across messages.
 * A job that would produce more than its limit stops as soon as it passes it and rejects with
 * `FrameTooBigError` (1009); corrupt data rejects with a `ProtocolViolationError` (1007).
 */
export class Inflater extends ZlibContext {
  private readonly windowBits: number;
  private limitName: InflateLimitName = "maxFrameSize";

  /** `windowBits` is the peer's agreed window (8–15); 8 is read with 9, see `inflateWindowBits`. */
  constructor(windowBits: number) {
    super();
    this.windowBits = inflateWindowBits(windowBits);
  }

  /**
   * Inflates one frame's payload (at once when it is small, else later); at the end of a message
   * (`fin`) the trailer is put back first. Fails by throwing or rejecting.
   */
  inflate(payload: Uint8Array, fin: boolean, limit: number, limitName: InflateLimitName): Uint8Array | Promise<Uint8Array> {
    this.limitName = limitName;
    return this.run(payload, fin ? TRAILER : null, constants.Z_SYNC_FLUSH, limit, false);
  }

  protected open(): InflateRaw {
    return createInflateRaw({ windowBits: this.windowBits });
  }

  protected tooBig(total: number, limit: number): Error {
    const what = this.limitName === "maxFrameSize" ? "A compressed frame" : "A compressed message";
    return new FrameTooBigError(`${what} inflates to more than ${this.limitName} (${limit} bytes)`, total, limit);
  }

  protected corrupt(error: Error): Error {
    return new ProtocolViolationError(`Invalid compressed data: ${error.message}`, CloseReason.Codes.NOT_CONSISTENT);
  }
}

/**
 * The window to inflate with for a peer that agreed to `bits`. A larger window reads anything a
 * smaller one wrote, so 8 is read with 9: zlib cannot deflate with a 256-byte window and silently
 * uses 512 bytes, so a peer that "uses 8" on Node (`ws`) really uses 9.
 */
export function inflateWindowBits(bits: number): number {
  return Math.max(9, bits);
}
