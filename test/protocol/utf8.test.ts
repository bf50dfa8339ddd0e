import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Utf8Validator,
  decodeUtf8,
  encodeUtf8,
  isValidUtf8,
  useNativeUtf8Check,
  utf8Length,
} from "../../src/protocol/utf8.js";
import { installNativeUtf8 } from "../../src/protocol/utf8-node.js";

type Utf8Module = typeof import("../../src/protocol/utf8.js");

// A second instance of the module loaded with no global Buffer, as in a browser: its encode and
// length use the TextEncoder / char-code paths, and no native check is ever registered on it.
const browser = await loadWithoutBuffer();

async function loadWithoutBuffer(): Promise<Utf8Module> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "Buffer");
  assert.ok(descriptor, "globalThis.Buffer is expected under Node");
  assert.ok(Reflect.deleteProperty(globalThis, "Buffer"));
  try {
    const url = new URL("../../src/protocol/utf8.js?no-buffer", import.meta.url).href;
    return (await import(url)) as Utf8Module;
  } finally {
    Object.defineProperty(globalThis, "Buffer", descriptor);
  }
}

/** The validator paths under test: pure JS, and Node's `buffer.isUtf8` registered by utf8-node. */
const paths = [
  { name: "js", use: () => useNativeUtf8Check(null) },
  { name: "native", use: installNativeUtf8 },
] as const;

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const ascii = (length: number): Uint8Array => new Uint8Array(length).fill(0x61);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A copy of `data` that starts `offset` bytes into its ArrayBuffer, to vary alignment. */
function atOffset(data: Uint8Array, offset: number): Uint8Array {
  const backing = new Uint8Array(offset + data.length + 3).fill(0xff);
  backing.set(data, offset);
  return backing.subarray(offset, offset + data.length);
}

/** `referenceValid` for inputs of at most 4 bytes, remembered (throwing is slow; both paths reuse it). */
const shortReference = new Map<number, boolean>();
function referenceValidShort(data: Uint8Array): boolean {
  let key = data.length;
  for (const b of data) key = key * 256 + b;
  let valid = shortReference.get(key);
  if (valid === undefined) shortReference.set(key, (valid = referenceValid(data)));
  return valid;
}

/** Reference: WHATWG's fatal decoder, which rejects at the first byte that cannot continue UTF-8. */
function referenceValid(data: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reference for pieces: the index of the first piece after which the bytes so far are no longer a
 * prefix of valid UTF-8 (-1 if none), and whether the whole ends on a code point boundary.
 */
function referencePieces(pieces: Uint8Array[]): { firstBad: number; complete: boolean } {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let k = 0; k < pieces.length; k++) {
    try {
      decoder.decode(pieces[k], { stream: true });
    } catch {
      return { firstBad: k, complete: false };
    }
  }
  try {
    decoder.decode();
    return { firstBad: -1, complete: true };
  } catch {
    return { firstBad: -1, complete: false };
  }
}

/** Independent prefix oracle: valid, or completable by 1-3 more bytes (80, 90 and A0 meet every range). */
function completablePrefix(data: Uint8Array): boolean {
  if (referenceValid(data)) return true;
  const fills = [0x80, 0x90, 0xa0];
  for (let extra = 1; extra <= 3; extra++) {
    for (let combo = 0; combo < 3 ** extra; combo++) {
      const tail = new Uint8Array(extra);
      for (let j = 0, c = combo; j < extra; j++, c = Math.floor(c / 3)) tail[j] = fills[c % 3];
      if (referenceValid(concat(data, tail))) return true;
    }
  }
  return false;
}

/** Splits `data` (as views into it, not copies) at the given cut points. */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    pieces.push(data.subarray(from, p));
    from = p;
  }
  pieces.push(data.subarray(from));
  return pieces;
}

/** Feeds pieces and checks fail-fast against the reference; returns nothing, asserts everything. */
function checkPieces(validator: Utf8Validator, pieces: Uint8Array[]): void {
  const ref = referencePieces(pieces);
  validator.reset();
  for (let k = 0; k < pieces.length; k++) {
    const ok = validator.push(pieces[k]);
    const label = `piece ${k} of [${pieces.map(hex).join(" | ")}]`;
    if (k === ref.firstBad) {
      assert.equal(ok, false, `must fail at ${label}`);
      assert.equal(validator.push(bytes(0x61)), false, "failure must stick until reset");
      assert.equal(validator.complete, false);
      return;
    }
    assert.equal(ok, true, `must accept ${label}`);
  }
  assert.equal(validator.complete, ref.complete, `complete for [${pieces.map(hex).join(" | ")}]`);
}

