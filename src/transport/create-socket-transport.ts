import type { Socket } from "node:net";
import type { AgreedExtensions } from "../extensions/client-negotiation.js";
import { ExtensionTransport } from "../extensions/extension-transport.js";
import type { FrameTransport } from "./frame-transport.js";
import { SocketTransport } from "./socket-transport.js";

/** What the opening handshake agreed on that the transport needs: the extensions' codecs and RSV bits. */
export type AgreedCodecs = Pick<AgreedExtensions, "codecs" | "rsv">;

/** @internal Limits and leftovers of the opening handshake. */
export interface SocketTransportLimits {
  /** Largest frame accepted from the peer. */
  readonly maxFrameSize: number;
  /** Bytes that arrived with the handshake, already past the HTTP head. */
  readonly head?: Uint8Array;
}

/**
 * @internal The transport of a connection whose opening handshake is done, on a client (CIO) or a
 * server: frames over the socket, with the agreed extensions run in between. Without an agreed
 * extension the session talks to the socket transport directly, so nothing is added per frame.
 */
export function createSocketTransport(socket: Socket, role: "client" | "server", agreed: AgreedCodecs, limits: SocketTransportLimits): FrameTransport {
  const sockets = new SocketTransport(socket, { role, maxFrameSize: limits.maxFrameSize, head: limits.head, allowedRsv: agreed.rsv });
  return agreed.codecs.length === 0 ? sockets : new ExtensionTransport(sockets, agreed.codecs);
}
