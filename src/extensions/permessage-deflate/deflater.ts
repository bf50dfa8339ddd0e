import { Buffer } from "node:buffer";
import { constants, createDeflateRaw, deflateRawSync, type DeflateRaw } from "node:zlib";
import { ZlibContext } from "./zlib-context.js";

/**
 * @internal Compresses outgoing permessage-deflate payloads with one context. Every frame's output is
 * flushed to a byte boundary (`Z_SYNC_FLUSH`), so the peer can inflate each frame as it comes; at the
 * end of a message the four octets 00 00 FF FF that this flush ends with are removed (RFC 7692 §7.2.1).
 */
export class Deflater extends ZlibContext {
  private readonly level: number;
  private readonly windowBits: number;
  private readonly noContextTakeover: boolean;

  /** `windowBits` 9–15 (zlib cannot deflate with 8); `noContextTakeover` resets the context after each message. */
  constructor(level: number, windowBits: number, noContextTakeover: boolean) {
    super();
    if (windowBits < 9 || windowBits > 15) throw new RangeError(`Cannot deflate with a window of ${windowBits} bits`);
    this.level = level;
    this.windowBits = windowBits;
    this.noContextTakeover = noContextTakeover;
  }

  /** Deflates one frame's payload (at once when it is small, else later); `fin` ends the message. */
  deflate(payload: Uint8Array, fin: boolean): Uint8Array | Promise<Uint8Array> {
    const output = this.run(payload, null, constants.Z_SYNC_FLUSH, Infinity, fin && this.noContextTakeover);
    if (!fin) return output;
    return output instanceof Uint8Array ? withoutTrailer(output) : output.then(withoutTrailer);
  }

  /**
   * The peer's window now holds bytes this context did not compress (a message compressed elsewhere,
   * see {@link deflateWhole}): the next message must not refer back past it, so the context starts
   * afresh. A context that is not open, or resets after each message anyway, has nothing to forget.
   */
  forgetHistory(): void {
    if (!this.noContextTakeover) this.reset();
  }

  protected open(): DeflateRaw {
    return createDeflateRaw({ level: this.level, windowBits: this.windowBits });
  }

  protected tooBig(total: number, limit: number): Error {
    return new RangeError(`Deflated output of ${total} bytes passed ${limit}`);
  }

  protected corrupt(error: Error): Error {
    return error;
  }
}

/**
 * One whole message's payload compressed on its own, synchronously, as a fresh context with a window
 * of `windowBits` would: it refers to nothing before it, so every peer that agreed on a window at
 * least that big can inflate it, whatever its context takeover (the form fan-out shares).
 */
export function deflateWhole(payload: Uint8Array, level: number, windowBits: number): Uint8Array {
  return withoutTrailer(deflateRawSync(payload, { level, windowBits, finishFlush: constants.Z_SYNC_FLUSH }));
}

/** The message's output without the 00 00 FF FF that ends a sync flush (RFC 7692 §7.2.1). */
function withoutTrailer(output: Buffer): Uint8Array {
  // zlib writes nothing for a flush with no input right after a flush: an empty message after
  // another. Its compressed form is an empty stored block, 0x00 once the trailer is off (§7.2.3.6).
  if (output.length === 0) return Uint8Array.of(0x00);
  const end = output.length - 4;
  if (end < 0 || output[end] !== 0x00 || output[end + 1] !== 0x00 || output[end + 2] !== 0xff || output[end + 3] !== 0xff) {
    throw new Error("zlib's flushed output does not end with 00 00 FF FF");
  }
  return Buffer.from(output.buffer, output.byteOffset, end);
}
