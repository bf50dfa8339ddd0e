/* eslint-disable @typescript-eslint/no-namespace -- `Frame.Text` is both a class and a type, as in Ktor. */
import { FrameType, frameTypeName } from "./frame-type.js";
import { CloseReason, decodeClosePayload, encodeClosePayload } from "./close-reason.js";
import { decodeUtf8, encodeUtf8, utf8Length } from "./utf8.js";

const EMPTY = new Uint8Array(0);

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

  protected constructor(fin: boolean, data: Uint8Array | null, rsv1 = false, rsv2 = false, rsv3 = false) {
    this.fin = fin;
    this.bytes = data;
    this.rsv1 = rsv1;
    this.rsv2 = rsv2;
    this.rsv3 = rsv3;
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

    /** `new Frame.Text("hi")`, or `new Frame.Text(fin, data)` for a fragment. */
    constructor(text: string);
    constructor(fin: boolean, data: Uint8Array | string, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean);
    constructor(finOrText: boolean | string, data?: Uint8Array | string, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean) {
      const fin = typeof finOrText === "string" ? true : finOrText;
      const payload = typeof finOrText === "string" ? finOrText : (data ?? EMPTY);
      super(fin, typeof payload === "string" ? null : payload, rsv1, rsv2, rsv3);
      this.text = typeof payload === "string" ? payload : null;
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
  }

  /** A binary frame (or a fragment of a binary message). */
  export class Binary extends Frame {
    get frameType(): typeof FrameType.BINARY {
      return FrameType.BINARY;
    }

    /** `new Frame.Binary(bytes)`, or `new Frame.Binary(fin, data)` for a fragment. */
    constructor(data: Uint8Array);
    constructor(fin: boolean, data: Uint8Array, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean);
    constructor(finOrData: boolean | Uint8Array, data?: Uint8Array, rsv1?: boolean, rsv2?: boolean, rsv3?: boolean) {
      if (typeof finOrData === "boolean") super(finOrData, data ?? EMPTY, rsv1, rsv2, rsv3);
      else super(true, finOrData);
    }
  }

  /** A close frame: a code and a message, or an empty payload (no status code). */
  export class Close extends Frame {
    get frameType(): typeof FrameType.CLOSE {
      return FrameType.CLOSE;
    }

    /** `new Frame.Close(reason)`, `new Frame.Close()` (no status code), or `new Frame.Close(rawPayload)`. */
    constructor(reasonOrData?: CloseReason | Uint8Array) {
      super(true, reasonOrData instanceof CloseReason ? encodeClosePayload(reasonOrData) : (reasonOrData ?? EMPTY));
    }

    /**
     * The close reason: 1005 (NO_STATUS_RECEIVED) for an empty payload. Throws `ProtocolViolationError`
     * for a payload that RFC 6455 forbids (one byte, an invalid code, a message that is not UTF-8).
     */
    readReason(): CloseReason {
      return decodeClosePayload(this.data);
    }
  }

  /** A ping; the peer answers with a pong carrying the same payload (at most 125 bytes). */
  export class Ping extends Frame {
    get frameType(): typeof FrameType.PING {
      return FrameType.PING;
    }
    constructor(data: Uint8Array = EMPTY) {
      super(true, data);
    }
  }

  /** A pong, the answer to a ping (or an unsolicited heartbeat). */
  export class Pong extends Frame {
    get frameType(): typeof FrameType.PONG {
      return FrameType.PONG;
    }
    constructor(data: Uint8Array = EMPTY) {
      super(true, data);
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
