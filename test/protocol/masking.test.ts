import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mask, unmask, maskJs, maskWasm, hasWasmSimd } from "../../src/protocol/masking.js";

type MaskFn = typeof mask;
type MaskingModule = typeof import("../../src/protocol/masking.js");

/** The obvious definition, to compare against. */
function referenceMask(
  source: Uint8Array,
  sourceOffset: number,
  key: Uint8Array,
  keyOffset: number,
  target: Uint8Array,
  targetOffset: number,
  length: number,
  keyPhase = 0,
): void {
  for (let i = 0; i < length; i++) {
    target[targetOffset + i] = source[sourceOffset + i] ^ key[keyOffset + ((keyPhase + i) % 4)];
  }
}

const paths: ReadonlyArray<readonly [string, MaskFn]> = [
  ["mask", mask],
  ["maskJs", maskJs],
  ["maskWasm", maskWasm],
];

function randomBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap, deterministic, good enough to make every byte differ.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x;
  }
  return bytes;
}

/** A view starting `shift` bytes into its ArrayBuffer, so Uint32 alignment differs between cases. */
function shiftedView(bytes: Uint8Array, shift: number): Uint8Array {
  const view = new Uint8Array(bytes.length + shift).subarray(shift);
  view.set(bytes);
  return view;
}

test("wasm SIMD kernel loads on Node 20", () => {
  assert.equal(hasWasmSimd, true);
});

test("RFC 6455 §5.7 example: masked \"Hello\"", () => {
  const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
  const hello = new TextEncoder().encode("Hello");
  const expected = Uint8Array.of(0x7f, 0x9f, 0x4d, 0x51, 0x58);
  for (const [name, fn] of paths) {
    const out = new Uint8Array(5);
    fn(hello, 0, key, 0, out, 0, 5);
    assert.deepEqual(out, expected, name);
  }
  const inPlace = hello.slice();
  unmask(inPlace, 0, 5, key, 0);
  assert.deepEqual(inPlace, expected);
});

test("length 0 writes nothing, even at the very end of the buffers", () => {
  const key = Uint8Array.of(1, 2, 3, 4);
  for (const [name, fn] of paths) {
    const source = Uint8Array.of(9, 9, 9);
    const target = Uint8Array.of(5, 5, 5);
    fn(source, 3, key, 0, target, 3, 0);
    fn(source, 1, key, 0, target, 2, 0);
    assert.deepEqual(target, Uint8Array.of(5, 5, 5), name);
  }
  const empty = new Uint8Array(0);
  unmask(empty, 0, 0, key, 0);
});

test("matches the reference for every length around the thresholds, offsets, key offsets and phases", () => {
  const lengths = [
    ...Array.from({ length: 300 }, (_, i) => i),
    511, 512, 513, 1023, 1024, 1025, 4095, 4097,
  ];
  const keyBuffer = randomBytes(8, 7);
  for (const [name, fn] of paths) {
    for (const length of lengths) {
      const sourceOffset = length % 5;
      const targetOffset = (length * 7) % 6;
      const keyOffset = length % 5;
      const keyPhase = length % 4;
      const source = randomBytes(length + 8, length + 1);
      const expected = randomBytes(length + 8, length + 2);
      const actual = expected.slice();
      referenceMask(source, sourceOffset, keyBuffer, keyOffset, expected, targetOffset, length, keyPhase);
      fn(source, sourceOffset, keyBuffer, keyOffset, actual, targetOffset, length, keyPhase);
      assert.deepEqual(actual, expected, `${name} length ${length}`);
    }
  }
});

test("property: every path equals the reference byte loop (random lengths, offsets, alignments, phases)", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.nat({ max: 9 }), // source offset within the view
      fc.nat({ max: 9 }), // target offset within the view
      fc.nat({ max: 7 }), // source view's byteOffset
      fc.nat({ max: 7 }), // target view's byteOffset
      fc.nat({ max: 5 }), // key offset
      fc.nat({ max: 3 }), // key phase
      fc.nat({ max: 32 }), // bytes dropped from the end of the payload
      (payload, keyBytes, sourceOffset, targetOffset, sourceShift, targetShift, keyOffset, keyPhase, drop) => {
        const length = Math.max(0, payload.length - drop);
        const source = shiftedView(new Uint8Array(sourceOffset + payload.length).fill(0xaa), sourceShift);
        source.set(payload, sourceOffset);
        const key = new Uint8Array(keyOffset + 4 + 3).fill(0xee);
        key.set(keyBytes, keyOffset);
        const background = shiftedView(randomBytes(targetOffset + length + 5, length + 3), targetShift);
        const expected = background.slice();
        referenceMask(source, sourceOffset, key, keyOffset, expected, targetOffset, length, keyPhase);
        for (const [name, fn] of paths) {
          const actual = shiftedView(background, targetShift);
          fn(source, sourceOffset, key, keyOffset, actual, targetOffset, length, keyPhase);
          assert.deepEqual(actual, expected, name);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test("property: in place (source === target, same offset) equals the reference", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 3000 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.nat({ max: 9 }),
      fc.nat({ max: 7 }),
      fc.nat({ max: 3 }),
      (payload, key, offset, shift, keyPhase) => {
        const original = shiftedView(new Uint8Array(offset + payload.length + 3), shift);
        original.set(payload, offset);
        const expected = original.slice();
        referenceMask(original, offset, key, 0, expected, offset, payload.length, keyPhase);
        for (const [name, fn] of paths) {
          const buffer = shiftedView(original, shift);
          fn(buffer, offset, key, 0, buffer, offset, payload.length, keyPhase);
          assert.deepEqual(buffer, expected, name);
        }
        const buffer = shiftedView(original, shift);
        unmask(buffer, offset, payload.length, key, 0, keyPhase);
        assert.deepEqual(buffer, expected, "unmask");
      },
    ),
    { numRuns: 200 },
  );
});

