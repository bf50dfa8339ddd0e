import { Duplex } from "node:stream";
import { Buffer, isUtf8 } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import { Frame, bytesOf } from "../protocol/frame.js";
import type { SendContent } from "../serialization/frame-conversion.js";
import { typeError } from "../util/describe-value.js";
import { checkStreamableSession, closeForAbort, failureOf, type StreamableSession } from "../streams/stream-session.js";
import { checkDuplexOptions, type DuplexOptions, type DuplexSettings } from "./duplex-options.js";

/**
 * The session as a Node.js `Duplex` stream, as `ws`'s `createWebSocketStream` gives one: for
 * `pipeline(file, toDuplex(session), ...)`, `socket.pipe(...)` and every API that takes Node streams.
 * Any session but a raw one: a client's on any engine, a server's, MockEngine's, a
 * `ReconnectingWebSocketSession` (whose duplex lives across its connections, as its `incoming` and
 * replay queue do).
 *
 * - Backpressure is Node's, down to the socket: a message is taken from `incoming` only when the
 *   readable side has room (`_read`), so a consumer that stops reading stops the session reading
 *   the socket; a write calls back once the message is in `outgoing`, so `write()` returns false and
 *   `'drain'` waits while `outgoing` is full. Written buffers are sent without a copy: do not change
 *   one after writing it (as with `net.Socket`).
 * - Ending the writable side (`end()`, or the end of what is piped in) closes the session with 1000
 *   after what was written; the readable side goes on with what the peer sends until its Close, then
 *   ends. When the readable side ends first (the peer closed), the writable side is ended too.
 * - A failure of the session (`ConnectionClosedError`, `PingTimeoutError`, `ProtocolViolationError`,
 *   ...) destroys the stream with that error; a write after the session closed fails with
 *   `ClosedSendChannelError`. A chunk that cannot be a message fails with a `TypeError`.
 * - `destroy()` closes the session with 1000, `destroy(error)` with 1011 and no reason text (a
 *   `CloseReason` or `{ closeCode, reason }` given as the error is sent as it is); it does not wait
 *   for the close handshake.
 *
 * @example
 * await pipeline(createReadStream("in.bin"), toDuplex(session), createWriteStream("echoed.bin"));
 */
export function toDuplex(session: StreamableSession, options?: DuplexOptions): Duplex {
  const checked = checkStreamableSession(session, "toDuplex(session): session");
  return new SessionDuplex(checked, checkDuplexOptions(options));
}

class SessionDuplex extends Duplex {
  private readonly session: StreamableSession;
  private readonly settings: DuplexSettings;
  /** Turns written bytes into text across writes (binary: false in byte mode), so no character is split. */
  private readonly decoder: StringDecoder | null;
  /** A read loop is running. */
  private pulling = false;
  /** Node asked for more while the loop was pushing. */
  private wanted = false;

  constructor(session: StreamableSession, settings: DuplexSettings) {
    // Strings are kept as they are written, to go out as Text messages.
    super({ objectMode: settings.objectMode, decodeStrings: false, allowHalfOpen: false });
    this.session = session;
    this.settings = settings;
    this.decoder = settings.binary || settings.objectMode ? null : new StringDecoder("utf8");
  }

  override _read(): void {
    this.wanted = true;
    if (!this.pulling) void this.pull();
  }

  /** Pushes messages until Node's buffer is full or `incoming` ends. */
  private async pull(): Promise<void> {
    this.pulling = true;
    const incoming = this.session.incoming;
    try {
      for (;;) {
        const frame = incoming.tryReceive() ?? (await incoming.receive());
        if (this.destroyed) return;
        const chunk = this.chunkOf(frame);
        if (chunk === null) continue;
        this.wanted = false;
        // push() may ask for more itself (`_read` from a 'data' listener): then the loop goes on.
        if (!this.push(chunk) && !this.wanted) return;
      }
    } catch (error) {
      if (this.destroyed) return;
      const failure = failureOf(error);
      if (failure === null) this.push(null);
      else this.destroy(failure);
    } finally {
      this.pulling = false;
    }
  }

  /** A message as this stream reads it; null for what is not one (control frames, empty messages in byte mode). */
  private chunkOf(frame: Frame): string | Buffer | null {
    if (!frame.fin) {
      this.destroy(new TypeError("toDuplex(session): the session delivered a fragment of a message; streams carry whole messages"));
      return null;
    }
    if (!(frame instanceof Frame.Text || frame instanceof Frame.Binary)) return null;
    if (this.settings.objectMode && frame instanceof Frame.Text) return frame.readText();
    const data = frame.data;
    if (!this.settings.objectMode && data.byteLength === 0) return null;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  override _write(chunk: unknown, encoding: BufferEncoding | "buffer", callback: (error?: Error | null) => void): void {
    let content: SendContent | null;
    try {
      content = this.messageOf(chunk, encoding);
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (content === null) callback();
    else this.session.send(content).then(() => callback(), callback);
  }

  /** A written chunk as what `send` takes; null when nothing is to be sent yet (a character split between writes). */
  private messageOf(chunk: unknown, encoding: BufferEncoding | "buffer"): SendContent | null {
    if (typeof chunk === "string") {
      if (encoding === "buffer" || encoding === "utf8" || encoding === "utf-8" || this.settings.objectMode) return chunk;
      // write("aGk=", "base64"): the bytes the string encodes.
      return this.bytesMessage(Buffer.from(chunk, encoding));
    }
    const bytes = bytesOf(chunk);
    if (bytes === null) {
      throw typeError("toDuplex(session).write(chunk): chunk", "a string, a Buffer, an ArrayBuffer or an ArrayBufferView", chunk);
    }
    return this.bytesMessage(bytes);
  }

  private bytesMessage(bytes: Uint8Array): SendContent | null {
    if (this.settings.binary) return bytes;
    if (this.decoder !== null) {
      const text = this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return text === "" ? null : text;
    }
    if (!isUtf8(bytes)) {
      throw typeError("toDuplex(session, { binary: false, objectMode: true }).write(chunk): chunk", "valid UTF-8 (it is sent as a Text message)", bytes);
    }
    return new Frame.Text(true, bytes);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // What is left of a character cut short by the end: U+FFFD, as TextDecoder gives it.
    const rest = this.decoder?.end() ?? "";
    const sent = rest === "" ? Promise.resolve() : this.session.send(rest);
    sent.then(() => this.session.close()).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // After a clean end the session is closed already, and closing again changes nothing.
    closeForAbort(this.session, error ?? undefined).catch(() => {});
    callback(error);
  }
}