// Every class of invalid input, each as the whole buffer.
const invalid: Record<string, number[][]> = {
  "overlong 2-byte (C0, C1 leads)": [[0xc0, 0x80], [0xc0, 0xaf], [0xc1, 0xbf]],
  "overlong 3-byte (E0 80..9F)": [[0xe0, 0x80, 0x80], [0xe0, 0x80, 0xaf], [0xe0, 0x9f, 0xbf]],
  "overlong 4-byte (F0 80..8F)": [[0xf0, 0x80, 0x80, 0x80], [0xf0, 0x80, 0x80, 0xaf], [0xf0, 0x8f, 0xbf, 0xbf]],
  "surrogates (ED A0..BF)": [[0xed, 0xa0, 0x80], [0xed, 0xad, 0xbf], [0xed, 0xae, 0x80], [0xed, 0xbf, 0xbf]],
  "surrogate pair encoded as two 3-byte forms": [[0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
  "above U+10FFFF (F4 90+)": [[0xf4, 0x90, 0x80, 0x80], [0xf4, 0xbf, 0xbf, 0xbf]],
  "bytes F5..FF": [[0xf5, 0x80, 0x80, 0x80], [0xf7, 0xbf, 0xbf, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfc], [0xfe], [0xff]],
  "lone continuation bytes": [[0x80], [0xbf], [0x61, 0x80], [0xc3, 0xa9, 0xa9], [0xe2, 0x82, 0xac, 0x80]],
  "lead followed by a non-continuation": [[0xc3, 0x61], [0xe2, 0x28, 0xa1], [0xe2, 0x82, 0x28], [0xf0, 0x90, 0x28, 0xbc], [0xc3, 0xc3, 0xa9]],
  "truncated sequences": [[0xc3], [0xe2], [0xe2, 0x82], [0xf0], [0xf0, 0x9f], [0xf0, 0x9f, 0x98], [0x61, 0xf4, 0x8f, 0xbf]],
};

// Edge code points with their exact encodings.
const valid: [number, number[]][] = [
  [0x00, [0x00]],
  [0x7f, [0x7f]],
  [0x80, [0xc2, 0x80]],
  [0x7ff, [0xdf, 0xbf]],
  [0x800, [0xe0, 0xa0, 0x80]],
  [0xd7ff, [0xed, 0x9f, 0xbf]],
  [0xe000, [0xee, 0x80, 0x80]],
  [0xfeff, [0xef, 0xbb, 0xbf]],
  [0xfffd, [0xef, 0xbf, 0xbd]],
  [0xffff, [0xef, 0xbf, 0xbf]],
  [0x10000, [0xf0, 0x90, 0x80, 0x80]],
  [0x3ffff, [0xf0, 0xbf, 0xbf, 0xbf]],
  [0x40000, [0xf1, 0x80, 0x80, 0x80]],
  [0xfffff, [0xf3, 0xbf, 0xbf, 0xbf]],
  [0x100000, [0xf4, 0x80, 0x80, 0x80]],
  [0x10ffff, [0xf4, 0x8f, 0xbf, 0xbf]],
];

test("test setup: the reference agrees with the exact encodings and rejects every invalid case", () => {
  for (const [cp, encoded] of valid) {
    assert.deepEqual(new TextEncoder().encode(String.fromCodePoint(cp)), bytes(...encoded), `U+${cp.toString(16)}`);
    assert.ok(referenceValid(bytes(...encoded)));
  }
  for (const cases of Object.values(invalid)) for (const c of cases) assert.ok(!referenceValid(bytes(...c)), hex(bytes(...c)));
});

for (const path of paths) {
  test(`isValidUtf8 rejects every invalid class, alone and inside long text (${path.name})`, () => {
    path.use();
    for (const [name, cases] of Object.entries(invalid)) {
      for (const c of cases) {
        const bad = bytes(...c);
        // Short inputs take the JS loop; padded ones reach the native check and the word scan.
        for (const data of [bad, concat(ascii(200), bad), concat(ascii(37), bad, ascii(150))]) {
          for (const offset of [0, 1, 2, 3]) {
            assert.equal(isValidUtf8(atOffset(data, offset)), false, `${name}: ${hex(bad)} (len ${data.length}, offset ${offset})`);
          }
        }
      }
    }
  });

  test(`isValidUtf8 accepts the edge code points, alone and inside long text (${path.name})`, () => {
    path.use();
    assert.equal(isValidUtf8(new Uint8Array(0)), true);
    const all: Uint8Array[] = [];
    for (const [cp, encoded] of valid) {
      const good = bytes(...encoded);
      all.push(good);
      for (const data of [good, concat(ascii(200), good), concat(good, ascii(200)), concat(ascii(33), good, ascii(160))]) {
        for (const offset of [0, 1, 2, 3]) {
          assert.equal(isValidUtf8(atOffset(data, offset)), true, `U+${cp.toString(16)} (len ${data.length}, offset ${offset})`);
        }
      }
    }
    assert.equal(isValidUtf8(concat(...all)), true);
    assert.equal(isValidUtf8(Buffer.from("héllo wörld — 日本語 🙂")), true);
  });

  test(`isValidUtf8 agrees with the reference on all 1- and 2-byte inputs and sampled 3-/4-byte inputs (${path.name})`, () => {
    path.use();
    const one = new Uint8Array(1);
    for (let a = 0; a < 256; a++) {
      one[0] = a;
      assert.equal(isValidUtf8(one), referenceValidShort(one), hex(one));
    }
    const two = new Uint8Array(2);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        two[0] = a;
        two[1] = b;
        assert.equal(isValidUtf8(two), referenceValidShort(two), hex(two));
      }
    }
    // Every lead from C0 with every second byte; later bytes from the values where ranges change.
    const edges = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];
    const three = new Uint8Array(3);
    const four = new Uint8Array(4);
    for (let a = 0xc0; a < 0x100; a++) {
      for (let b = 0; b < 256; b++) {
        for (const c of edges) {
          three.set([a, b, c]);
          assert.equal(isValidUtf8(three), referenceValidShort(three), hex(three));
          if (a < 0xf0 || a > 0xf7) continue;
          for (const d of edges) {
            four.set([a, b, c, d]);
            assert.equal(isValidUtf8(four), referenceValidShort(four), hex(four));
          }
        }
      }
    }
  });

  test(`Utf8Validator fails at the exact byte, however a bad sequence is split (${path.name})`, () => {
    path.use();
    const validator = new Utf8Validator();
    for (const cases of Object.values(invalid)) {
      for (const c of cases) {
        for (const data of [bytes(...c), concat(ascii(70), bytes(...c)), concat(ascii(70), bytes(...c), ascii(70))]) {
          // Every single cut, and byte by byte.
          for (let cut = 0; cut <= data.length; cut++) checkPieces(validator, split(data, [cut]));
          checkPieces(validator, split(data, Array.from(data.keys())));
        }
      }
    }
  });

  test(`Utf8Validator accepts edge code points split anywhere (${path.name})`, () => {
    path.use();
    const validator = new Utf8Validator();
    for (const [, encoded] of valid) {
      for (const pad of [0, 40]) {
        const data = concat(ascii(pad), bytes(...encoded), ascii(pad));
        // Cuts at both ends and all around the code point; pieces of 32+ bytes reach the native check.
        const cuts = Array.from({ length: data.length + 1 }, (_, k) => k).filter(
          (k) => k <= 1 || k >= data.length - 1 || Math.abs(k - pad) <= 5 || Math.abs(k - pad - encoded.length) <= 5,
        );
        for (const a of cuts) {
          for (const b of cuts) {
            if (b < a) continue;
            validator.reset();
            assert.equal(validator.push(data.subarray(0, a)), true);
            assert.equal(validator.push(data.subarray(a, b)), true);
            assert.equal(validator.push(data.subarray(b)), true);
            assert.equal(validator.complete, true, `${hex(data)} cut at ${a}, ${b}`);
          }
        }
      }
    }
  });

  test(`Utf8Validator carries the narrowed range of E0/ED/F0/F4 across pieces (${path.name})`, () => {
    path.use();
    const v = new Utf8Validator();
    const cases: [number[][], boolean[], boolean][] = [
      [[[0xe0], [0xa0, 0x80]], [true, true], true],
      [[[0xe0], [0x9f]], [true, false], false],
      [[[0xed], [0x9f, 0xbf]], [true, true], true],
      [[[0xed], [0xa0]], [true, false], false],
      [[[0xf0], [0x90], [0x80], [0x80]], [true, true, true, true], true],
      [[[0xf0], [0x8f]], [true, false], false],
      [[[0xf4], [0x8f, 0xbf], [0xbf]], [true, true, true], true],
      [[[0xf4], [0x90]], [true, false], false],
      [[[0xf4, 0x8f], [0xc0]], [true, false], false],
      [[[0xe1], [0x80], [0x61]], [true, true, false], false],
    ];
    for (const [pieces, results, complete] of cases) {
      v.reset();
      assert.deepEqual(pieces.map((p) => v.push(bytes(...p))), results, JSON.stringify(pieces));
      assert.equal(v.complete, complete);
    }
  });

  test(`Utf8Validator: empty pieces, complete, sticky failure and reset (${path.name})`, () => {
    path.use();
    const v = new Utf8Validator();
    assert.equal(v.complete, true);
    assert.equal(v.push(new Uint8Array(0)), true);
    assert.equal(v.push(bytes(0xe2, 0x82)), true);
    assert.equal(v.complete, false, "truncated so far");
    assert.equal(v.push(new Uint8Array(0)), true);
    assert.equal(v.complete, false);
    assert.equal(v.push(bytes(0xac)), true);
    assert.equal(v.complete, true);
    assert.equal(v.push(bytes(0xff)), false);
    assert.equal(v.push(bytes(0x61)), false, "sticky");
    assert.equal(v.complete, false);
    v.reset();
    assert.equal(v.complete, true);
    assert.equal(v.push(bytes(0x61)), true);
    // A large piece that leaves a code point open after a long run, then closes it.
    v.reset();
    assert.equal(v.push(concat(ascii(100), bytes(0xf0, 0x9f))), true);
    assert.equal(v.complete, false);
    assert.equal(v.push(concat(bytes(0x99, 0x82), ascii(100), bytes(0xe2))), true);
    assert.equal(v.push(concat(bytes(0x82, 0xac), ascii(100))), true);
    assert.equal(v.complete, true);
    // Four continuation bytes at the end of a large piece.
    v.reset();
    assert.equal(v.push(concat(ascii(100), bytes(0xf0, 0x90, 0x80, 0x80, 0x80))), false);
  });

  test(`property: random and string-derived bytes split at random points match the reference (${path.name})`, () => {
    path.use();
    const validator = new Utf8Validator();
    const interesting = [
      0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
      0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff,
    ];
    const segment = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc.array(fc.constantFrom(...interesting), { maxLength: 12 }).map((a) => Uint8Array.from(a)),
      fc.string({ unit: "binary", maxLength: 24 }).map((s) => new TextEncoder().encode(s)),
      // Long ASCII runs reach the native check and the 32-bit word scan (fast-check keeps strings short).
      fc.record({ length: fc.integer({ min: 100, max: 400 }), seed: fc.nat(0x7f) }).map(({ length, seed }) =>
        Uint8Array.from({ length }, (_, k) => (seed + k * 7) & 0x7f),
      ),
    );
    const mutation = fc.record({ at: fc.integer({ min: 0, max: 1 << 20 }), byte: fc.integer({ min: 0, max: 255 }) });
    const input = fc.record({
      segments: fc.array(segment, { minLength: 1, maxLength: 5 }),
      mutations: fc.array(mutation, { maxLength: 2 }),
      truncate: fc.option(fc.nat(), { nil: undefined }),
      offset: fc.integer({ min: 0, max: 7 }),
      cuts: fc.array(fc.integer({ min: 0, max: 1 << 20 }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(input, ({ segments, mutations, truncate, offset, cuts }) => {
        let data = concat(...segments);
        for (const m of mutations) if (data.length > 0) data[m.at % data.length] = m.byte;
        if (truncate !== undefined) data = data.subarray(0, truncate % (data.length + 1));
        data = atOffset(data, offset);
        assert.equal(isValidUtf8(data), referenceValid(data), hex(data));
        checkPieces(validator, split(data, cuts));
      }),
      { numRuns: 3000 },
    );
  });
}

test("the fail-fast reference agrees with an independent completable-prefix oracle", () => {
  const interesting = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc1, 0xc2, 0xe0, 0xe1, 0xed, 0xf0, 0xf4, 0xf5];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...interesting), { maxLength: 6 }), (values) => {
      const data = Uint8Array.from(values);
      assert.equal(referencePieces([data]).firstBad === -1, completablePrefix(data), hex(data));
    }),
    { numRuns: 2000 },
  );
});

