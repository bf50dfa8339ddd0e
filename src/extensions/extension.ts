/** An extension agreed in the handshake (`Sec-WebSocket-Extensions`), with its parameters. */
export interface NegotiatedExtension {
  /** The extension's token, e.g. "permessage-deflate". */
  readonly name: string;
  /** Parameters as the peer answered them; a parameter without a value is `true`. */
  readonly parameters: Readonly<Record<string, string | true>>;
}
