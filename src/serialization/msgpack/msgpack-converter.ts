import { Decoder, Encoder, type DecoderOptions, type EncoderOptions } from "@msgpack/msgpack";
import { Frame } from "../../protocol/frame.js";
import type { WebSocketContentConverter } from "../converter.js";

/**
 * Options of {@link MessagePackConverter}: those of `@msgpack/msgpack`'s `Encoder` and `Decoder`
 * together, handed to them unchanged. The ones most often wanted:
 *
 * - `extensionCodec`: an `ExtensionCodec` for your own types (both directions), with `context`
 *   given to its functions (`ContextType` is inferred from the codec);
 * - `useBigInt64`: bigint sent as int64 / uint64, and int64 / uint64 received as bigint (the
 *   library does not reject a bigint outside the 64-bit ranges: it wraps);
 * - encoding: `sortKeys`, `ignoreUndefined`, `forceFloat32`, `maxDepth` (default 100);
 * - decoding limits: `maxStrLength`, `maxBinLength`, `maxArrayLength`, `maxMapLength`,
 *   `maxExtLength` (a message is already bounded by `maxFrameSize` and `maxMessageSize`), and
 *   `rawStrings`.
 *
 * @typeParam ContextType - the type of the `context` given to the extension codec; `undefined`
 *   when there is none.
 */
export type MessagePackConverterOptions<ContextType = undefined> = EncoderOptions<ContextType> & DecoderOptions<ContextType>;

/**
 * MessagePack in binary frames, for `sendSerialized` / `receiveDeserialized`, built on
 * `@msgpack/msgpack` (an optional peer dependency: install it to use this converter).
 *
 * ```ts
 * import { MessagePackConverter } from "kite-ws/converters/msgpack";
 * config.install(WebSockets, (ws) => { ws.contentConverter = new MessagePackConverter(); });
 * ```
 *
 * - `serialize` writes one Binary frame holding the encoded value (the encoder's output, not
 *   copied again). A value MessagePack cannot represent (a function, a symbol, a bigint without
 *   `useBigInt64`, nesting deeper than `maxDepth`, as a cycle is) throws a `TypeError`, so
 *   `sendSerialized` rejects and sends nothing.
 * - `deserialize` reads a Binary frame holding exactly one MessagePack value; anything else throws,
 *   which `receiveDeserialized` reports as a `DeserializationError` (the session stays usable).
 *   `bin` values come back as plain `Uint8Array` views of the frame's payload (not copies, and not
 *   Node `Buffer`s, whatever the engine).
 * - `isApplicable` is true for Binary frames only: a Text frame is not MessagePack.
 *
 * As in `@msgpack/msgpack`, `null` and `undefined` both become nil (received as `null`), a `Date`
 * becomes a timestamp, and a `Map` or `Set` is sent as an empty map (convert it first, or register
 * an extension).
 *
 * @typeParam ContextType - the type of the `context` option given to the extension codec.
 */
export class MessagePackConverter<ContextType = undefined> implements WebSocketContentConverter {
  private readonly encoder: Encoder<ContextType>;
  private readonly decoder: Decoder<ContextType>;

  /** A converter with `@msgpack/msgpack`'s defaults, or with the given encoder and decoder options. */
  constructor(options?: MessagePackConverterOptions<ContextType>) {
    this.encoder = new Encoder<ContextType>(options);
    this.decoder = new Decoder<ContextType>(options);
  }

  /** The Binary frame carrying `value` encoded as MessagePack; throws a `TypeError` when it cannot be encoded. */
  serialize(value: unknown): Frame.Binary {
    let bytes: Uint8Array;
    try {
      // encode() returns bytes of its own (a copy of the encoder's buffer), which the frame keeps.
      bytes = this.encoder.encode(value);
    } catch (error) {
      throw new TypeError(`MessagePack cannot encode this value: ${messageOf(error)}`, { cause: error });
    }
    return new Frame.Binary(bytes);
  }

  /** The value a Binary frame carries; throws when the frame is not a Binary frame holding exactly one MessagePack value. */
  deserialize(frame: Frame.Text | Frame.Binary): unknown {
    if (!(frame instanceof Frame.Binary)) {
      throw new TypeError("MessagePack is read from Binary frames only, not from a Text frame");
    }
    const data = frame.data;
    try {
      // A plain Uint8Array view of the payload (no copy): bin values are views of what the decoder
      // reads, so over CIO (whose payloads are Node Buffers) they would otherwise come back as Buffers.
      return this.decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      throw new TypeError(`Not a valid MessagePack value (${data.length} bytes): ${messageOf(error)}`, { cause: error });
    }
  }

  /** True for Binary frames, the only ones this converter reads. */
  isApplicable(frame: Frame): boolean {
    return frame instanceof Frame.Binary;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