test("property: unmask(mask(x)) === x", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 5000 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.nat({ max: 3 }),
      fc.nat({ max: 3 }),
      (payload, key, targetOffset, keyPhase) => {
        const framed = new Uint8Array(targetOffset + payload.length);
        mask(payload, 0, key, 0, framed, targetOffset, payload.length, keyPhase);
        unmask(framed, targetOffset, payload.length, key, 0, keyPhase);
        assert.deepEqual(framed.subarray(targetOffset), payload);
      },
    ),
    { numRuns: 200 },
  );
});

test("property: masking in pieces with keyPhase = bytes done % 4 equals masking in one go", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 2000 }),
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.array(fc.nat({ max: 700 }), { maxLength: 6 }),
      (payload, key, cuts) => {
        const whole = payload.slice();
        unmask(whole, 0, whole.length, key, 0);
        const pieces = payload.slice();
        const points = [...new Set([0, ...cuts.map((c) => Math.min(c, payload.length)), payload.length])].sort((a, b) => a - b);
        for (let i = 0; i + 1 < points.length; i++) {
          unmask(pieces, points[i], points[i + 1] - points[i], key, 0, points[i] % 4);
        }
        assert.deepEqual(pieces, whole);
      },
    ),
    { numRuns: 200 },
  );
});

test("key read from the target buffer just before the payload (frame serializer layout)", () => {
  for (const [name, fn] of paths) {
    for (const length of [5, 100, 300, 70000]) {
      const payload = randomBytes(length, length);
      const frame = new Uint8Array(6 + length);
      frame.set(Uint8Array.of(0x81, 0xfe, 0xde, 0xad, 0xbe, 0xef), 0);
      const expected = new Uint8Array(length);
      referenceMask(payload, 0, frame, 2, expected, 0, length);
      fn(payload, 0, frame, 2, frame, 6, length);
      assert.deepEqual(frame.subarray(6), expected, `${name} ${length}`);
      // Serializer's in-place variant: payload already copied behind the key.
      frame.set(payload, 6);
      fn(frame, 6, frame, 2, frame, 6, length);
      assert.deepEqual(frame.subarray(6), expected, `${name} ${length} in place`);
    }
  }
});

test("wasm chunk boundaries and 16 MiB", () => {
  const key = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  for (const length of [65535, 65536, 65537, 65536 * 2 + 13, 16 * 1024 * 1024, 16 * 1024 * 1024 + 3]) {
    const source = randomBytes(length + 1, length);
    const expected = new Uint8Array(length + 2);
    referenceMask(source, 1, key, 0, expected, 2, length, 3);
    for (const [name, fn] of paths) {
      const actual = new Uint8Array(length + 2);
      fn(source, 1, key, 0, actual, 2, length, 3);
      assert.ok(Buffer.compare(actual, expected) === 0, `${name} ${length}`);
    }
    const inPlace = source.slice();
    unmask(inPlace, 1, length, key, 0, 3);
    assert.ok(Buffer.compare(inPlace.subarray(1), expected.subarray(2)) === 0, `unmask ${length}`);
  }
});

test("out-of-range or non-integer arguments throw RangeError and write nothing", () => {
  const key = Uint8Array.of(1, 2, 3, 4);
  for (const [name, fn] of paths) {
    const source = new Uint8Array(300);
    const target = new Uint8Array(300);
    const bad: Array<Parameters<MaskFn>> = [
      [source, 1, key, 0, target, 0, 300],
      [source, 0, key, 0, target, 1, 300],
      [source, 0, key, 1, target, 0, 10],
      [source, -1, key, 0, target, 0, 10],
      [source, 0, key, 0, target, 0, -1],
      [source, 0.5, key, 0, target, 0, 10],
      [source, 0, key, 0, target, 0, Number.NaN],
      [source, 0, key, 0, target, 0, 200.5],
    ];
    for (const args of bad) {
      assert.throws(() => fn(...args), RangeError, `${name} ${args.slice(1).join(",")}`);
      assert.ok(target.every((b) => b === 0), name);
    }
  }
  assert.throws(() => unmask(new Uint8Array(4), 2, 3, key, 0), RangeError);
});

test("falls back to the JS path silently when WebAssembly is missing or lacks SIMD", async () => {
  const url = new URL("../../src/protocol/masking.js", import.meta.url);
  const global = globalThis as { WebAssembly?: unknown };
  const real = global.WebAssembly;
  const noSimd: unknown = Object.assign(Object.create(real as object) as object, { validate: () => false });
  for (const [label, replacement] of [["missing", undefined], ["no SIMD", noSimd]] as const) {
    let fresh: MaskingModule;
    global.WebAssembly = replacement;
    try {
      // A distinct query string gives a fresh module instance, which runs its load-time probe again.
      fresh = (await import(`${url.href}?fallback=${encodeURIComponent(label)}`)) as MaskingModule;
    } finally {
      global.WebAssembly = real;
    }
    assert.equal(fresh.hasWasmSimd, false, label);
    for (const length of [0, 3, 127, 128, 1000, 70000]) {
      const source = randomBytes(length + 1, length + 9);
      const key = Uint8Array.of(9, 8, 7, 6);
      const expected = new Uint8Array(length + 3);
      referenceMask(source, 1, key, 0, expected, 3, length, 1);
      for (const fn of [fresh.mask, fresh.maskWasm]) {
        const actual = new Uint8Array(length + 3);
        fn(source, 1, key, 0, actual, 3, length, 1);
        assert.deepEqual(actual, expected, `${label} ${length}`);
      }
    }
  }
});
