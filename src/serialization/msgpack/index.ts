/**
 * kite-ws/converters/msgpack: MessagePack in binary frames, over `@msgpack/msgpack` (an optional peer
 * dependency). The package root does not import this file, so nothing else needs @msgpack/msgpack.
 *
 * @module kite-ws/converters/msgpack
 */
export { MessagePackConverter, type MessagePackConverterOptions } from "./msgpack-converter.js";
