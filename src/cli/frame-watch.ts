import type { HttpClientPlugin } from "../client/plugin.js";
import { Buffer } from "node:buffer";
import { Frame } from "../protocol/frame.js";
import type { FrameTransport } from "../transport/frame-transport.js";
import { ForwardingTransport } from "../transport/forwarding-transport.js";

/** Pings remembered while they wait for their pong; a peer that never answers cannot grow the map. */
const MAX_PENDING_PINGS = 32;

/**
 * Tells `kite` about the control frames the default session keeps to itself: pings from the peer,
 * and pongs with the round trip of the ping they answer (ours from `/ping`, or `--ping`'s).
 */
export class FrameWatch {
  /** A connection opened: called before any of its frames is seen, so its event comes first. */
  onOpen: (protocol: string | null) => void = () => {};
  /** A ping arrived (the session answers it by itself). */
  onPing: (data: Uint8Array) => void = () => {};
  /** A pong arrived; `rttMillis` is null when it answers no ping of ours (an unsolicited pong). */
  onPong: (data: Uint8Array, rttMillis: number | null) => void = () => {};
  private readonly pings = new Map<string, number>();

  /** @internal A ping of ours went out. */
  sentPing(data: Uint8Array): void {
    if (this.pings.size >= MAX_PENDING_PINGS) this.pings.delete(this.pings.keys().next().value!);
    this.pings.set(Buffer.from(data).toString("latin1"), performance.now());
  }

  /** @internal A pong came in. */
  receivedPong(data: Uint8Array): void {
    const key = Buffer.from(data).toString("latin1");
    const sent = this.pings.get(key);
    this.pings.delete(key);
    this.onPong(data, sent === undefined ? null : performance.now() - sent);
  }
}

/** A client plugin that puts a watching transport under each session. */
export function frameWatchPlugin(watch: FrameWatch): HttpClientPlugin<object, FrameWatch> {
  return {
    key: "kite-cli-frame-watch",
    createConfig: () => ({}),
    install(_config, scope) {
      scope.onConnect(async (request, proceed) => {
        const connection = await proceed(request);
        watch.onOpen(connection.protocol);
        return { ...connection, transport: new WatchingTransport(connection.transport, watch) };
      });
      return watch;
    },
  };
}

/** Passes everything through, and tells the watch about pings and pongs on the way. */
class WatchingTransport extends ForwardingTransport {
  constructor(
    inner: FrameTransport,
    private readonly watch: FrameWatch,
  ) {
    super(inner);
  }

  override write(frames: readonly Frame[]): boolean {
    for (const frame of frames) if (frame instanceof Frame.Ping) this.watch.sentPing(frame.data);
    return super.write(frames);
  }

  override onFrame(frame: Frame): boolean {
    if (frame instanceof Frame.Ping) this.watch.onPing(frame.data);
    else if (frame instanceof Frame.Pong) this.watch.receivedPong(frame.data);
    return super.onFrame(frame);
  }
}
