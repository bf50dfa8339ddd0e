import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameSerializer } from "../../src/protocol/frame-serializer.js";
import { ACCOUNT_BYTES, ARENA_MIN_PAYLOAD, ArenaAccount, arenaFramesLent } from "../../src/protocol/mask-arena.js";
import { hasWasmSimd } from "../../src/protocol/masking.js";
import { Frame } from "../../src/protocol/frame.js";
import { concatBytes, decodeFrames, patternBytes } from "../helpers/frames.js";

// The serializer with an arena account is what a client's socket uses, one account per connection;
// decodeFrames (the test helper, an independent decoder) checks every frame's bytes and unmasks them itself.

function serialize(frames: readonly Frame[], account = new ArenaAccount()): { chunks: Uint8Array[]; lent: number; account: ArenaAccount } {
  const chunks: Uint8Array[] = [];
  const lent = new FrameSerializer({ mask: true, arena: account }).serialize(frames, chunks);
  return { chunks, lent, account };
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: bytes differ`);
}

test("large frames are built in the arena, masked with a key of their own, and decode to the payload", { skip: !hasWasmSimd }, () => {
  const sizes = [ARENA_MIN_PAYLOAD, 65536, 65536 + 3, 200_003];
  const payloads = sizes.map((size, i) => patternBytes(size, i + 1));
  const { chunks, lent, account } = serialize(payloads.map((p) => new Frame.Binary(p)));
  assert.equal(lent, sizes.length);
  assert.equal(account.framesLent, sizes.length);
  assert.equal(arenaFramesLent(), sizes.length);
  const decoded = decodeFrames(concatBytes(chunks));
  assert.equal(decoded.length, sizes.length);
  decoded.forEach((frame, i) => {
    assert.notEqual(frame.maskKey, null);
    sameBytes(frame.payload, payloads[i], `frame ${i}`);
  });
  assert.equal(new Set(decoded.map((f) => Buffer.from(f.maskKey!).toString("hex"))).size, sizes.length, "a fresh key per frame");
  // The caller's bytes are never changed.
  payloads.forEach((p, i) => sameBytes(p, patternBytes(sizes[i], i + 1), `source ${i}`));
  account.giveBack(lent);
  assert.equal(arenaFramesLent(), 0);
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
  const { chunks, lent, account } = serialize(frames);
  assert.equal(lent, 2);
  account.giveBack(lent);
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

test("a connection at its share sends the rest the ordinary way, and giving back frees its room", { skip: !hasWasmSimd }, () => {
  const payloads = Array.from({ length: 20 }, (_, i) => patternBytes(100_000, 100 + i)); // 2 MB > one share
  const { chunks, lent, account } = serialize(payloads.map((p) => new Frame.Binary(p)));
  assert.ok(lent > 0 && lent < payloads.length, `some frames in the arena, not all (${lent})`);
  assert.ok(lent * 100_000 <= ACCOUNT_BYTES, "no more than its share");
  decodeFrames(concatBytes(chunks)).forEach((frame, i) => sameBytes(frame.payload, payloads[i], `frame ${i}`));

  // While its frames are lent, the same connection gets no more room; once given back, it does.
  const held = serialize([new Frame.Binary(patternBytes(100_000, 1))], account);
  assert.equal(held.lent, 0, "no room while the first batch is out");
  sameBytes(decodeFrames(concatBytes(chunks))[0].payload, payloads[0], "first batch intact while lent");
  account.giveBack(lent);
  assert.equal(account.framesLent, 0);
  const again = serialize([new Frame.Binary(patternBytes(100_000, 2))], account);
  assert.equal(again.lent, 1);
  sameBytes(decodeFrames(concatBytes(again.chunks))[0].payload, patternBytes(100_000, 2), "after return");
  account.giveBack(1);
});

test("a connection that keeps its frames lent leaves the arena's fast path to every other connection", { skip: !hasWasmSimd }, () => {
  const batch = (seed: number): Frame[] => Array.from({ length: 16 }, (_, i) => new Frame.Binary(patternBytes(64 * 1024, seed + i)));
  // A stalled connection: a peer that does not read, so nothing it wrote is ever given back.
  const stalled = serialize(batch(1));
  const stalledAgain = serialize(batch(50), stalled.account);
  assert.ok(stalled.lent >= 15, `the stalled connection had its share (${stalled.lent})`);
  assert.equal(stalledAgain.lent, 0, "and gets no more while it holds it");
  // Other connections keep building their large frames in the arena, batch after batch (each given
  // back once written, as on a healthy connection).
  for (let round = 0; round < 4; round++) {
    const other = serialize(batch(100 * round));
    assert.equal(other.lent, stalled.lent, `round ${round}: another connection's batch is in the arena too`);
    decodeFrames(concatBytes(other.chunks)).forEach((frame, i) => sameBytes(frame.payload, patternBytes(64 * 1024, 100 * round + i), `round ${round} frame ${i}`));
    other.account.giveBack(other.lent);
  }
  // The stalled connection's bytes were never overwritten meanwhile.
  decodeFrames(concatBytes(stalled.chunks)).forEach((frame, i) => sameBytes(frame.payload, patternBytes(64 * 1024, 1 + i), `stalled frame ${i}`));
  stalled.account.giveBack(stalled.lent);
  assert.equal(arenaFramesLent(), 0);
});

