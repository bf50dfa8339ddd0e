import type { Socket, OnReadOpts } from "node:net";
import { Buffer } from "node:buffer";

/** Where the bytes a socket reads go once the handshake is done: the socket transport. */
export interface ReadSink {
  /** `chunk` is valid only during the call (it sits in the buffer every connection reads into). */
  onTransientChunk(chunk: Uint8Array): void;
  /** Where the next read should land instead of the shared buffer (a large frame's payload), or null. */
  readTarget(): Uint8Array | null;
  /** `bytes` were read to the start of the last `readTarget()`. */
  onReadInPlace(bytes: number): void;
}

/** Reads of one connection at a time land here: every read is handled before the next one starts. */
const SHARED_BYTES = 64 * 1024;
let shared: Buffer | null = null;

const OWNED = Symbol("kite-ws owned reads");

/**
 * @internal A client socket that reads into buffers kite-ws chooses (`net.connect`'s `onread`): one
 * buffer shared by every connection, parsed at once with only what is kept copied out, and a large
 * frame's own payload buffer for the rest of that frame, so its bytes are never copied. This spares
 * the allocation and the stream machinery of every read, and the copy of large frames that straddle
 * reads. Until a sink takes over (during the opening handshake), reads are copied and emitted as
 * `data`, as an ordinary socket would.
 */
export class OwnedReads {
  sink: ReadSink | null = null;
  private socket: Socket | null = null;
  /** The buffer the pending read lands in, when it is a sink's target rather than the shared one. */
  private target: Uint8Array | null = null;

  /** For `net.connect({ ..., onread })`; Node keeps its two functions, not the object. */
  options(): OnReadOpts {
    return { buffer: () => this.nextBuffer(), callback: (bytes: number, buffer: Uint8Array) => this.arrived(bytes, buffer) };
  }

  /** The transport's reads of `socket`, when it was opened with them. */
  static of(socket: Socket): OwnedReads | null {
    return (socket as Socket & { [OWNED]?: OwnedReads })[OWNED] ?? null;
  }

  attach(socket: Socket): Socket {
    this.socket = socket;
    (socket as Socket & { [OWNED]?: OwnedReads })[OWNED] = this;
    return socket;
  }

  private nextBuffer(): Uint8Array {
    this.target = this.sink?.readTarget() ?? null;
    return this.target ?? (shared ??= Buffer.allocUnsafe(SHARED_BYTES));
  }

  /** Always true: pausing is the sink's to decide, through the socket. */
  private arrived(bytes: number, buffer: Uint8Array): boolean {
    const sink = this.sink;
    if (sink === null) {
      this.socket?.emit("data", Buffer.from(buffer.subarray(0, bytes)));
    } else if (buffer === this.target) {
      sink.onReadInPlace(bytes);
    } else {
      sink.onTransientChunk(buffer.subarray(0, bytes));
    }
    return true;
  }
}
