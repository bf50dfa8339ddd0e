import { formatExtensionHeader, parseExtensionHeader, type ExtensionElement } from "./extension-header.js";
import type { ExtensionCodec, ExtensionParameter, ServerExtension } from "./extension.js";
import { NO_EXTENSIONS, type AgreedExtensions } from "./client-negotiation.js";
import { combineRsv, rsvOverlap } from "./rsv.js";

/** The server's choice: what to answer in `Sec-WebSocket-Extensions` (null: no header) and what it agreed. */
export interface ExtensionAnswer extends AgreedExtensions {
  readonly header: string | null;
}

/** A `Sec-WebSocket-Extensions` request header that does not parse; the upgrade is refused with 400. */
export class MalformedExtensionOffer extends Error {}

/**
 * Answers a client's `Sec-WebSocket-Extensions` offers (RFC 6455 §9.1, RFC 7692 §5): the installed
 * extensions are considered in install order, each choosing among the offers that name it (in the
 * client's order) or declining them; an extension whose RSV bits clash with one already chosen is
 * skipped. Offers of extensions that are not installed are ignored. Without installed extensions the
 * header is not even parsed.
 * @throws MalformedExtensionOffer when the header does not parse.
 */
export function answerExtensionOffers(value: string | undefined, extensions: readonly ServerExtension[]): ExtensionAnswer {
  if (extensions.length === 0 || value === undefined || value.trim() === "") return { ...NO_EXTENSIONS, header: null };
  let elements: ExtensionElement[];
  try {
    elements = parseExtensionHeader(value);
  } catch (error) {
    throw new MalformedExtensionOffer(`Sec-WebSocket-Extensions is malformed: ${(error as Error).message}`);
  }
  const answered: ExtensionElement[] = [];
  const codecs: ExtensionCodec[] = [];
  for (const extension of extensions) {
    const offers: (readonly ExtensionParameter[])[] = [];
    for (const element of elements) if (element.name === extension.name) offers.push(element.parameters);
    if (offers.length === 0) continue;
    const choice = extension.answer(offers);
    if (choice === null) continue;
    if (codecs.some((codec) => rsvOverlap(codec.rsv, choice.codec.rsv))) {
      choice.codec.dispose();
      continue;
    }
    answered.push({ name: extension.name, parameters: choice.parameters });
    codecs.push(choice.codec);
  }
  if (codecs.length === 0) return { ...NO_EXTENSIONS, header: null };
  return {
    header: formatExtensionHeader(answered),
    negotiated: Object.freeze(codecs.map((codec) => codec.negotiated)),
    codecs: Object.freeze(codecs),
    rsv: combineRsv(codecs.map((codec) => codec.rsv)),
  };
}