test("room given back out of order between connections is reused", { skip: !hasWasmSimd }, () => {
  assert.equal(arenaFramesLent(), 0);
  // Four frames of 500,000 bytes take 4 × 500,096 = 2,000,384 bytes of the 2 MiB arena: after them
  // only 96,768 bytes are free, so a fifth such frame fits only where one was given back.
  const frame = (seed: number): Frame => new Frame.Binary(patternBytes(500_000, seed));
  const [a, b, c, d] = [1, 2, 3, 4].map((seed) => serialize([frame(seed)]));
  assert.deepEqual([a.lent, b.lent, c.lent, d.lent], [1, 1, 1, 1]);
  const full = serialize([frame(9)]);
  assert.equal(arenaFramesLent(), 4, "the arena is full: a fifth frame is built elsewhere");
  full.account.giveBack(full.lent);
  const freed = b.chunks[0].byteOffset;
  b.account.giveBack(1); // a gap in the middle of the arena
  const e = serialize([frame(5)]);
  assert.equal(e.lent, 1, "the frame is built in the gap");
  assert.equal(e.chunks[0].byteOffset, freed);
  for (const [run, seed] of [[a, 1], [c, 3], [d, 4], [e, 5]] as const) {
    sameBytes(decodeFrames(concatBytes(run.chunks))[0].payload, patternBytes(500_000, seed), `frame ${seed}`);
  }
  for (const run of [a, c, d, e]) run.account.giveBack(run.lent);
  assert.equal(arenaFramesLent(), 0);
});

test("an account gives back its oldest frames first, and keeps lending from what it still holds", { skip: !hasWasmSimd }, () => {
  assert.equal(arenaFramesLent(), 0);
  const frame = (seed: number): Frame => new Frame.Binary(patternBytes(100_000, seed));
  const account = new ArenaAccount();
  const runs = [1, 2, 3].map((seed) => serialize([frame(seed)], account));
  assert.equal(account.framesLent, 3);
  const offsets = runs.map((run) => run.chunks[0].byteOffset);
  account.giveBack(1);
  assert.equal(account.framesLent, 2);
  // The oldest frame's room is free again: another connection's frame of the same size lands there.
  const other = serialize([frame(9)]);
  assert.equal(other.chunks[0].byteOffset, offsets[0]);
  other.account.giveBack(1);
  account.giveBack(1);
  assert.equal(account.framesLent, 1);
  const later = [4, 5].map((seed) => serialize([frame(seed)], account));
  assert.equal(account.framesLent, 3);
  for (const [run, seed] of [[runs[2], 3], [later[0], 4], [later[1], 5]] as const) {
    sameBytes(decodeFrames(concatBytes(run.chunks))[0].payload, patternBytes(100_000, seed), `frame ${seed}`);
  }
  account.giveBack(3);
  assert.equal(account.framesLent, 0);
  assert.equal(arenaFramesLent(), 0);
});

test("without the arena option nothing is lent", () => {
  const chunks: Uint8Array[] = [];
  const lent = new FrameSerializer({ mask: true }).serialize([new Frame.Binary(patternBytes(65536, 3))], chunks);
  assert.equal(lent, 0);
  assert.equal(arenaFramesLent(), 0);
  sameBytes(decodeFrames(concatBytes(chunks))[0].payload, patternBytes(65536, 3), "ordinary path");
});
