import type { Socket } from "node:net";
import type { Frame } from "../protocol/frame.js";
import { FrameParser, type RsvBits } from "../protocol/frame-parser.js";
import { FrameSerializer } from "../protocol/frame-serializer.js";
import { ArenaAccount } from "../protocol/mask-arena.js";
import type { FrameSink, FrameTransport } from "./frame-transport.js";
import { installNativeUtf8 } from "../protocol/utf8-node.js";
import { OwnedReads, type ReadSink } from "./owned-reads.js";

// Node validates UTF-8 natively; an explicit call survives bundlers that drop side-effect imports.
installNativeUtf8();

export interface SocketTransportOptions {
  /** "client" masks what it sends and refuses masked frames; "server" the reverse. */
  readonly role: "client" | "server";
  readonly maxFrameSize: number;
  /** Bytes that arrived with the handshake response, already past the HTTP head. */
  readonly head?: Uint8Array;
  /** RSV bits owned by negotiated extensions, for every kind of frame or per kind. */
  readonly allowedRsv?: number | RsvBits;
}

const EMPTY = new Uint8Array(0);
/**
 * With reads kite-ws owns, a frame still missing this many bytes after a read has the rest read
 * straight into its payload: fewer, and they come with the next read's other frames (one syscall).
 */
const READ_IN_PLACE_FROM = 16 * 1024;

const TRANSPORT = Symbol("kite-ws transport");
type OwnedSocket = Socket & { [TRANSPORT]: SocketTransport };

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[TRANSPORT].onData(chunk);
}

function onSocketDrain(this: OwnedSocket): void {
  this[TRANSPORT].sink?.onDrain();
}

function onSocketError(this: OwnedSocket, error: Error): void {
  this[TRANSPORT].error ??= error;
}

function onSocketClose(this: OwnedSocket): void {
  this[TRANSPORT].onSocketClose();
}

function onSocketEnd(this: OwnedSocket): void {
  this[TRANSPORT].onPeerEnd();
}

/**
 * Gives arena rooms back once the socket no longer needs their bytes: at once when the write went
 * through within the call (nothing is left queued), else when everything queued so far is written
 * or dropped (Node calls back for both).
 */
function giveBackWhenWritten(socket: Socket, account: ArenaAccount, lent: number): void {
  if (socket.writableLength === 0) account.giveBack(lent);
  else socket.write(EMPTY, () => account.giveBack(lent));
}

/**
 * @internal Frames over a `node:net` / `node:tls` socket: parses what arrives into frames for the
 * session (all the frames of a chunk before yielding) and writes the session's frames in one write
 * per batch. Pausing the session pauses the socket, so a slow reader slows the peer through TCP.
 */
export class SocketTransport implements FrameTransport, ReadSink {
  readonly masking: boolean;
  /**
   * Not used here (nothing is expanded); declared so every transport object has the same shape, as
   * undefined: Infinity would cost every transport a heap number.
   */
  maxMessageSize: number | undefined = undefined;
  private readonly socket: Socket;
  private readonly parser: FrameParser;
  /** Made on the first write: a connection that has sent nothing keeps none. */
  private serializer: FrameSerializer | null = null;
  /** This connection's share of the arena its large frames are built in (a client's only: a server does not mask). */
  private readonly arena: ArenaAccount | null;
  private readonly isServer: boolean;
  /** @internal */
  sink: FrameSink | null = null;
  private paused = false;
  /**
   * A write was refused (socket full) before `start()`: a server's handler may send in the turn its
   * session is made, and the socket's 'drain' can come before `start()` listens for it.
   */
  private drainOwed = false;
  /** Set once nothing more may be delivered: a framing error, or the connection is ending. */
  private failed = false;
  /** @internal The socket's error, reported when it closes. */
  error: Error | null = null;
  /** `end()` was called: the connection is closing, and reading goes on until the peer's end. */
  private ending = false;

  constructor(socket: Socket, options: SocketTransportOptions) {
    this.socket = socket;
    this.isServer = options.role === "server";
    this.masking = !this.isServer;
    this.parser = new FrameParser({
      expectMasked: this.isServer,
      maxFrameSize: options.maxFrameSize,
      allowedRsv: options.allowedRsv,
    });
    this.arena = this.masking ? new ArenaAccount() : null;
    if (options.head && options.head.length > 0) this.parser.push(options.head);
  }

