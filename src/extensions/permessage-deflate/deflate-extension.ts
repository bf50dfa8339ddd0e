import type { ClientExtension, ExtensionCodec, ExtensionParameter, ServerExtension, WebSocketExtensionFactory } from "../extension.js";
import { WebSocketDeflateConfig, type CompressCondition } from "./deflate-config.js";
import {
  PERMESSAGE_DEFLATE,
  MIN_DEFLATE_WINDOW_BITS,
  checkDeflateAnswer,
  chooseDeflateOffer,
  clientOffer,
  deflateParameterList,
  type DeflateParameters,
  type DeflateSettings,
} from "./deflate-negotiation.js";
import { PerMessageDeflateCodec } from "./deflate-codec.js";

/** A finished configuration: the negotiation settings and how to compress. */
interface Prepared {
  readonly settings: DeflateSettings;
  readonly level: number;
  readonly conditions: readonly CompressCondition[];
}

class DeflateClientExtension implements ClientExtension {
  readonly name = PERMESSAGE_DEFLATE;
  private readonly prepared: Prepared;
  private readonly offer: DeflateParameters;
  private readonly offerList: readonly (readonly ExtensionParameter[])[];

  constructor(prepared: Prepared) {
    this.prepared = prepared;
    this.offer = clientOffer(prepared.settings);
    this.offerList = Object.freeze([Object.freeze(deflateParameterList(this.offer))]);
  }

  offers(): readonly (readonly ExtensionParameter[])[] {
    return this.offerList;
  }

  accept(answer: readonly ExtensionParameter[]): ExtensionCodec {
    return new PerMessageDeflateCodec(checkDeflateAnswer(this.offer, answer), this.prepared.level, this.prepared.conditions);
  }
}

class DeflateServerExtension implements ServerExtension {
  readonly name = PERMESSAGE_DEFLATE;
  private readonly prepared: Prepared;

  constructor(prepared: Prepared) {
    this.prepared = prepared;
  }

  answer(offers: readonly (readonly ExtensionParameter[])[]): { parameters: readonly ExtensionParameter[]; codec: ExtensionCodec } | null {
    const agreement = chooseDeflateOffer(this.prepared.settings, offers);
    if (agreement === null) return null;
    return { parameters: agreement.parameters, codec: new PerMessageDeflateCodec(agreement, this.prepared.level, this.prepared.conditions) };
  }
}

function prepare(config: WebSocketDeflateConfig, role: "client" | "server"): Prepared {
  if (!(config instanceof WebSocketDeflateConfig)) throw new TypeError("WebSocketDeflateExtension needs a WebSocketDeflateConfig");
  const own = role === "client" ? config.clientMaxWindowBits : config.serverMaxWindowBits;
  if (own !== null && own < MIN_DEFLATE_WINDOW_BITS) {
    const setting = role === "client" ? "clientMaxWindowBits" : "serverMaxWindowBits";
    throw new RangeError(
      `${setting} = ${own} cannot be honoured by a ${role}: Node's zlib cannot compress with a 256-byte window (it uses 512); use 9 to 15`,
    );
  }
  return {
    settings: Object.freeze({
      clientNoContextTakeover: config.clientNoContextTakeover,
      serverNoContextTakeover: config.serverNoContextTakeover,
      clientMaxWindowBits: config.clientMaxWindowBits,
      serverMaxWindowBits: config.serverMaxWindowBits,
    }),
    level: config.compressionLevel,
    conditions: Object.freeze([...config.conditions]),
  };
}

/**
 * permessage-deflate (RFC 7692), as Ktor's `WebSocketDeflateExtension`: compresses messages with
 * DEFLATE, on a client and on a server.
 *
 * ```ts
 * config.install(WebSockets, (ws) =>
 *   ws.extensions((e) =>
 *     e.install(WebSocketDeflateExtension, (d) => {
 *       d.compressionLevel = 6;
 *       d.clientNoContextTakeover = true;
 *       d.compressIfBiggerThan(1024);
 *     }),
 *   ),
 * );
 * serve({ port: 8080, extensions: (e) => e.install(WebSocketDeflateExtension) }, routes);
 * ```
 *
 * Received compressed messages count with their inflated size against `maxFrameSize` and
 * `maxMessageSize` while they are inflated (1009 as soon as they pass); compression runs on Node's
 * thread pool, at most 10 jobs at once in the process; a session's zlib contexts are released when it
 * ends. Raw sessions receive messages inflated too: the extension belongs to the connection.
 *
 * Memory: a connection holds nothing for compression until it first compresses or inflates; then a
 * deflate context (about 260 KiB with the default 15-bit window) and an inflate context (about 40 KiB),
 * each with a 16 KiB output buffer, until it ends. No context takeover does not shrink them (they are
 * reset, not freed); smaller windows do. See `WebSocketDeflateConfig` for the settings.
 */
export const WebSocketDeflateExtension: WebSocketExtensionFactory<WebSocketDeflateConfig> = Object.freeze({
  name: PERMESSAGE_DEFLATE,
  createConfig: () => new WebSocketDeflateConfig(),
  client: (config: WebSocketDeflateConfig): ClientExtension => new DeflateClientExtension(prepare(config, "client")),
  server: (config: WebSocketDeflateConfig): ServerExtension => new DeflateServerExtension(prepare(config, "server")),
});
