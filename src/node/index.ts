/**
 * kite-ws/node: sessions as Node.js streams (`toDuplex`). A subpath of its own because it needs
 * node:stream; the root and browser entries give Web Streams (`toStreams`) instead.
 *
 * @module kite-ws/node
 */
export { toDuplex } from "./duplex.js";
export type { DuplexOptions } from "./duplex-options.js";
