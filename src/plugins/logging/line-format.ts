import { Frame } from "../../protocol/frame.js";
import { FrameType, frameTypeName } from "../../protocol/frame-type.js";
import type { CloseReason } from "../../protocol/close-reason.js";
import { quote, unicodeEscape } from "../../util/quote.js";

/** @internal How much of a payload a log line shows. */
export interface PreviewLimits {
  /** Characters of text. */
  readonly chars: number;
  /** Bytes of binary, as hex. */
  readonly bytes: number;
}

/** @internal Short previews, for the "frames" level. */
export const SHORT_PREVIEW: PreviewLimits = Object.freeze({ chars: 64, bytes: 16 });
/** @internal Longer previews, for the "all" level; still bounded, so a 100 MiB frame makes one short line. */
export const LONG_PREVIEW: PreviewLimits = Object.freeze({ chars: 1024, bytes: 128 });

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * C0 and C1 controls, DEL, line and paragraph separators, bidirectional overrides and isolates: what
 * must not reach a terminal or a log file from a peer.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** @internal "TEXT fin=true 5 bytes "hello"": a frame's type, fin bit, size and a bounded preview. */
export function describeFrame(frame: Frame, limits: PreviewLimits): string {
  const size = frame.byteLength;
  const head = `${frameTypeName(frame.frameType)} fin=${frame.fin} ${size} byte${size === 1 ? "" : "s"}`;
  if (size === 0) return head;
  return `${head} ${preview(frame, limits)}`;
}

/** @internal "CLOSE 1000 NORMAL "bye"", or what is wrong with a Close frame's payload. */
export function describeCloseFrame(frame: Frame.Close, limits: PreviewLimits): string {
  let reason: CloseReason;
  try {
    reason = frame.readReason();
  } catch {
    return `CLOSE malformed, ${frame.byteLength} bytes ${hex(frame.data, limits.bytes)}`;
  }
  return `CLOSE ${describeCloseReason(reason, limits)}`;
}

/** @internal "1000 NORMAL "bye"": a close reason's code, the code's name when it has one, and its message. */
export function describeCloseReason(reason: CloseReason, limits: PreviewLimits = SHORT_PREVIEW): string {
  const name = reason.knownReason;
  const code = name === undefined ? String(reason.code) : `${reason.code} ${name}`;
  return reason.message === "" ? code : `${code} ${quote(reason.message, limits.chars, "after")}`;
}

/** Text as text, binary as hex; control frames as text when they are printable ASCII, as our pings are. */
function preview(frame: Frame, limits: PreviewLimits): string {
  switch (frame.frameType) {
    case FrameType.TEXT:
      return quote(textPrefix(frame as Frame.Text, limits.chars), limits.chars, "after");
    case FrameType.PING:
    case FrameType.PONG:
      return isPrintableAscii(frame.data) ? quote(decoder.decode(frame.data), limits.chars, "after") : hex(frame.data, limits.bytes);
    default:
      return hex(frame.data, limits.bytes);
  }
}

/**
 * More than the first `chars` characters of a text frame when it has more, decoding no more than
 * it takes: `chars * 4` bytes hold more than `chars` UTF-16 units, whatever the frame's size.
 */
function textPrefix(frame: Frame.Text, chars: number): string {
  if (frame.text !== null) return frame.text.length > chars + 1 ? frame.text.slice(0, chars + 1) : frame.text;
  const bytes = frame.data;
  return decoder.decode(bytes.length > chars * 4 ? bytes.subarray(0, chars * 4) : bytes);
}

/**
 * @internal `text` with control and reordering characters escaped (`\u001b`): for what a peer
 * controls outside payloads (header values, status text, error messages), so it cannot forge lines
 * or send escape sequences to the terminal that shows the log.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, unicodeEscape);
}

/** "01 02 ff …": the first `max` bytes in hex. */
function hex(bytes: Uint8Array, max: number): string {
  const shown: string[] = [];
  for (let i = 0; i < bytes.length && i < max; i++) shown.push(bytes[i].toString(16).padStart(2, "0"));
  return `${shown.join(" ")}${bytes.length > max ? " …" : ""}`;
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) return false;
  return true;
}
