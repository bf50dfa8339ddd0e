import type { Frame } from "../protocol/frame.js";
import type { RsvBits } from "../protocol/frame-parser.js";

/** An extension agreed in the handshake (`Sec-WebSocket-Extensions`), with its parameters. */
export interface NegotiatedExtension {
  /** The extension's token, e.g. "permessage-deflate". */
  readonly name: string;
  /** Parameters as the peer answered them; a parameter without a value is `true`. */
  readonly parameters: Readonly<Record<string, string | true>>;
}

/**
 * One parameter of an extension offer or answer, in header order: its name, and its value (a quoted
 * value already unquoted) or `true` when it has none. Lists of them keep repeats, so an extension can
 * refuse a parameter given twice.
 */
export type ExtensionParameter = readonly [name: string, value: string | true];

/** Limits that a decoding extension enforces on what it produces, while it produces it. */
export interface DecodeLimits {
  /** Largest payload of one decoded frame. */
  readonly maxFrameSize: number;
  /** Largest decoded message (all its frames); `Infinity` for a session that does not reassemble. */
  readonly maxMessageSize: number;
}

/**
 * A negotiated extension at work on one connection: it transforms frames on their way in and out.
 * Frames are given one at a time and in order, and the next frame is given only once the previous
 * one's result has settled, so an implementation may keep state from frame to frame (a compression
 * context) without locking.
 */
export interface ExtensionCodec {
  /** The extension and its agreed parameters, as `session.extensions` lists them. */
  readonly negotiated: NegotiatedExtension;
  /** RSV bits this extension sets. */
  readonly rsv: RsvBits;
  /**
   * A received frame (Text and Binary frames include continuations, typed as their message; control
   * frames come too), turned into the frame to hand on, at once or later. Throw or reject with a
   * `ProtocolViolationError` (1002, 1007) or a `FrameTooBigError` (1009) to fail the connection.
   */
  decode(frame: Frame, limits: DecodeLimits): Frame | Promise<Frame>;
  /** A frame to send, turned into the frame to write, at once or later. A failure closes with 1011. */
  encode(frame: Frame): Frame | Promise<Frame>;
  /** Releases what the codec holds (compression contexts); work in progress settles. Called once. */
  dispose(): void;
}

/** A client's side of an installed extension: what it offers and how it checks the server's answer. */
export interface ClientExtension {
  /** The extension token, e.g. "permessage-deflate". */
  readonly name: string;
  /** The offers to send, most preferred first; each becomes one element of `Sec-WebSocket-Extensions`. */
  offers(): readonly (readonly ExtensionParameter[])[];
  /**
   * Checks the server's answer (the parameters of its one element with this name) and returns the
   * connection's codec. Throws an `Error` saying what is wrong, which fails the handshake.
   */
  accept(answer: readonly ExtensionParameter[]): ExtensionCodec;
}

/** A server's side of an installed extension: how it answers a client's offers. */
export interface ServerExtension {
  /** The extension token, e.g. "permessage-deflate". */
  readonly name: string;
  /**
   * Picks one of the client's offers for this extension (given in the client's order of preference),
   * or returns null to decline them all; never throws for a bad offer, which is declined.
   */
  answer(offers: readonly (readonly ExtensionParameter[])[]): {
    /** The parameters of the accepted offer as the server answers them in `Sec-WebSocket-Extensions`. */
    parameters: readonly ExtensionParameter[];
    /** The connection's codec for the accepted parameters. */
    codec: ExtensionCodec;
  } | null;
}

/**
 * Makes an extension from its configuration, as Ktor's `WebSocketExtensionFactory`: installed with
 * `ws.extensions((e) => e.install(factory, (config) => { ... }))` on a client, or with the server's
 * `extensions` option. `client` and `server` check the finished configuration and throw a
 * `RangeError` / `TypeError` naming a bad setting.
 */
export interface WebSocketExtensionFactory<Config> {
  /** The extension token, e.g. "permessage-deflate". */
  readonly name: string;
  /** A fresh configuration with defaults. */
  createConfig(): Config;
  /** The client's side, from a finished configuration. */
  client(config: Config): ClientExtension;
  /** The server's side, from a finished configuration. */
  server(config: Config): ServerExtension;
}

/** @internal A handshake request that carries the client's installed extensions to an engine that runs kite-ws's own protocol core. */
export interface ExtensionOffering {
  readonly extensions?: readonly ClientExtension[];
}
