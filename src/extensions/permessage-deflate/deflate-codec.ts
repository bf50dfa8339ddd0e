import type { DecodeLimits, ExtensionCodec, NegotiatedExtension } from "../extension.js";
import type { RsvBits } from "../../protocol/frame-parser.js";
import type { CompressCondition } from "./deflate-config.js";
import type { DeflateAgreement } from "./deflate-negotiation.js";
import { PERMESSAGE_DEFLATE } from "./deflate-negotiation.js";
import { Inflater } from "./inflater.js";
import { ContextClosedError } from "./zlib-context.js";
import { Deflater, deflateWhole } from "./deflater.js";
import { FrameSerializer } from "../../protocol/frame-serializer.js";
import { parameterRecord } from "../extension-header.js";
import { Frame } from "../../protocol/frame.js";
import { FrameType } from "../../protocol/frame-type.js";
import { RSV1 } from "../../protocol/frame-parser.js";

/**
 * RFC 7692 §6: the "Per-Message Compressed" bit is RSV1, set on the first frame of a compressed
 * message only; on a continuation or a control frame it fails the connection (the parser checks).
 */
export const DEFLATE_RSV: RsvBits = Object.freeze({ messageStart: RSV1, continuation: 0, control: 0 });

/**
 * Fanned-out messages up to this size are compressed once, synchronously, for every connection with
 * the same setting; bigger ones are compressed by each connection's own context, off the event loop.
 */
const SHARED_MAX_PAYLOAD = 1024 * 1024;
/** Builds the shared compressed frames' bytes: whole unmasked frames, so it keeps no state between them. */
const sharedSerializer = new FrameSerializer({ mask: false });
/**
 * The compressed forms of each fanned-out frame (one with `unmaskedWire`, built once for many
 * connections), by setting; they go when the frame does.
 */
const sharedForms = new WeakMap<Frame, Map<number, Frame>>();

/** A compression setting as one number: the level (0-9) and the window bits (9-15). */
function settingKey(level: number, windowBits: number): number {
  return level * 16 + windowBits;
}

/** @internal The settings a fanned-out frame was compressed for so far, as "permessage-deflate <level> <window bits>" (for tests). */
export function sharedFormKeys(frame: Frame): string[] {
  return [...(sharedForms.get(frame)?.keys() ?? [])].map((key) => `permessage-deflate ${Math.floor(key / 16)} ${key % 16}`);
}

/** Where a direction is: between messages, inside an uncompressed one, inside a compressed one. */
const Message = { None: 0, Plain: 1, Compressed: 2 } as const;
type Message = (typeof Message)[keyof typeof Message];

/**
 * @internal permessage-deflate on one connection (RFC 7692 §6–7). Receiving: a message whose first
 * frame has RSV1 is inflated frame by frame, with the trailer put back at its end, and its inflated
 * size counts against `maxFrameSize` (each frame) and `maxMessageSize` (the message) while it is
 * inflated. Sending: a message is compressed when every configured condition holds for its first
 * frame; its frames are deflated in turn, RSV1 set on the first. Control frames and uncompressed
 * messages pass through untouched and without waiting. Both zlib contexts are opened on first use.
 */
export class PerMessageDeflateCodec implements ExtensionCodec {
  readonly negotiated: NegotiatedExtension;
  readonly rsv = DEFLATE_RSV;
  private readonly agreement: DeflateAgreement;
  private readonly level: number;
  private readonly conditions: readonly CompressCondition[];
  private inflater: Inflater | null = null;
  private deflater: Deflater | null = null;
  private receiving: Message = Message.None;
  /** Inflated bytes of the message being received. */
  private receivedBytes = 0;
  private sending: Message = Message.None;
  private disposed = false;

  constructor(agreement: DeflateAgreement, level: number, conditions: readonly CompressCondition[]) {
    this.agreement = agreement;
    this.level = level;
    this.conditions = conditions;
    this.negotiated = Object.freeze({ name: PERMESSAGE_DEFLATE, parameters: parameterRecord(agreement.parameters) });
  }

