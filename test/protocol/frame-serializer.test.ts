import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameSerializer, headerLength } from "../../src/protocol/frame-serializer.js";
import { FrameParser } from "../../src/protocol/frame-parser.js";
import { Frame } from "../../src/protocol/frame.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { FrameType } from "../../src/protocol/frame-type.js";
import { Opcode, concatBytes, decodeFrames, encodeFrame, hex, patternBytes, splitAt, type DecodedFrame } from "../helpers/frames.js";

const BIG = 64 * 1024 * 1024;
/** Comfortably above the serializer's zero-copy threshold. */
const LARGE = 64 * 1024;

function serialize(serializer: FrameSerializer, frames: readonly Frame[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  serializer.serialize(frames, out);
  return out;
}

/** Our parser, in the role that matches the serializer's (a client's masked frames go to a server). */
function parse(bytes: Uint8Array | readonly Uint8Array[], masked: boolean): Frame[] {
  const parser = new FrameParser({ expectMasked: masked, maxFrameSize: BIG, allowedRsv: 0x70 });
  const frames: Frame[] = [];
  for (const chunk of bytes instanceof Uint8Array ? [bytes] : bytes) {
    parser.push(chunk);
    for (let frame = parser.next(); frame !== null; frame = parser.next()) frames.push(frame);
  }
  assert.equal(parser.bufferedBytes, 0, "no bytes left over");
  return frames;
}

interface Summary {
  type: number;
  fin: boolean;
  rsv: [boolean, boolean, boolean];
  data: string;
}

function summarize(frame: Frame): Summary {
  return { type: frame.frameType, fin: frame.fin, rsv: [frame.rsv1, frame.rsv2, frame.rsv3], data: hex(frame.data) };
}

describe("FrameSerializer: round trip through the parser", () => {
  const frames = (): Frame[] => [
    new Frame.Text("hello"),
    new Frame.Binary(patternBytes(300, 1)),
    new Frame.Ping(Uint8Array.of(1, 2, 3)),
    new Frame.Pong(),
    new Frame.Binary(true, patternBytes(LARGE, 2)),
    new Frame.Text(true, patternBytes(0, 0)),
    new Frame.Close(new CloseReason(1000, "bye")),
  ];
  for (const masked of [false, true]) {
    test(`${masked ? "client (masked)" : "server (unmasked)"} frames parse back to the same frames`, () => {
      const sent = frames();
      const out = serialize(new FrameSerializer({ mask: masked }), sent);
      const received = parse(out, masked);
      assert.deepEqual(received.map(summarize), sent.map(summarize));
      assert.deepEqual(
        received.map((f) => f.constructor),
        sent.map((f) => f.constructor),
      );
      const close = received[received.length - 1];
      assert.ok(close instanceof Frame.Close);
      assert.deepEqual([close.readReason().code, close.readReason().message], [1000, "bye"]);
    });

    test(`${masked ? "client" : "server"}: every frame is masked exactly when the role says so`, () => {
      const decoded = decodeFrames(concatBytes(serialize(new FrameSerializer({ mask: masked }), frames())));
      assert.equal(decoded.length, frames().length);
      for (const frame of decoded) assert.equal(frame.maskKey !== null, masked);
    });
  }

  test("text from a string is encoded as UTF-8, multi-byte characters included", () => {
    const text = "héllo wörld — € 𝄞 日本語 🙂 \u0000 end";
    for (const masked of [false, true]) {
      const out = serialize(new FrameSerializer({ mask: masked }), [new Frame.Text(text)]);
      const [frame] = parse(out, masked);
      assert.ok(frame instanceof Frame.Text);
      assert.equal(frame.readText(), text);
      assert.equal(hex(frame.data), hex(Buffer.from(text, "utf8")));
      const [decoded] = decodeFrames(concatBytes(out));
      assert.equal(decoded.opcode, Opcode.TEXT);
      assert.equal(decoded.payload.length, Buffer.byteLength(text, "utf8"));
    }
  });

  test("a large text string (over the zero-copy threshold) round trips in both roles", () => {
    const text = "ünïcödé ✓ 🙂 ".repeat(5000);
    for (const masked of [false, true]) {
      const [frame] = parse(serialize(new FrameSerializer({ mask: masked }), [new Frame.Text(text)]), masked);
      assert.equal((frame as Frame.Text).readText(), text);
    }
  });

  test("RSV bits set on a frame are written", () => {
    const [decoded] = decodeFrames(new FrameSerializer({ mask: false }).serializeOne(new Frame.Binary(true, Uint8Array.of(1), true, false, true)));
    assert.equal(decoded.rsv, 0b101);
  });

  test("serializeOne gives the frame's whole encoding", () => {
    const payload = patternBytes(LARGE, 5);
    const bytes = new FrameSerializer({ mask: false }).serializeOne(new Frame.Binary(payload));
    assert.equal(hex(bytes), hex(encodeFrame({ opcode: Opcode.BINARY, payload })));
  });
});

describe("FrameSerializer: fragmented messages", () => {
  test("fragments after the first get opcode 0, and fin only on the last", () => {
    const serializer = new FrameSerializer({ mask: false });
    const out = serialize(serializer, [new Frame.Text(false, "a"), new Frame.Text(false, "b"), new Frame.Text(true, "c")]);
    const decoded = decodeFrames(concatBytes(out));
    assert.deepEqual(
      decoded.map((f) => [f.opcode, f.fin]),
      [
        [Opcode.TEXT, false],
        [Opcode.CONTINUATION, false],
        [Opcode.CONTINUATION, true],
      ],
    );
  });

  test("the message state carries across serialize calls, and the next message gets its own opcode", () => {
    for (const masked of [false, true]) {
      const serializer = new FrameSerializer({ mask: masked });
      const out: Uint8Array[] = [];
      serializer.serialize([new Frame.Binary(false, Uint8Array.of(1))], out);
      serializer.serialize([new Frame.Binary(true, Uint8Array.of(2))], out);
      serializer.serialize([new Frame.Text("x")], out);
      const decoded = decodeFrames(concatBytes(out));
      assert.deepEqual(
        decoded.map((f) => [f.opcode, f.fin]),
        [
          [Opcode.BINARY, false],
          [Opcode.CONTINUATION, true],
          [Opcode.TEXT, true],
        ],
      );
      const parsed = parse(out, masked);
      assert.deepEqual(
        parsed.map((f) => [f.frameType, f.fin]),
        [
          [FrameType.BINARY, false],
          [FrameType.BINARY, true],
          [FrameType.TEXT, true],
        ],
      );
    }
  });

  test("control frames between fragments keep their opcode and do not end the message", () => {
    const out = serialize(new FrameSerializer({ mask: false }), [
      new Frame.Binary(false, Uint8Array.of(1)),
      new Frame.Ping(Uint8Array.of(9)),
      new Frame.Binary(false, Uint8Array.of(2)),
      new Frame.Close(new CloseReason(1001)),
      new Frame.Binary(true, Uint8Array.of(3)),
    ]);
    assert.deepEqual(
      decodeFrames(concatBytes(out)).map((f) => [f.opcode, f.fin]),
      [
        [Opcode.BINARY, false],
        [Opcode.PING, true],
        [Opcode.CONTINUATION, false],
        [Opcode.CLOSE, true],
        [Opcode.CONTINUATION, true],
      ],
    );
  });
});

describe("FrameSerializer: headers", () => {
  const boundaries: Array<[number, number[]]> = [
    [0, [0]],
    [125, [125]],
    [126, [126, 0x00, 0x7e]],
    [65535, [126, 0xff, 0xff]],
    [65536, [127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]],
    [100_000, [127, 0, 0, 0, 0, 0, 0x01, 0x86, 0xa0]],
  ];
  for (const masked of [false, true]) {
    for (const [size, lengthBytes] of boundaries) {
      test(`${masked ? "masked" : "unmasked"} header for ${size} bytes`, () => {
        const payload = patternBytes(size, size + 1);
        const bytes = concatBytes(serialize(new FrameSerializer({ mask: masked }), [new Frame.Binary(payload)]));
        const expectedHeader = [0x82, (masked ? 0x80 : 0) | lengthBytes[0], ...lengthBytes.slice(1)];
        assert.deepEqual([...bytes.subarray(0, expectedHeader.length)], expectedHeader);
        assert.equal(bytes.length, headerLength(size, masked) + size);
        assert.equal(bytes.length, expectedHeader.length + (masked ? 4 : 0) + size);
        const [decoded] = decodeFrames(bytes);
        assert.equal(hex(decoded.payload), hex(payload));
      });
    }
  }

  test("headerLength", () => {
    assert.equal(headerLength(0, false), 2);
    assert.equal(headerLength(125, false), 2);
    assert.equal(headerLength(126, false), 4);
    assert.equal(headerLength(65535, false), 4);
    assert.equal(headerLength(65536, false), 10);
    assert.equal(headerLength(0, true), 6);
    assert.equal(headerLength(126, true), 8);
    assert.equal(headerLength(65536, true), 14);
  });

  test("server frames are byte for byte what the reference encoder writes", () => {
    const cases: Array<[Frame, number, Uint8Array]> = [
      [new Frame.Text("hi"), Opcode.TEXT, Buffer.from("hi")],
      [new Frame.Binary(Uint8Array.of(1, 2, 3)), Opcode.BINARY, Uint8Array.of(1, 2, 3)],
      [new Frame.Ping(Uint8Array.of(7)), Opcode.PING, Uint8Array.of(7)],
      [new Frame.Pong(Uint8Array.of(8)), Opcode.PONG, Uint8Array.of(8)],
      [new Frame.Close(new CloseReason(1000, "x")), Opcode.CLOSE, Uint8Array.of(0x03, 0xe8, 0x78)],
      [new Frame.Close(), Opcode.CLOSE, new Uint8Array(0)],
    ];
    for (const [frame, opcode, payload] of cases) {
      const bytes = new FrameSerializer({ mask: false }).serializeOne(frame);
      assert.equal(hex(bytes), hex(encodeFrame({ opcode, payload })), String(frame));
    }
  });
});

describe("FrameSerializer: masking", () => {
  test("the caller's payload is not changed by masking", () => {
    for (const size of [1, 7, 100, 20_000, LARGE + 3]) {
      const payload = patternBytes(size, size);
      const copy = payload.slice();
      const serializer = new FrameSerializer({ mask: true });
      const out = serialize(serializer, [new Frame.Binary(payload), new Frame.Text(false, payload), new Frame.Ping(payload.subarray(0, 125))]);
      assert.equal(hex(payload), hex(copy), `payload of ${size} bytes was modified`);
      for (const chunk of out) assert.notEqual(chunk.buffer, payload.buffer, "a masked frame must not write to or hand out the caller's buffer");
      // And it really was masked: the decoded payload matches, and the wire bytes differ from it.
      const [decoded] = decodeFrames(concatBytes(out));
      assert.equal(hex(decoded.payload), hex(copy));
    }
  });

  test("wire bytes are the payload XOR the frame's key", () => {
    const payload = patternBytes(1000, 3);
    const bytes = new FrameSerializer({ mask: true }).serializeOne(new Frame.Binary(payload));
    const key = bytes.subarray(4, 8);
    const body = bytes.subarray(8);
    for (let i = 0; i < payload.length; i++) assert.equal(body[i], payload[i] ^ key[i % 4], `byte ${i}`);
    assert.equal(hex(bytes), hex(encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: key.slice() })));
  });

  test("masking keys differ between frames and are not all zero", () => {
    const serializer = new FrameSerializer({ mask: true });
    const out: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) serializer.serialize([new Frame.Ping(Uint8Array.of(i))], out);
    serializer.serialize(Array.from({ length: 100 }, (_, i) => new Frame.Binary(Uint8Array.of(i))), out);
    const keys = decodeFrames(concatBytes(out)).map((f) => hex(f.maskKey ?? new Uint8Array(0)));
    assert.equal(keys.length, 200);
    for (const key of keys) {
      assert.equal(key.length, 8);
      assert.notEqual(key, "00000000");
    }
    // 200 random 32-bit keys collide with probability ~5e-6.
    assert.equal(new Set(keys).size, keys.length, "every frame has its own key");
    // The key bytes are not stuck: across 200 keys, each byte position takes many values.
    for (let position = 0; position < 4; position++) {
      const values = new Set(keys.map((k) => k.slice(position * 2, position * 2 + 2)));
      assert.ok(values.size > 50, `key byte ${position} takes only ${values.size} values`);
    }
  });

  test("an empty masked frame still carries a key", () => {
    const [decoded] = decodeFrames(new FrameSerializer({ mask: true }).serializeOne(new Frame.Pong()));
    assert.equal(decoded.headerLength, 6);
    assert.ok(decoded.maskKey !== null);
  });
});

