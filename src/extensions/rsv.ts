import type { RsvBits } from "../protocol/frame-parser.js";

/** No RSV bit on any kind of frame: what a connection without extensions allows. */
export const NO_RSV: RsvBits = Object.freeze({ messageStart: 0, continuation: 0, control: 0 });

/** @internal The bits used by every one of `uses`, per kind of frame (the parser's `allowedRsv`). */
export function combineRsv(uses: readonly RsvBits[]): RsvBits {
  let messageStart = 0;
  let continuation = 0;
  let control = 0;
  for (const use of uses) {
    messageStart |= use.messageStart;
    continuation |= use.continuation;
    control |= use.control;
  }
  return { messageStart, continuation, control };
}

/** @internal Whether two extensions want a bit in common (RFC 6455 §9: they could not tell their frames apart). */
export function rsvOverlap(a: RsvBits, b: RsvBits): boolean {
  return ((a.messageStart | a.continuation | a.control) & (b.messageStart | b.continuation | b.control)) !== 0;
}
