/* eslint-disable @typescript-eslint/no-namespace -- `Frame.Text` is both a class and a type, as in Ktor. */
import { FrameType, frameTypeName } from "./frame-type.js";
import { CloseReason, decodeClosePayload, encodeClosePayload } from "./close-reason.js";
import { decodeUtf8, encodeUtf8, utf8Length } from "./utf8.js";
import { quote, typeError } from "../util/describe-value.js";

const EMPTY = new Uint8Array(0);
/** How much of a payload `util.inspect` / `console.log` show. */
const PREVIEW_CHARS = 60;
const PREVIEW_BYTES = 16;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Bytes as `send` and the frame constructors take them, as `WebSocket.send` does: an `ArrayBuffer`, or
 * any view of one (`Uint8Array`, `Buffer`, `DataView`, `Float32Array`, ...), whose exact bytes
 * (`byteOffset` to `byteOffset + byteLength`) are the payload.
 */
export type BinaryData = ArrayBuffer | ArrayBufferView;

/**
 * The payload bytes of `data` as a `Uint8Array` view (no copy), or null when `data` is not binary
 * data. Works across realms (a `Buffer` in a test runner's VM context), where `instanceof` does not.
 */
export function bytesOf(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return new Uint8Array(data as ArrayBuffer);
  }
  return null;
}

/** `data` as payload bytes, or a `TypeError` naming the parameter. */
function payload(data: unknown, what: string): Uint8Array {
  const bytes = bytesOf(data);
  if (bytes === null) throw typeError(what, "an ArrayBuffer or an ArrayBufferView (Uint8Array, Buffer, DataView, ...)", data);
  return bytes;
}

/**
 * `data` as payload bytes, none when left out. Every received frame comes through here with a
 * `Uint8Array`, which is taken as it is. A control frame's size (at most 125 bytes) is checked where
 * the frame is sent, so a raw session can still build an oversized one to test a peer's handling of it.
 */
function payloadOrEmpty(data: unknown, what: string): Uint8Array {
  return data === undefined ? EMPTY : data instanceof Uint8Array ? data : payload(data, what);
}

/** An RSV argument other than `false` or `undefined`: it must be `true`. */
function flag(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw typeError(what, "a boolean", value);
  return value;
}

/**
 * A WebSocket frame: `Frame.Text`, `Frame.Binary`, `Frame.Close`, `Frame.Ping` or `Frame.Pong`.
 * `data` is the payload; received frames hand out views of the received bytes, not copies.
 */
export abstract class Frame {
  /** Whether this is the final fragment of its message. Control frames are always final. */
  readonly fin: boolean;
  /** The frame's type; a continuation frame has the type of the message it continues. */
  abstract readonly frameType: FrameType;
  /** The RSV1 bit (RFC 6455 §5.2), for negotiated extensions: permessage-deflate marks compressed messages with it. */
  readonly rsv1: boolean;
  /** The RSV2 bit; only an extension that owns it may set it, else the peer fails the connection (1002). */
  readonly rsv2: boolean;
  /** The RSV3 bit; only an extension that owns it may set it, else the peer fails the connection (1002). */
  readonly rsv3: boolean;
  /** @internal The payload as given, or null while a text frame holds only its string. */
  bytes: Uint8Array | null;
  /**
   * @internal The whole frame as a server writes it (header and unmasked payload), when it was built
   * once to be written to many connections (fan-out); null otherwise.
   */
  unmaskedWire: Uint8Array | null = null;

  /** `fin` is a boolean: the subclasses check what users pass. */
  protected constructor(fin: boolean, data: Uint8Array | null, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean) {
    this.fin = fin;
    this.bytes = data;
    this.rsv1 = rsv1 === false || rsv1 === undefined ? false : flag(rsv1, "rsv1");
    this.rsv2 = rsv2 === false || rsv2 === undefined ? false : flag(rsv2, "rsv2");
    this.rsv3 = rsv3 === false || rsv3 === undefined ? false : flag(rsv3, "rsv3");
  }

  /**
   * The payload bytes. On a received frame this is a view of the received bytes, not a copy: use
   * `readBytes()` for a copy of your own.
   */
  get data(): Uint8Array {
    return (this.bytes ??= this.encode());
  }

  /** @internal Payload size in bytes, without encoding a text frame's string. */
  get byteLength(): number {
    return this.bytes === null ? this.encodedLength() : this.bytes.length;
  }

  /** A copy of the payload, as Ktor's `readBytes()`. */
  readBytes(): Uint8Array {
    return this.data.slice();
  }

  /** @internal */
  protected encode(): Uint8Array {
    return EMPTY;
  }

  /** @internal */
  protected encodedLength(): number {
    return 0;
  }

  /** For logs, as Ktor writes it: `Frame TEXT (fin=true, buffer len = 5)`; the payload itself is left out. */
  toString(): string {
    return `Frame ${frameTypeName(this.frameType)} (fin=${this.fin}, buffer len = ${this.byteLength})`;
  }

  /** `console.log` / `util.inspect`: `toString()` and a short preview of the payload. */
  [INSPECT](): string {
    const preview = this.preview();
    return preview === "" ? this.toString() : `${this.toString()} ${preview}`;
  }

  /** @internal A bounded preview of the payload for `util.inspect`: bytes in hex by default. */
  protected preview(): string {
    const data = this.data;
    if (data.length === 0) return "";
    let hex = "";
    for (let i = 0; i < Math.min(data.length, PREVIEW_BYTES); i++) hex += (i === 0 ? "" : " ") + data[i].toString(16).padStart(2, "0");
    return `<${hex}${data.length > PREVIEW_BYTES ? " …" : ""}>`;
  }
}