describe("FrameSerializer: chunks", () => {
  test("several small frames are batched into one chunk", () => {
    for (const masked of [false, true]) {
      const out = serialize(new FrameSerializer({ mask: masked }), [
        new Frame.Text("a"),
        new Frame.Binary(patternBytes(200, 1)),
        new Frame.Ping(),
        new Frame.Text("€"),
      ]);
      assert.equal(out.length, 1);
      assert.deepEqual(
        decodeFrames(out[0]).map((f) => f.opcode),
        [Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.TEXT],
      );
    }
  });

  test("a large server payload is written zero-copy, as its own chunk, in order", () => {
    const large = patternBytes(LARGE, 7);
    const small1 = Uint8Array.of(1, 2, 3);
    const small2 = Uint8Array.of(4, 5);
    const out = serialize(new FrameSerializer({ mask: false }), [new Frame.Binary(small1), new Frame.Binary(large), new Frame.Binary(small2)]);
    const index = out.indexOf(large);
    assert.notEqual(index, -1, "the payload itself is one of the chunks");
    assert.equal(out.filter((c) => c === large).length, 1);
    // Everything else is headers and small payloads, and the bytes are in frame order.
    assert.equal(
      hex(concatBytes(out)),
      hex(concatBytes([
        encodeFrame({ opcode: Opcode.BINARY, payload: small1 }),
        encodeFrame({ opcode: Opcode.BINARY, payload: large }),
        encodeFrame({ opcode: Opcode.BINARY, payload: small2 }),
      ])),
    );
    assert.equal(large[0], patternBytes(1, 7)[0], "and it is not changed");
  });

  test("two large server payloads in one batch are both zero-copy", () => {
    const a = patternBytes(LARGE, 1);
    const b = patternBytes(LARGE + 1, 2);
    const out = serialize(new FrameSerializer({ mask: false }), [new Frame.Binary(a), new Frame.Binary(b)]);
    assert.ok(out.includes(a) && out.includes(b));
    assert.deepEqual(parse(out, false).map((f) => f.data.length), [LARGE, LARGE + 1]);
  });

  test("a large client payload is copied (it has to be masked), never handed out", () => {
    const large = patternBytes(LARGE, 8);
    const out = serialize(new FrameSerializer({ mask: true }), [new Frame.Binary(large)]);
    assert.ok(!out.includes(large));
    assert.equal(hex(parse(out, true)[0].data), hex(large));
  });

  test("serialize appends to the caller's array", () => {
    const marker = Uint8Array.of(0xaa);
    const out: Uint8Array[] = [marker];
    new FrameSerializer({ mask: false }).serialize([new Frame.Ping()], out);
    assert.equal(out[0], marker);
    assert.equal(out.length, 2);
    assert.equal(hex(out[1]), "8900");
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: serialize → split → parse round trip.

const sizeArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom(125, 126, 65535, 65536) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);
const bytesArb = fc.tuple(sizeArb, fc.integer()).map(([size, seed]) => patternBytes(size, seed));

/**
 * Strings of any code points, 1- to 4-byte UTF-8 alike (fast-check's own "binary" unit works too but
 * spends about two seconds building its tables on first use).
 */
function unicodeStringArb(maxLength: number): fc.Arbitrary<string> {
  const codePoint = fc.oneof(
    fc.integer({ min: 0x00, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  );
  return fc.array(codePoint, { maxLength }).map((codePoints) => String.fromCodePoint(...codePoints));
}

/** One fragment's content: a string (text messages only) or bytes. */
const contentArb = fc.oneof(
  { weight: 1, arbitrary: unicodeStringArb(40) },
  { weight: 3, arbitrary: bytesArb },
);
const controlArb = fc.record({
  kind: fc.constantFrom("ping", "pong", "close"),
  payload: fc.tuple(fc.integer({ min: 0, max: 125 }), fc.integer()).map(([size, seed]) => patternBytes(size, seed)),
  code: fc.constantFrom(1000, 1001, 1011, 3000, 4999),
  reason: unicodeStringArb(60),
});
const messageArb = fc.record({
  text: fc.boolean(),
  fragments: fc.array(
    fc.record({ content: contentArb, rsv: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()), before: fc.array(controlArb, { maxLength: 2 }) }),
    { minLength: 1, maxLength: 4 },
  ),
});

test("property: serialize → split → parse gives back the frames, and matches the reference encoding", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.array(messageArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.oneof({ weight: 1, arbitrary: fc.constant("bytes" as const) }, { weight: 3, arbitrary: fc.array(fc.nat(), { maxLength: 40 }) }),
      (masked, messages, batchCuts, splitSpec) => {
        const frames: Frame[] = [];
        const expected: Array<{ opcode: number; fin: boolean; rsv: number; payload: string }> = [];
        for (const message of messages) {
          message.fragments.forEach((fragment, i) => {
            for (const control of fragment.before) {
              const frame =
                control.kind === "ping"
                  ? new Frame.Ping(control.payload)
                  : control.kind === "pong"
                    ? new Frame.Pong(control.payload)
                    : new Frame.Close(new CloseReason(control.code, control.reason));
              frames.push(frame);
              expected.push({ opcode: frame.frameType, fin: true, rsv: 0, payload: hex(frame.data) });
            }
            const fin = i === message.fragments.length - 1;
            const [r1, r2, r3] = fragment.rsv;
            const content = fragment.content;
            const frame = message.text
              ? new Frame.Text(fin, content, r1, r2, r3)
              : new Frame.Binary(fin, typeof content === "string" ? Buffer.from(content) : content, r1, r2, r3);
            const payload = typeof content === "string" ? Buffer.from(content, "utf8") : content;
            frames.push(frame);
            expected.push({
              opcode: i === 0 ? (message.text ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION,
              fin,
              rsv: (r1 ? 4 : 0) | (r2 ? 2 : 0) | (r3 ? 1 : 0),
              payload: hex(payload),
            });
          });
        }
        const sentSummaries = frames.map(summarize);
        const givenPayloads = frames.flatMap((f) => (f.bytes === null ? [] : [{ bytes: f.bytes, was: hex(f.bytes) }]));

        // Serialize in batches.
        const serializer = new FrameSerializer({ mask: masked });
        const out: Uint8Array[] = [];
        const cuts = [...new Set(batchCuts.map((c) => c % (frames.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const cut of [...cuts, frames.length]) {
          serializer.serialize(frames.slice(from, cut), out);
          from = Math.max(from, cut);
        }
        const bytes = concatBytes(out);

        // The caller's payloads are untouched.
        for (const given of givenPayloads) assert.equal(hex(given.bytes), given.was);

        // Independent check of the wire format: the reference decoder sees the expected frames, and
        // re-encoding each with the key it found gives the same bytes.
        const decoded: DecodedFrame[] = decodeFrames(bytes);
        assert.deepEqual(
          decoded.map((f) => ({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, payload: hex(f.payload) })),
          expected,
        );
        for (const f of decoded) {
          assert.equal(f.maskKey !== null, masked);
          const again = encodeFrame({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, payload: f.payload, maskKey: f.maskKey });
          assert.equal(hex(bytes.subarray(f.start, f.start + again.length)), hex(again));
        }

        // Split anywhere and parse back.
        const splitCuts = splitSpec === "bytes" ? Array.from({ length: bytes.length }, (_, i) => i) : splitSpec.map((c) => c % (bytes.length + 1));
        const received = parse(splitAt(bytes, splitCuts), masked);
        assert.deepEqual(received.map(summarize), sentSummaries);
      },
    ),
    { numRuns: 100 },
  );
});

describe("FrameSerializer: a frame encoded once for many connections (fan-out)", () => {
  const prepared = (frame: Frame): Frame => {
    frame.unmaskedWire = new FrameSerializer({ mask: false }).serializeOne(frame);
    return frame;
  };

  test("a server writes those very bytes, alone as they are, or copied in among other frames", () => {
    const frame = prepared(new Frame.Text("published"));
    const alone = serialize(new FrameSerializer({ mask: false }), [frame]);
    assert.equal(alone.length, 1);
    assert.equal(alone[0], frame.unmaskedWire, "the shared bytes themselves, not a copy");

    const among = serialize(new FrameSerializer({ mask: false }), [new Frame.Text("a"), frame, new Frame.Binary(new Uint8Array([1, 2]))]);
    assert.equal(among.length, 1, "small frames share one buffer");
    assert.deepEqual(parse(among, false).map(summarize).map((s) => s.data), [hex(new TextEncoder().encode("a")), hex(new TextEncoder().encode("published")), "0102"]);
  });

  test("a large one is written as its own chunk among others", () => {
    const frame = prepared(new Frame.Binary(patternBytes(LARGE, 7)));
    const out = serialize(new FrameSerializer({ mask: false }), [new Frame.Text("before"), frame, new Frame.Text("after")]);
    assert.ok(out.includes(frame.unmaskedWire!));
    assert.deepEqual(parse(out, false).map((f) => f.byteLength), [6, LARGE, 5]);
  });

  test("a client masks as always; inside a fragmented message the frame gets the continuation opcode", () => {
    const frame = prepared(new Frame.Text("x"));
    const masked = concatBytes(serialize(new FrameSerializer({ mask: true }), [frame]));
    assert.equal(decodeFrames(masked)[0].maskKey !== null, true);

    const server = new FrameSerializer({ mask: false });
    const fragmented = concatBytes(serialize(server, [new Frame.Text(false, new TextEncoder().encode("start")), frame]));
    assert.deepEqual(decodeFrames(fragmented).map((f) => f.opcode), [Opcode.TEXT, Opcode.CONTINUATION]);
    // The message ended with it: the next prepared frame is written as built.
    const next = prepared(new Frame.Text("y"));
    assert.equal(serialize(server, [next])[0], next.unmaskedWire);
  });
});
