import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { FrameSerializer } from "../../src/protocol/frame-serializer.js";
import { ARENA_MIN_PAYLOAD, arenaBatchesLent, returnArena } from "../../src/protocol/mask-arena.js";
import { hasWasmSimd } from "../../src/protocol/masking.js";
import { Frame } from "../../src/protocol/frame.js";
import { concatBytes, decodeFrames, patternBytes } from "../helpers/frames.js";

// The serializer with the arena is what a client's socket uses; decodeFrames (the test helper, an
// independent decoder) checks every frame's bytes and unmasks them itself.

afterEach(() => returnArena(arenaBatchesLent()));

function serialize(frames: readonly Frame[]): { chunks: Uint8Array[]; lent: number } {
  const chunks: Uint8Array[] = [];
  const lent = new FrameSerializer({ mask: true, arena: true }).serialize(frames, chunks);
  return { chunks, lent };
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: bytes differ`);
}

test("large frames are built in the arena, masked with a key of their own, and decode to the payload", { skip: !hasWasmSimd }, () => {
  const sizes = [ARENA_MIN_PAYLOAD, 65536, 65536 + 3, 200_003];
  const payloads = sizes.map((size, i) => patternBytes(size, i + 1));
  const { chunks, lent } = serialize(payloads.map((p) => new Frame.Binary(p)));
  assert.equal(lent, sizes.length);
  assert.equal(arenaBatchesLent(), sizes.length);
  const decoded = decodeFrames(concatBytes(chunks));
  assert.equal(decoded.length, sizes.length);
  decoded.forEach((frame, i) => {
    assert.notEqual(frame.maskKey, null);
    sameBytes(frame.payload, payloads[i], `frame ${i}`);
  });
  assert.equal(new Set(decoded.map((f) => Buffer.from(f.maskKey!).toString("hex"))).size, sizes.length, "a fresh key per frame");
  // The caller's bytes are never changed.
  payloads.forEach((p, i) => sameBytes(p, patternBytes(sizes[i], i + 1), `source ${i}`));
});

test("small and large frames interleave in order; text is encoded straight into the arena", { skip: !hasWasmSimd }, () => {
  const big = "é".repeat(20_000) + "x"; // 40,001 UTF-8 bytes, never encoded before
  const frames = [
    new Frame.Text("a"),
    new Frame.Binary(false, patternBytes(70_000, 7)),
    new Frame.Ping(new Uint8Array([1, 2])),
    new Frame.Binary(true, patternBytes(100, 8)), // continuation, small
    new Frame.Text(big),
    new Frame.Binary(patternBytes(300, 9)),
  ];
  const { chunks, lent } = serialize(frames);
  assert.equal(lent, 2);
  const decoded = decodeFrames(concatBytes(chunks));
  assert.deepEqual(
    decoded.map((f) => [f.opcode, f.fin, f.payload.length]),
    [
      [1, true, 1],
      [2, false, 70_000],
      [9, true, 2],
      [0, true, 100],
      [1, true, 40_001],
      [2, true, 300],
    ],
  );
  sameBytes(decoded[1].payload, patternBytes(70_000, 7), "fragment");
  assert.equal(Buffer.from(decoded[4].payload).toString("utf8"), big);
});

test("a full arena sends the rest the ordinary way, and giving back frees it all", { skip: !hasWasmSimd }, () => {
  const payloads = Array.from({ length: 20 }, (_, i) => patternBytes(100_000, 100 + i)); // 2 MB > the arena
  const { chunks, lent } = serialize(payloads.map((p) => new Frame.Binary(p)));
  assert.ok(lent > 0 && lent < payloads.length, `some frames in the arena, not all (${lent})`);
  decodeFrames(concatBytes(chunks)).forEach((frame, i) => sameBytes(frame.payload, payloads[i], `frame ${i}`));

  // While lent, another batch cannot reuse those bytes; once given back, the arena starts over.
  const held = serialize([new Frame.Binary(patternBytes(100_000, 1))]);
  assert.equal(held.lent, 0, "no room while the first batch is out");
  sameBytes(decodeFrames(concatBytes(chunks))[0].payload, payloads[0], "first batch intact while lent");
  returnArena(lent);
  const again = serialize([new Frame.Binary(patternBytes(100_000, 2))]);
  assert.equal(again.lent, 1);
  sameBytes(decodeFrames(concatBytes(again.chunks))[0].payload, patternBytes(100_000, 2), "after return");
});

test("without the arena option nothing is lent", () => {
  const chunks: Uint8Array[] = [];
  const lent = new FrameSerializer({ mask: true }).serialize([new Frame.Binary(patternBytes(65536, 3))], chunks);
  assert.equal(lent, 0);
  assert.equal(arenaBatchesLent(), 0);
  sameBytes(decodeFrames(concatBytes(chunks))[0].payload, patternBytes(65536, 3), "ordinary path");
});