export namespace Frame {
  /** A text frame (or a fragment of a text message). `readText()` decodes it as UTF-8. */
  export class Text extends Frame {
    get frameType(): typeof FrameType.TEXT {
      return FrameType.TEXT;
    }
    /** @internal The text, when the frame was made from a string or already decoded. */
    text: string | null;
    private textBytes = -1;

    /**
     * `new Frame.Text("hi")`, or `new Frame.Text(fin, data)` for a fragment, `data` being text or its
     * UTF-8 bytes. Anything else is a `TypeError`.
     */
    constructor(text: string);
    constructor(fin: boolean, data: string | BinaryData, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean);
    constructor(finOrText: boolean | string, data?: string | BinaryData, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean) {
      if (typeof finOrText === "string") {
        super(true, null);
        this.text = finOrText;
        return;
      }
      if (typeof finOrText !== "boolean") {
        throw typeError("new Frame.Text(text) or new Frame.Text(fin, data): the first argument", "a string or a boolean", finOrText);
      }
      const text = typeof data === "string" ? data : null;
      super(finOrText, text !== null ? null : payloadOrEmpty(data, "new Frame.Text(fin, data): data"), rsv1, rsv2, rsv3);
      this.text = text;
    }

    /** The payload decoded as UTF-8 (decoded once, on first call). */
    readText(): string {
      return (this.text ??= decodeUtf8(this.data));
    }

    protected override encode(): Uint8Array {
      return encodeUtf8(this.text ?? "");
    }

    protected override encodedLength(): number {
      // Asked several times per send (limits, batching, serializing): count the UTF-8 bytes once.
      if (this.textBytes < 0) this.textBytes = utf8Length(this.text ?? "");
      return this.textBytes;
    }

    protected override preview(): string {
      if (this.byteLength === 0) return "";
      // A fragment may end inside a character: previewed as bytes are, never decoded wrongly.
      if (this.text === null && !this.fin) return super.preview();
      return quote(this.text ?? decodeUtf8(this.data.subarray(0, PREVIEW_CHARS * 4)));
    }
  }

  /** A binary frame (or a fragment of a binary message). */
  export class Binary extends Frame {
    get frameType(): typeof FrameType.BINARY {
      return FrameType.BINARY;
    }

    /**
     * `new Frame.Binary(bytes)`, or `new Frame.Binary(fin, data)` for a fragment. The bytes are an
     * `ArrayBuffer` or any view of one (its exact bytes); anything else is a `TypeError`.
     */
    constructor(data: BinaryData);
    constructor(fin: boolean, data: BinaryData, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean);
    constructor(finOrData: boolean | BinaryData, data?: BinaryData, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean) {
      if (typeof finOrData === "boolean") {
        super(finOrData, payloadOrEmpty(data, "new Frame.Binary(fin, data): data"), rsv1, rsv2, rsv3);
      } else {
        super(true, payload(finOrData, "new Frame.Binary(data): data"));
      }
    }
  }

  /** A close frame: a code and a message, or an empty payload (no status code). */
  export class Close extends Frame {
    get frameType(): typeof FrameType.CLOSE {
      return FrameType.CLOSE;
    }

    /**
     * `new Frame.Close(reason)`, `new Frame.Close()` (no status code), or `new Frame.Close(rawPayload)`
     * (at most 125 bytes, checked when sent). A reason's code must be one a Close frame may carry
     * (`RangeError` otherwise).
     */
    constructor(reasonOrData?: CloseReason | BinaryData) {
      super(
        true,
        reasonOrData instanceof CloseReason
          ? encodeClosePayload(reasonOrData)
          : payloadOrEmpty(reasonOrData, "new Frame.Close(reasonOrData): reasonOrData"),
      );
    }

    /**
     * The close reason: 1005 (NO_STATUS_RECEIVED) for an empty payload. Throws `ProtocolViolationError`
     * for a payload that RFC 6455 forbids (one byte, an invalid code, a message that is not UTF-8).
     */
    readReason(): CloseReason {
      return decodeClosePayload(this.data);
    }

    protected override preview(): string {
      try {
        return this.data.length === 0 ? "" : this.readReason().toString();
      } catch {
        return super.preview();
      }
    }
  }

  /** A ping; the peer answers with a pong carrying the same payload (at most 125 bytes). */
  export class Ping extends Frame {
    get frameType(): typeof FrameType.PING {
      return FrameType.PING;
    }
    /** A ping with `data` (at most 125 bytes, checked when sent) as its payload, or none. */
    constructor(data?: BinaryData) {
      super(true, payloadOrEmpty(data, "new Frame.Ping(data): data"));
    }
  }

  /** A pong, the answer to a ping (or an unsolicited heartbeat). */
  export class Pong extends Frame {
    get frameType(): typeof FrameType.PONG {
      return FrameType.PONG;
    }
    /** A pong with `data` (at most 125 bytes, checked when sent) as its payload, or none. */
    constructor(data?: BinaryData) {
      super(true, payloadOrEmpty(data, "new Frame.Pong(data): data"));
    }
  }
}

/** @internal Builds the frame of a received type without copying the payload. */
export function createFrame(type: FrameType, fin: boolean, data: Uint8Array, rsv1: boolean, rsv2: boolean, rsv3: boolean): Frame {
  switch (type) {
    case FrameType.TEXT:
      return new Frame.Text(fin, data, rsv1, rsv2, rsv3);
    case FrameType.BINARY:
      return new Frame.Binary(fin, data, rsv1, rsv2, rsv3);
    case FrameType.CLOSE:
      return new Frame.Close(data);
    case FrameType.PING:
      return new Frame.Ping(data);
    case FrameType.PONG:
      return new Frame.Pong(data);
  }
}
