import type { ExtensionParameter } from "../extension.js";

/** The extension token (RFC 7692 §7). */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

const SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
const CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
const SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
const CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";
const KNOWN = new Set([SERVER_NO_CONTEXT_TAKEOVER, CLIENT_NO_CONTEXT_TAKEOVER, SERVER_MAX_WINDOW_BITS, CLIENT_MAX_WINDOW_BITS]);
/** "A decimal integer value without leading zeroes between 8 to 15 inclusive" (RFC 7692 §7.1.2). */
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;
/** The window zlib uses when nothing limits it. */
export const MAX_WINDOW_BITS = 15;
/** The smallest window zlib can compress with (see `WebSocketDeflateConfig`). */
export const MIN_DEFLATE_WINDOW_BITS = 9;

/** The permessage-deflate parameters of one offer or answer, read and checked. */
export interface DeflateParameters {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number | null;
  /** `true` when given without a value, which only an offer may do. */
  readonly clientMaxWindowBits: number | true | null;
}

/** The settings of one side, from `WebSocketDeflateConfig`. */
export interface DeflateSettings {
  readonly clientNoContextTakeover: boolean;
  readonly serverNoContextTakeover: boolean;
  readonly clientMaxWindowBits: number | null;
  readonly serverMaxWindowBits: number | null;
}

/** What one side does once permessage-deflate is agreed. */
export interface DeflateAgreement {
  /** The parameters of the agreed answer, for `session.extensions` (and, on a server, the header). */
  readonly parameters: readonly ExtensionParameter[];
  /** Window this side compresses with (9–15). */
  readonly deflateWindowBits: number;
  /** This side resets its compression context after every message. */
  readonly deflateNoContextTakeover: boolean;
  /** Window the peer compresses with, at most (8–15). */
  readonly inflateWindowBits: number;
}

/**
 * Reads an offer's or an answer's parameters, failing on anything RFC 7692 §5.1 and §7.1 forbid: an
 * unknown parameter, a repeated one, a value on a no-value parameter, a window size that is not a
 * decimal from 8 to 15, a `server_max_window_bits` without a value, and (in an answer) a
 * `client_max_window_bits` without a value.
 * @throws Error saying which parameter is wrong.
 */
export function readDeflateParameters(parameters: readonly ExtensionParameter[], kind: "offer" | "answer"): DeflateParameters {
  const seen = new Set<string>();
  let serverNoContextTakeover = false;
  let clientNoContextTakeover = false;
  let serverMaxWindowBits: number | null = null;
  let clientMaxWindowBits: number | true | null = null;
  for (const [name, value] of parameters) {
    if (!KNOWN.has(name)) throw new Error(`unknown parameter ${JSON.stringify(name)}`);
    if (seen.has(name)) throw new Error(`parameter ${name} is repeated`);
    seen.add(name);
    switch (name) {
      case SERVER_NO_CONTEXT_TAKEOVER:
      case CLIENT_NO_CONTEXT_TAKEOVER:
        if (value !== true) throw new Error(`${name} takes no value, got ${JSON.stringify(value)}`);
        if (name === SERVER_NO_CONTEXT_TAKEOVER) serverNoContextTakeover = true;
        else clientNoContextTakeover = true;
        break;
      case SERVER_MAX_WINDOW_BITS:
        if (value === true) throw new Error(`${name} needs a value from 8 to 15`);
        serverMaxWindowBits = windowBits(name, value);
        break;
      default:
        if (value === true) {
          if (kind === "answer") throw new Error(`${name} needs a value from 8 to 15 in an answer`);
          clientMaxWindowBits = true;
        } else {
          clientMaxWindowBits = windowBits(name, value);
        }
    }
  }
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits };
}

function windowBits(name: string, value: string): number {
  if (!WINDOW_BITS.test(value)) throw new Error(`${name}=${value} is not a window size from 8 to 15`);
  return Number(value);
}

/** Writes parameters in the order RFC 7692's examples use. */
export function deflateParameterList(parameters: DeflateParameters): ExtensionParameter[] {
  const list: ExtensionParameter[] = [];
  if (parameters.serverNoContextTakeover) list.push([SERVER_NO_CONTEXT_TAKEOVER, true]);
  if (parameters.clientNoContextTakeover) list.push([CLIENT_NO_CONTEXT_TAKEOVER, true]);
  if (parameters.serverMaxWindowBits !== null) list.push([SERVER_MAX_WINDOW_BITS, String(parameters.serverMaxWindowBits)]);
  if (parameters.clientMaxWindowBits !== null) {
    list.push([CLIENT_MAX_WINDOW_BITS, parameters.clientMaxWindowBits === true ? true : String(parameters.clientMaxWindowBits)]);
  }
  return list;
}