  decode(frame: Frame, limits: DecodeLimits): Frame | Promise<Frame> {
    const type = frame.frameType;
    if (type !== FrameType.TEXT && type !== FrameType.BINARY) return frame;
    if (this.receiving === Message.None) {
      this.receiving = frame.rsv1 ? Message.Compressed : Message.Plain;
      this.receivedBytes = 0;
    }
    if (this.receiving === Message.Plain) {
      if (frame.fin) this.receiving = Message.None;
      return frame;
    }
    if (this.disposed) return Promise.reject(new ContextClosedError());
    const left = limits.maxMessageSize - this.receivedBytes;
    const byFrame = limits.maxFrameSize <= left;
    const inflater = (this.inflater ??= new Inflater(this.agreement.inflateWindowBits));
    const data = inflater.inflate(frame.data, frame.fin, byFrame ? limits.maxFrameSize : left, byFrame ? "maxFrameSize" : "maxMessageSize");
    return data instanceof Uint8Array ? this.inflated(frame, data) : data.then((inflated) => this.inflated(frame, inflated));
  }

  encode(frame: Frame): Frame | Promise<Frame> {
    const type = frame.frameType;
    if (type !== FrameType.TEXT && type !== FrameType.BINARY) return frame;
    const first = this.sending === Message.None;
    if (first && frame.unmaskedWire !== null && frame.fin && !this.disposed && frame.byteLength <= SHARED_MAX_PAYLOAD && this.shouldCompress(frame)) {
      return this.sharedDeflated(frame);
    }
    if (first) this.sending = this.shouldCompress(frame) ? Message.Compressed : Message.Plain;
    const mode = this.sending;
    if (frame.fin) this.sending = Message.None;
    if (mode === Message.Plain) {
      // RSV1 belongs to the extension now: a frame built with it set must not look compressed.
      if (!frame.rsv1) return frame;
      return type === FrameType.TEXT ? new Frame.Text(frame.fin, frame.data) : new Frame.Binary(frame.fin, frame.data);
    }
    if (this.disposed) return Promise.reject(new ContextClosedError());
    const deflater = (this.deflater ??= new Deflater(this.level, this.agreement.deflateWindowBits, this.agreement.deflateNoContextTakeover));
    const data = deflater.deflate(frame.data, frame.fin);
    return data instanceof Uint8Array ? deflated(frame, data, first) : data.then((compressed) => deflated(frame, compressed, first));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.inflater?.close();
    this.deflater?.close();
    this.inflater = null;
    this.deflater = null;
  }

  /** Whether zlib contexts are allocated (for tests and diagnostics). */
  get contextsOpen(): number {
    return (this.inflater?.isOpen ? 1 : 0) + (this.deflater?.isOpen ? 1 : 0);
  }

  /**
   * A fanned-out message, compressed once for every connection with this codec's level and window
   * (the first one compresses it), and this connection's own context told its peer saw bytes it did
   * not compress.
   */
  private sharedDeflated(frame: Frame): Frame {
    let forms = sharedForms.get(frame);
    if (forms === undefined) sharedForms.set(frame, (forms = new Map()));
    const windowBits = this.agreement.deflateWindowBits;
    const key = settingKey(this.level, windowBits);
    let compressed = forms.get(key);
    if (compressed === undefined) {
      compressed = deflated(frame, deflateWhole(frame.data, this.level, windowBits), true);
      compressed.unmaskedWire = sharedSerializer.serializeOne(compressed);
      forms.set(key, compressed);
    }
    this.deflater?.forgetHistory();
    return compressed;
  }

  /** The frame that carries `data`, inflated from `frame`'s payload. */
  private inflated(frame: Frame, data: Uint8Array): Frame {
    this.receivedBytes += data.length;
    if (frame.fin) this.receiving = Message.None;
    return frame.frameType === FrameType.TEXT ? new Frame.Text(frame.fin, data) : new Frame.Binary(frame.fin, data);
  }

  private shouldCompress(frame: Frame): boolean {
    for (const condition of this.conditions) if (!condition(frame)) return false;
    return true;
  }
}

/** The frame that carries `data`, deflated from `frame`'s payload; RSV1 on the message's first frame. */
function deflated(frame: Frame, data: Uint8Array, first: boolean): Frame {
  return frame.frameType === FrameType.TEXT ? new Frame.Text(frame.fin, data, first) : new Frame.Binary(frame.fin, data, first);
}