  get maxFrameSize(): number {
    return this.parser.maxFrameSize;
  }

  set maxFrameSize(bytes: number) {
    this.parser.maxFrameSize = bytes;
  }

  start(sink: FrameSink): void {
    this.sink = sink;
    const socket = this.socket;
    socket.setNoDelay(true);
    // Shared listeners that find this transport on the socket: no closures per connection.
    (socket as OwnedSocket)[TRANSPORT] = this;
    socket.on("data", onSocketData);
    socket.on("drain", onSocketDrain);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
    socket.on("end", onSocketEnd);
    const reads = OwnedReads.of(socket);
    if (reads !== null) reads.sink = this;
    if (socket.destroyed) {
      queueMicrotask(() => this.onSocketClose());
      return;
    }
    // The 'drain' of a write refused before now was missed if the socket has drained already.
    if (this.drainOwed && !socket.writableNeedDrain) queueMicrotask(() => this.sink?.onDrain());
    this.drainOwed = false;
    this.parse();
    socket.resume();
  }

  write(frames: readonly Frame[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return true;
    const chunks: Uint8Array[] = [];
    const serializer = (this.serializer ??= new FrameSerializer({ mask: this.masking, arena: this.arena }));
    const lent = serializer.serialize(frames, chunks);
    let ok: boolean;
    if (chunks.length === 1) {
      ok = socket.write(chunks[0]);
    } else {
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
      ok = !socket.writableNeedDrain;
    }
    if (lent > 0) giveBackWhenWritten(socket, this.arena!, lent);
    if (!ok && this.sink === null) this.drainOwed = true;
    return ok;
  }

  pause(): void {
    // Once ending, reading goes on so the peer's FIN is seen (a session that fails returns false
    // from onFrame after calling end(), which would otherwise stall the close for the grace period).
    if (this.ending) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.parse();
    if (!this.paused && !this.failed) this.socket.resume();
  }

  flushed(): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable || socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => socket.write(EMPTY, () => resolve()));
  }

  end(graceMillis: number): void {
    const socket = this.socket;
    if (this.ending || socket.destroyed) return;
    this.ending = true;
    // Nothing more is delivered, but reading goes on so the peer's FIN is seen.
    this.failed = true;
    socket.resume();
    // RFC 6455 §7.1.1: the server closes TCP first; the client waits for that (the session's deadline
    // bounds the wait), unless the session failed the connection and waits for nobody.
    if (this.isServer || graceMillis <= 0 || socket.readableEnded) socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** @internal */
  onData(chunk: Buffer): void {
    if (this.failed) return;
    this.parser.push(chunk);
    this.parseArrived();
  }

  /** @internal */
  onTransientChunk(chunk: Uint8Array): void {
    if (this.failed) return;
    this.parser.pushTransient(chunk);
    this.parseArrived();
    this.parser.keep();
  }

  /** Parses what just arrived, and stops the socket if the session asked for a pause meanwhile. */
  private parseArrived(): void {
    this.parse();
    if (this.paused) this.socket.pause();
  }

  /** @internal */
  readTarget(): Uint8Array | null {
    const rest = this.failed ? null : this.parser.payloadRest;
    return rest !== null && rest.length >= READ_IN_PLACE_FROM ? rest : null;
  }

  /** @internal */
  onReadInPlace(bytes: number): void {
    if (this.failed) return;
    this.parser.filledInPlace(bytes);
    this.parseArrived();
  }

  /** Hands every complete frame to the session until it asks for a pause. */
  private parse(): void {
    const sink = this.sink;
    if (sink === null || this.failed) return;
    try {
      // Once the session failed or the connection is ending, the bytes behind are not parsed (§7.1.7).
      while (!this.paused && !this.failed) {
        const frame = this.parser.next();
        if (frame === null) return;
        if (!sink.onFrame(frame)) this.pause();
      }
    } catch (error) {
      this.failed = true;
      this.socket.pause();
      sink.onProtocolError(error as Error);
    }
  }

  /** @internal */
  onPeerEnd(): void {
    // Node ends our side too (allowHalfOpen is off), so 'close' follows.
    if (!this.socket.writableEnded) this.socket.end();
  }

  /** @internal */
  onSocketClose(): void {
    const sink = this.sink;
    this.sink = null;
    sink?.onClosed(this.error);
  }
}