/**
 * A client's offer: the context takeover it asks the server to give up or says it gives up itself,
 * the server window it asks for, and always `client_max_window_bits` (with the configured value, or
 * without one), so the server may limit the client's window (RFC 7692 §7.1.2.2).
 */
export function clientOffer(settings: DeflateSettings): DeflateParameters {
  return {
    serverNoContextTakeover: settings.serverNoContextTakeover,
    clientNoContextTakeover: settings.clientNoContextTakeover,
    serverMaxWindowBits: settings.serverMaxWindowBits,
    clientMaxWindowBits: settings.clientMaxWindowBits ?? true,
  };
}

/**
 * Checks a server's answer to `offer` (RFC 7692 §5.1, §7.1): besides what `readDeflateParameters`
 * checks, the answer may not widen a window the client limited, may not limit the client's window
 * unless the offer let it, and may not ask the client to compress with 8 bits. The server may add
 * `server_no_context_takeover`, `client_no_context_takeover` and `server_max_window_bits` on its own.
 * @throws Error saying what is wrong.
 */
export function checkDeflateAnswer(offer: DeflateParameters, answer: readonly ExtensionParameter[]): DeflateAgreement {
  const given = readDeflateParameters(answer, "answer");
  const serverBits = given.serverMaxWindowBits;
  if (serverBits !== null && offer.serverMaxWindowBits !== null && serverBits > offer.serverMaxWindowBits) {
    throw new Error(`server_max_window_bits=${serverBits} is larger than the ${offer.serverMaxWindowBits} offered`);
  }
  const clientBits = given.clientMaxWindowBits === true ? null : given.clientMaxWindowBits; // never true in an answer
  if (clientBits !== null) {
    if (offer.clientMaxWindowBits === null) throw new Error("client_max_window_bits was not offered, so the server may not answer it");
    if (offer.clientMaxWindowBits !== true && clientBits > offer.clientMaxWindowBits) {
      throw new Error(`client_max_window_bits=${clientBits} is larger than the ${offer.clientMaxWindowBits} offered`);
    }
    if (clientBits < MIN_DEFLATE_WINDOW_BITS) {
      throw new Error(`client_max_window_bits=${clientBits} cannot be honoured: Node's zlib cannot compress with a 256-byte window`);
    }
  }
  const offeredClientBits = offer.clientMaxWindowBits === true ? null : offer.clientMaxWindowBits;
  return {
    parameters: deflateParameterList(given),
    deflateWindowBits: clientBits ?? offeredClientBits ?? MAX_WINDOW_BITS,
    deflateNoContextTakeover: given.clientNoContextTakeover,
    inflateWindowBits: serverBits ?? MAX_WINDOW_BITS,
  };
}

/**
 * A server's choice among a client's offers, in the client's order (RFC 7692 §5, §7.1): the first that
 * is valid and can be honoured. An offer is declined when it is invalid, when it asks the server to
 * compress with 8 bits, or when the server limits clients' windows (`clientMaxWindowBits`) and the
 * offer has no `client_max_window_bits`. The answer grants what the offer asks
 * (`server_no_context_takeover`, a smaller server window), echoes `client_no_context_takeover`, and
 * adds what the server's settings ask for. Null when every offer is declined.
 */
export function chooseDeflateOffer(settings: DeflateSettings, offers: readonly (readonly ExtensionParameter[])[]): DeflateAgreement | null {
  for (const parameters of offers) {
    let offer: DeflateParameters;
    try {
      offer = readDeflateParameters(parameters, "offer");
    } catch {
      continue; // RFC 7692 §5.1: an invalid offer is declined
    }
    let serverBits = settings.serverMaxWindowBits;
    if (offer.serverMaxWindowBits !== null) serverBits = Math.min(offer.serverMaxWindowBits, serverBits ?? MAX_WINDOW_BITS);
    if (serverBits !== null && serverBits < MIN_DEFLATE_WINDOW_BITS) continue;
    let clientBits: number | null = null;
    if (settings.clientMaxWindowBits !== null) {
      if (offer.clientMaxWindowBits === null) continue;
      clientBits =
        offer.clientMaxWindowBits === true ? settings.clientMaxWindowBits : Math.min(settings.clientMaxWindowBits, offer.clientMaxWindowBits);
    }
    const answer: DeflateParameters = {
      serverNoContextTakeover: offer.serverNoContextTakeover || settings.serverNoContextTakeover,
      clientNoContextTakeover: offer.clientNoContextTakeover || settings.clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: clientBits,
    };
    return {
      parameters: deflateParameterList(answer),
      deflateWindowBits: serverBits ?? MAX_WINDOW_BITS,
      deflateNoContextTakeover: answer.serverNoContextTakeover,
      // Without a limit in the answer the client may use any window: read with the largest.
      inflateWindowBits: clientBits ?? MAX_WINDOW_BITS,
    };
  }
  return null;
}
