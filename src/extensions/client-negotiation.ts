import { formatExtensionHeader, parseExtensionHeader, type ExtensionElement } from "./extension-header.js";
import type { ClientExtension, ExtensionCodec, NegotiatedExtension } from "./extension.js";
import type { RsvBits } from "../protocol/frame-parser.js";
import { NO_RSV, combineRsv, rsvOverlap } from "./rsv.js";
import { WebSocketHandshakeError } from "../errors.js";

/** What a handshake agreed: the extensions for `session.extensions`, their codecs, and the RSV bits they use. */
export interface AgreedExtensions {
  readonly negotiated: readonly NegotiatedExtension[];
  /** In the order the answer listed them: outgoing frames go through them first to last, incoming last to first. */
  readonly codecs: readonly ExtensionCodec[];
  readonly rsv: RsvBits;
}

/** Nothing agreed. */
export const NO_EXTENSIONS: AgreedExtensions = Object.freeze({ negotiated: Object.freeze([]), codecs: Object.freeze([]), rsv: NO_RSV });

/** The client's `Sec-WebSocket-Extensions` value: every installed extension's offers, in install order; null for none. */
export function extensionOfferHeader(extensions: readonly ClientExtension[]): string | null {
  const elements: ExtensionElement[] = [];
  for (const extension of extensions) {
    for (const parameters of extension.offers()) elements.push({ name: extension.name, parameters });
  }
  return elements.length === 0 ? null : formatExtensionHeader(elements);
}

/**
 * Checks the server's `Sec-WebSocket-Extensions` answer against what was offered (RFC 6455 §4.1 step 6,
 * RFC 7692 §5.1): every extension in it must have been offered and appear once, each extension must
 * accept its parameters, and no two may use the same RSV bit. An absent or empty answer agrees on nothing.
 * @throws WebSocketHandshakeError saying what is wrong.
 */
export function acceptExtensionAnswer(value: string | null, extensions: readonly ClientExtension[]): AgreedExtensions {
  if (value === null || value.trim() === "") return NO_EXTENSIONS;
  let elements: ExtensionElement[];
  try {
    elements = parseExtensionHeader(value);
  } catch (error) {
    throw new WebSocketHandshakeError(`Sec-WebSocket-Extensions in the response is malformed: ${(error as Error).message}`);
  }
  const codecs: ExtensionCodec[] = [];
  try {
    for (const element of elements) {
      const extension = extensions.find((candidate) => candidate.name === element.name);
      if (extension === undefined) {
        throw new WebSocketHandshakeError(`Server chose extension ${JSON.stringify(element.name)}, which was not offered`);
      }
      if (codecs.some((codec) => codec.negotiated.name === element.name)) {
        throw new WebSocketHandshakeError(`Server answered extension ${JSON.stringify(element.name)} more than once`);
      }
      let codec: ExtensionCodec;
      try {
        codec = extension.accept(element.parameters);
      } catch (error) {
        throw new WebSocketHandshakeError(`Server's ${element.name} answer is not acceptable: ${(error as Error).message}`, null, "", { cause: error });
      }
      codecs.push(codec);
      const clash = codecs.find((other) => other !== codec && rsvOverlap(other.rsv, codec.rsv));
      if (clash !== undefined) {
        throw new WebSocketHandshakeError(`Server chose extensions ${clash.negotiated.name} and ${element.name}, which use the same RSV bits`);
      }
    }
  } catch (error) {
    for (const codec of codecs) codec.dispose();
    throw error;
  }
  return {
    negotiated: Object.freeze(codecs.map((codec) => codec.negotiated)),
    codecs: Object.freeze(codecs),
    rsv: combineRsv(codecs.map((codec) => codec.rsv)),
  };
}
