// RSV bits per kind of frame in the parser, as negotiated extensions declare them (RFC 6455 §5.2, RFC 7692 §6).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { FrameParser, RSV1, RSV2, RSV3 } from "../../src/protocol/frame-parser.js";
import { FrameType, ProtocolViolationError } from "../../src/index.js";
import { Buffer } from "node:buffer";
import { DEFLATE_RSV } from "../../src/extensions/permessage-deflate/deflate-codec.js";
import { combineRsv, rsvOverlap, NO_RSV } from "../../src/extensions/rsv.js";
import { encodeWireFrame } from "./helpers.js";

function parse(allowedRsv: ConstructorParameters<typeof FrameParser>[0]["allowedRsv"], ...frames: Parameters<typeof encodeWireFrame>[0][]): unknown[] {
  const parser = new FrameParser({ expectMasked: false, maxFrameSize: 1 << 20, allowedRsv });
  for (const frame of frames) parser.push(encodeWireFrame(frame, false));
  const out: unknown[] = [];
  try {
    for (let frame = parser.next(); frame !== null; frame = parser.next()) out.push([frame.frameType, frame.rsv1]);
  } catch (error) {
    out.push(error);
  }
  return out;
}

/** What the parser made of each frame: its type, fin, RSV bits and payload (as text). */
function parseFrames(allowedRsv: number, ...frames: Parameters<typeof encodeWireFrame>[0][]): unknown[] {
  const parser = new FrameParser({ expectMasked: false, maxFrameSize: 1 << 20, allowedRsv });
  for (const frame of frames) parser.push(encodeWireFrame(frame, false));
  const out: unknown[] = [];
  for (let frame = parser.next(); frame !== null; frame = parser.next()) {
    out.push({ type: frame.frameType, fin: frame.fin, rsv: [frame.rsv1, frame.rsv2, frame.rsv3], payload: Buffer.from(frame.data).toString() });
  }
  return out;
}

describe("RSV bits by kind of frame", () => {
  test("deflate's bits: RSV1 on a message's first frame only", () => {
    assert.deepEqual(parse(DEFLATE_RSV, { opcode: 1, payload: "a", rsv: RSV1, fin: false }, { opcode: 0, payload: "b" }), [
      [1, true],
      [1, false],
    ]);
  });

  for (const [name, frames, kind] of [
    ["a continuation", [{ opcode: 1, payload: "a", rsv: RSV1, fin: false }, { opcode: 0, payload: "b", rsv: RSV1 }], /continuation frame/],
    ["a ping", [{ opcode: 9, payload: "p", rsv: RSV1 }], /control frame/],
    ["a close", [{ opcode: 8, rsv: RSV1 }], /control frame/],
    ["a first frame, RSV2", [{ opcode: 2, payload: "x", rsv: RSV2 }], /first frame of a message/],
  ] as const) {
    test(`deflate's bits: RSV on ${name} fails with 1002`, () => {
      const result = parse(DEFLATE_RSV, ...frames);
      const error = result[result.length - 1];
      assert.ok(error instanceof ProtocolViolationError, String(error));
      assert.equal(error.closeCode, 1002);
      assert.match(error.message, kind);
    });
  }

  test("nothing negotiated: any RSV bit fails with the message it always had", () => {
    for (const allowed of [undefined, 0, NO_RSV]) {
      const [error] = parse(allowed, { opcode: 1, payload: "a", rsv: RSV1 });
      assert.ok(error instanceof ProtocolViolationError);
      assert.match(error.message, /without a negotiated extension/);
    }
  });

  // Control frames are accepted with allowed bits, but the frame model has no RSV bits for them
  // (Frame.Ping, Frame.Pong and Frame.Close take none), so they arrive without.
  test("a single number still allows its bits on every kind of frame; data frames keep their bits, every frame its payload", () => {
    const frames = parseFrames(
      RSV1 | RSV3,
      { opcode: 9, payload: "p", rsv: RSV1 },
      { opcode: 1, payload: "ab", rsv: RSV3, fin: false },
      { opcode: 0, payload: "cd", rsv: RSV1 | RSV3 },
      { opcode: 10, payload: "" },
    );
    assert.deepEqual(frames, [
      { type: FrameType.PING, fin: true, rsv: [false, false, false], payload: "p" },
      { type: FrameType.TEXT, fin: false, rsv: [false, false, true], payload: "ab" },
      { type: FrameType.TEXT, fin: true, rsv: [true, false, true], payload: "cd" },
      { type: FrameType.PONG, fin: true, rsv: [false, false, false], payload: "" },
    ]);
  });

  test("a bit outside the number still fails, after the frames before it", () => {
    const result = parse(RSV1, { opcode: 2, payload: "ok", rsv: RSV1 }, { opcode: 2, payload: "no", rsv: RSV2 });
    assert.deepEqual(result[0], [FrameType.BINARY, true]);
    assert.ok(result[1] instanceof ProtocolViolationError);
    assert.equal(result[1].closeCode, 1002);
  });

  test("combining and clashes", () => {
    const other = { messageStart: RSV2, continuation: RSV2, control: 0 };
    assert.deepEqual(combineRsv([DEFLATE_RSV, other]), { messageStart: RSV1 | RSV2, continuation: RSV2, control: 0 });
    assert.equal(rsvOverlap(DEFLATE_RSV, other), false);
    assert.equal(rsvOverlap(DEFLATE_RSV, { messageStart: 0, continuation: 0, control: RSV1 }), true);
  });
});