test("the browser copy has no native check and matches the Node copy", () => {
  // It really took the no-Buffer paths: a plain Uint8Array, not a Buffer.
  assert.equal(Object.getPrototypeOf(browser.encodeUtf8("a")), Uint8Array.prototype);
  assert.ok(Buffer.isBuffer(encodeUtf8("a")));
  useNativeUtf8Check(null);
  const v = new browser.Utf8Validator();
  for (const cases of Object.values(invalid)) {
    for (const c of cases) {
      const data = concat(ascii(150), bytes(...c));
      assert.equal(browser.isValidUtf8(data), false);
      assert.equal(v.push(data) && v.complete, false);
      v.reset();
    }
  }
  installNativeUtf8(); // registers on the Node copy only
  const big = concat(ascii(150), bytes(0xed, 0xa0, 0x80));
  assert.equal(browser.isValidUtf8(big), false);
  assert.equal(isValidUtf8(big), false);
});

for (const [name, mod] of [
  ["node", { decodeUtf8, encodeUtf8, utf8Length }],
  ["browser", browser],
] as const) {
  test(`decodeUtf8 / encodeUtf8 / utf8Length round-trip and match TextEncoder (${name})`, () => {
    const encoder = new TextEncoder();
    const samples = ["", "a", "héllo", "日本語", "🙂", "\u{10ffff}", "\u007f\u0080\u07ff\u0800\uffff\u{10000}", "x".repeat(70000)];
    for (const s of samples) {
      const encoded = mod.encodeUtf8(s);
      assert.ok(encoded instanceof Uint8Array);
      assert.deepEqual(new Uint8Array(encoded), encoder.encode(s));
      assert.equal(mod.utf8Length(s), encoded.length);
      assert.equal(mod.decodeUtf8(encoded), s);
      assert.equal(mod.decodeUtf8(atOffset(encoded, 3)), s, "views at an offset decode only their bytes");
    }
    // Lone surrogates are written as U+FFFD (3 bytes) by both encoders, and counted as 3.
    for (const s of ["\ud800", "\udfff", "a\ud83db", "\ude42\ud83d", "\ud83d\ude42\ud83d"]) {
      assert.deepEqual(new Uint8Array(mod.encodeUtf8(s)), encoder.encode(s), JSON.stringify(s));
      assert.equal(mod.utf8Length(s), encoder.encode(s).length, JSON.stringify(s));
    }
    // A leading BOM is part of the text: kept, as Buffer keeps it.
    assert.equal(mod.decodeUtf8(bytes(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
    // Invalid bytes decode to U+FFFD (callers validate first; this only must not throw).
    assert.equal(mod.decodeUtf8(bytes(0x61, 0xff, 0x62)), "a\ufffdb");
  });

  test(`property: utf8Length and encodeUtf8 match TextEncoder for any UTF-16, lone surrogates included (${name})`, () => {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((codes) => String.fromCharCode(...codes)),
      fc.array(fc.constantFrom(0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfeff, 0xffff), { maxLength: 20 })
        .map((codes) => String.fromCharCode(...codes)),
    );
    fc.assert(
      fc.property(text, (s) => {
        const expected = encoder.encode(s);
        assert.equal(mod.utf8Length(s), expected.length);
        assert.deepEqual(new Uint8Array(mod.encodeUtf8(s)), expected);
        assert.equal(mod.decodeUtf8(expected), decoder.decode(expected));
      }),
      { numRuns: 3000 },
    );
  });
}
