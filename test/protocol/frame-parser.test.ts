import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameParser, RSV1, RSV2, RSV3, type FrameParserOptions } from "../../src/protocol/frame-parser.js";
import { Frame } from "../../src/protocol/frame.js";
import { FrameType } from "../../src/protocol/frame-type.js";
import { FrameTooBigError, ProtocolViolationError, WebSocketError } from "../../src/errors.js";
import {
  Opcode,
  concatBytes,
  encodeFrame,
  encodeHeader,
  hex,
  patternBytes,
  splitAt,
  type RawFrame,
} from "../helpers/frames.js";

const KEY = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
const BIG = 64 * 1024 * 1024;

function clientParser(options: Partial<FrameParserOptions> = {}): FrameParser {
  return new FrameParser({ expectMasked: false, maxFrameSize: BIG, ...options });
}

function serverParser(options: Partial<FrameParserOptions> = {}): FrameParser {
  return new FrameParser({ expectMasked: true, maxFrameSize: BIG, ...options });
}

/** Every frame the parser can return right now. */
function drain(parser: FrameParser): Frame[] {
  const frames: Frame[] = [];
  for (let frame = parser.next(); frame !== null; frame = parser.next()) frames.push(frame);
  return frames;
}

/** Pushes each chunk and drains after each push, as a transport does. */
function parseChunks(parser: FrameParser, chunks: readonly Uint8Array[]): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    frames.push(...drain(parser));
  }
  return frames;
}

interface Summary {
  type: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  data: string;
}

function summarize(frame: Frame): Summary {
  return { type: frame.frameType, fin: frame.fin, rsv1: frame.rsv1, rsv2: frame.rsv2, rsv3: frame.rsv3, data: hex(frame.data) };
}

/** Asserts that `fn` throws exactly `errorClass` (not a subclass or a cousin) with `closeCode`. */
function assertFails(
  fn: () => unknown,
  errorClass: typeof ProtocolViolationError | typeof FrameTooBigError,
  closeCode: number,
  message?: RegExp,
): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WebSocketError, `expected a WebSocketError, got ${String(error)}`);
    assert.equal(error.constructor, errorClass, `expected ${errorClass.name}, got ${error.constructor.name}: ${error.message}`);
    assert.equal((error as ProtocolViolationError | FrameTooBigError).closeCode, closeCode);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** Parses one complete frame's bytes, pushed whole, with the role the frame's masking implies. */
function parseOne(raw: RawFrame, options: Partial<FrameParserOptions> = {}): Frame {
  const parser = raw.maskKey ? serverParser(options) : clientParser(options);
  parser.push(encodeFrame(raw));
  const frame = parser.next();
  assert.ok(frame !== null, "a complete frame was pushed");
  assert.equal(parser.next(), null);
  assert.equal(parser.bufferedBytes, 0);
  return frame;
}

describe("FrameParser: length encodings", () => {
  const lengths = [0, 1, 125, 126, 127, 1000, 65535, 65536, 65537, 100_000, 1 << 20];
  for (const masked of [false, true]) {
    for (const length of lengths) {
      test(`${masked ? "masked" : "unmasked"} payload of ${length} bytes`, () => {
        const payload = patternBytes(length, length + 7);
        const frame = parseOne({ opcode: Opcode.BINARY, payload, maskKey: masked ? KEY : null });
        assert.ok(frame instanceof Frame.Binary);
        assert.equal(frame.fin, true);
        assert.equal(frame.data.length, length);
        assert.ok(Buffer.from(frame.data).equals(Buffer.from(payload)), "payload bytes differ");
      });
    }
  }

  test("the header width follows the length: 2, 4 and 10 bytes (+4 masked)", () => {
    // Checks the reference encoder's headers, which the other tests rely on.
    assert.equal(encodeHeader({ opcode: 2, payload: new Uint8Array(125) }).length, 2);
    assert.equal(encodeHeader({ opcode: 2, payload: new Uint8Array(126) }).length, 4);
    assert.equal(encodeHeader({ opcode: 2, payload: new Uint8Array(65535) }).length, 4);
    assert.equal(encodeHeader({ opcode: 2, payload: new Uint8Array(65536) }).length, 10);
    assert.equal(encodeHeader({ opcode: 2, payload: new Uint8Array(65536), maskKey: KEY }).length, 14);
  });

  test("a 64-bit length whose high word is set is read in full (from the header alone)", () => {
    const length = 2 ** 32 + 5;
    const header = encodeHeader({ opcode: Opcode.BINARY, declaredLength: BigInt(length) });
    const roomy = clientParser({ maxFrameSize: 2 ** 40 });
    roomy.push(header);
    assert.equal(roomy.next(), null, "waits for the payload");
    assert.equal(roomy.bufferedBytes, 0, "the header was consumed");

    const strict = clientParser({ maxFrameSize: 2 ** 32 + 4 });
    strict.push(header);
    assert.throws(
      () => strict.next(),
      (error: unknown) => error instanceof FrameTooBigError && error.size === length && error.limit === 2 ** 32 + 4,
    );
  });

  test("a partial frame yields nothing and stays buffered", () => {
    const bytes = encodeFrame({ opcode: Opcode.TEXT, payload: patternBytes(300, 1) });
    const parser = clientParser();
    parser.push(bytes.subarray(0, 1));
    assert.equal(parser.next(), null);
    assert.equal(parser.bufferedBytes, 1);
    parser.push(bytes.subarray(1, 200));
    assert.equal(parser.next(), null);
    assert.equal(parser.bufferedBytes, 200 - 4, "the 4-byte header was consumed");
    parser.push(new Uint8Array(0));
    assert.equal(parser.next(), null, "an empty chunk changes nothing");
    parser.push(bytes.subarray(200));
    const frame = parser.next();
    assert.ok(frame !== null);
    assert.equal(hex(frame.data), hex(bytes.subarray(4)));
    assert.equal(parser.bufferedBytes, 0);
  });

  test("a 256 KiB frame pushed in 1-byte chunks parses in linear time (no quadratic reassembly)", () => {
    const payload = patternBytes(256 * 1024, 99);
    const bytes = encodeFrame({ opcode: Opcode.BINARY, payload });
    const parser = clientParser();
    const started = performance.now();
    let frame: Frame | null = null;
    for (let i = 0; i < bytes.length; i++) {
      parser.push(bytes.subarray(i, i + 1));
      frame = parser.next() ?? frame;
    }
    const elapsed = performance.now() - started;
    assert.ok(frame !== null);
    assert.ok(Buffer.from(frame.data).equals(Buffer.from(payload)));
    // Linear work takes about 0.1 s here; shifting the chunk list once per chunk took over 15 s.
    assert.ok(elapsed < 3_000, `took ${elapsed.toFixed(0)} ms`);
  });
});

describe("FrameParser: payload views", () => {
  for (const masked of [false, true]) {
    const key = masked ? KEY : null;
    test(`${masked ? "masked" : "unmasked"}: frames within one chunk are views of that chunk`, () => {
      const a = patternBytes(10, 1);
      const b = patternBytes(300, 2);
      const frameA = encodeFrame({ opcode: Opcode.TEXT, payload: a, maskKey: key });
      const frameB = encodeFrame({ opcode: Opcode.BINARY, payload: b, maskKey: key });
      // The chunk sits at an offset inside a larger ArrayBuffer, like a Buffer from Node's pool.
      const backing = new Uint8Array(7 + frameA.length + frameB.length + 5);
      backing.set(frameA, 7);
      backing.set(frameB, 7 + frameA.length);
      const chunk = backing.subarray(7, 7 + frameA.length + frameB.length);

      const parser = masked ? serverParser() : clientParser();
      parser.push(chunk);
      const [first, second] = drain(parser);
      const headerA = frameA.length - a.length;
      const headerB = frameB.length - b.length;
      assert.equal(first.data.buffer, backing.buffer, "first payload is a view of the chunk");
      assert.equal(first.data.byteOffset, 7 + headerA);
      assert.equal(first.data.length, a.length);
      assert.equal(second.data.buffer, backing.buffer, "second payload is a view of the chunk");
      assert.equal(second.data.byteOffset, 7 + frameA.length + headerB);
      assert.equal(hex(first.data), hex(a), "payload unmasked");
      assert.equal(hex(second.data), hex(b), "payload unmasked");
    });

    test(`${masked ? "masked" : "unmasked"}: a header split from its payload still gives a view of the payload's chunk`, () => {
      const payload = patternBytes(200, 3);
      const bytes = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: key });
      const headerLength = bytes.length - payload.length;
      const [head1, head2, body] = splitAt(bytes, [1, headerLength]);
      const parser = masked ? serverParser() : clientParser();
      parser.push(head1);
      assert.equal(parser.next(), null);
      parser.push(head2);
      assert.equal(parser.next(), null);
      parser.push(body);
      const frame = parser.next();
      assert.ok(frame !== null);
      assert.equal(frame.data.buffer, body.buffer);
      assert.equal(frame.data.byteOffset, body.byteOffset);
      assert.equal(hex(frame.data), hex(payload));
    });

    test(`${masked ? "masked" : "unmasked"}: a payload straddling chunks is reassembled`, () => {
      const payload = patternBytes(1000, 4);
      const bytes = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: key });
      const frames = parseChunks(masked ? serverParser() : clientParser(), splitAt(bytes, [5, 17, 18, 500, 999]));
      assert.equal(frames.length, 1);
      assert.equal(hex(frames[0].data), hex(payload));
    });
  }

  test("an empty payload is an empty array", () => {
    const frame = parseOne({ opcode: Opcode.PING });
    assert.ok(frame instanceof Frame.Ping);
    assert.equal(frame.data.length, 0);
  });
});

describe("FrameParser: frame types and fragmentation", () => {
  test("each opcode gives its Frame class and type", () => {
    const cases: Array<[number, new (...args: never[]) => Frame, number]> = [
      [Opcode.TEXT, Frame.Text, FrameType.TEXT],
      [Opcode.BINARY, Frame.Binary, FrameType.BINARY],
      [Opcode.CLOSE, Frame.Close, FrameType.CLOSE],
      [Opcode.PING, Frame.Ping, FrameType.PING],
      [Opcode.PONG, Frame.Pong, FrameType.PONG],
    ];
    for (const [opcode, frameClass, type] of cases) {
      const frame = parseOne({ opcode, payload: Uint8Array.of(0x03, 0xe8) });
      assert.ok(frame instanceof frameClass, `opcode ${opcode}`);
      assert.equal(frame.frameType, type);
      assert.equal(frame.fin, true);
    }
  });

  for (const [name, opcode, frameClass] of [
    ["text", Opcode.TEXT, Frame.Text],
    ["binary", Opcode.BINARY, Frame.Binary],
  ] as const) {
    test(`a fragmented ${name} message: continuations get the message's type, fin only on the last`, () => {
      const parts = [patternBytes(3, 1), patternBytes(0, 2), patternBytes(130, 3), patternBytes(5, 4)];
      const raw: RawFrame[] = parts.map((payload, i) => ({
        opcode: i === 0 ? opcode : Opcode.CONTINUATION,
        fin: i === parts.length - 1,
        payload,
      }));
      const parser = clientParser();
      const frames: Frame[] = [];
      for (const [i, frame] of raw.entries()) {
        parser.push(encodeFrame(frame));
        frames.push(...drain(parser));
        assert.equal(parser.inFragmentedMessage, i < raw.length - 1, `after fragment ${i}`);
      }
      assert.equal(frames.length, parts.length);
      for (const [i, frame] of frames.entries()) {
        assert.ok(frame instanceof frameClass, `fragment ${i} is a ${name} frame`);
        assert.equal(frame.fin, i === parts.length - 1);
        assert.equal(hex(frame.data), hex(parts[i]));
      }
      // A new message may start once the last one ended.
      parser.push(encodeFrame({ opcode: Opcode.BINARY, payload: Uint8Array.of(1) }));
      assert.ok(parser.next() instanceof Frame.Binary);
    });
  }

  test("control frames between fragments keep their own type and do not end the message", () => {
    const raw: RawFrame[] = [
      { opcode: Opcode.TEXT, fin: false, payload: Uint8Array.of(0x61) },
      { opcode: Opcode.PING, payload: Uint8Array.of(1, 2) },
      { opcode: Opcode.CONTINUATION, fin: false, payload: Uint8Array.of(0x62) },
      { opcode: Opcode.PONG },
      { opcode: Opcode.CLOSE, payload: Uint8Array.of(0x03, 0xe8) },
      { opcode: Opcode.CONTINUATION, fin: true, payload: Uint8Array.of(0x63) },
    ];
    const frames = parseChunks(clientParser(), [concatBytes(raw.map(encodeFrame))]);
    assert.deepEqual(
      frames.map((f) => [f.constructor, f.fin, hex(f.data)]),
      [
        [Frame.Text, false, "61"],
        [Frame.Ping, true, "0102"],
        [Frame.Text, false, "62"],
        [Frame.Pong, true, ""],
        [Frame.Close, true, "03e8"],
        [Frame.Text, true, "63"],
      ],
    );
  });

  test("the parser keeps the fragmentation state while a control frame's payload is pending", () => {
    const parser = clientParser();
    parser.push(encodeFrame({ opcode: Opcode.BINARY, fin: false, payload: Uint8Array.of(9) }));
    assert.ok(parser.next() instanceof Frame.Binary);
    const ping = encodeFrame({ opcode: Opcode.PING, payload: patternBytes(50, 5) });
    parser.push(ping.subarray(0, 10));
    assert.equal(parser.next(), null);
    assert.equal(parser.inFragmentedMessage, true);
    parser.push(ping.subarray(10));
    parser.push(encodeFrame({ opcode: Opcode.CONTINUATION, payload: Uint8Array.of(8) }));
    const [pingFrame, last] = drain(parser);
    assert.ok(pingFrame instanceof Frame.Ping);
    assert.ok(last instanceof Frame.Binary);
    assert.equal(last.fin, true);
    assert.equal(parser.inFragmentedMessage, false);
  });

  test("frames before a violation are still returned", () => {
    const parser = clientParser();
    parser.push(concatBytes([encodeFrame({ opcode: Opcode.PING }), encodeFrame({ opcode: 0x3 })]));
    assert.ok(parser.next() instanceof Frame.Ping);
    assertFails(() => parser.next(), ProtocolViolationError, 1002);
  });
});

describe("FrameParser: RSV bits", () => {
  const bits = [
    ["RSV1", RSV1, 4],
    ["RSV2", RSV2, 2],
    ["RSV3", RSV3, 1],
  ] as const;

  test("the exported masks are the first byte's bits", () => {
    assert.equal(RSV1, 0x40);
    assert.equal(RSV2, 0x20);
    assert.equal(RSV3, 0x10);
  });

  for (const [name, mask, rsv] of bits) {
    test(`${name} set without allowedRsv fails with 1002`, () => {
      for (const masked of [false, true]) {
        const parser = masked ? serverParser() : clientParser();
        parser.push(encodeFrame({ opcode: Opcode.TEXT, rsv, maskKey: masked ? KEY : null }));
        assertFails(() => parser.next(), ProtocolViolationError, 1002);
      }
    });

    test(`${name} set with allowedRsv including it is accepted and reported`, () => {
      const frame = parseOne({ opcode: Opcode.BINARY, rsv, payload: Uint8Array.of(1) }, { allowedRsv: mask });
      assert.equal(frame.rsv1, name === "RSV1");
      assert.equal(frame.rsv2, name === "RSV2");
      assert.equal(frame.rsv3, name === "RSV3");
    });

    test(`${name} set while only the other bits are allowed fails`, () => {
      const parser = clientParser({ allowedRsv: (RSV1 | RSV2 | RSV3) & ~mask });
      parser.push(encodeFrame({ opcode: Opcode.TEXT, rsv }));
      assertFails(() => parser.next(), ProtocolViolationError, 1002);
    });
  }

  test("all three bits allowed, all three set", () => {
    const frame = parseOne({ opcode: Opcode.TEXT, rsv: 7, fin: false }, { allowedRsv: RSV1 | RSV2 | RSV3 });
    assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3, frame.fin], [true, true, true, false]);
  });

  test("no RSV bits set: all false", () => {
    const frame = parseOne({ opcode: Opcode.TEXT }, { allowedRsv: RSV1 });
    assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3], [false, false, false]);
  });
});

describe("FrameParser: protocol violations", () => {
  const reserved = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf];
  for (const opcode of reserved) {
    test(`reserved opcode 0x${opcode.toString(16)} fails with 1002 from the first two bytes`, () => {
      for (const masked of [false, true]) {
        const parser = masked ? serverParser() : clientParser();
        parser.push(encodeFrame({ opcode, maskKey: masked ? KEY : null }).subarray(0, 2));
        assertFails(() => parser.next(), ProtocolViolationError, 1002, /opcode/i);
      }
    });
  }

  test("reserved opcodes fail in the middle of a fragmented message too", () => {
    for (const opcode of reserved) {
      const parser = clientParser();
      parser.push(encodeFrame({ opcode: Opcode.TEXT, fin: false }));
      parser.next();
      parser.push(encodeFrame({ opcode }));
      assertFails(() => parser.next(), ProtocolViolationError, 1002);
    }
  });

  test("a masked frame sent to a client fails with 1002", () => {
    for (const opcode of [Opcode.TEXT, Opcode.BINARY, Opcode.PING, Opcode.CLOSE]) {
      const parser = clientParser();
      parser.push(encodeFrame({ opcode, payload: Uint8Array.of(1, 2), maskKey: KEY }).subarray(0, 2));
      assertFails(() => parser.next(), ProtocolViolationError, 1002, /masked/i);
    }
  });

  test("an unmasked frame sent to a server fails with 1002", () => {
    for (const opcode of [Opcode.TEXT, Opcode.BINARY, Opcode.PONG, Opcode.CLOSE]) {
      const parser = serverParser();
      parser.push(encodeFrame({ opcode, payload: Uint8Array.of(1, 2) }).subarray(0, 2));
      assertFails(() => parser.next(), ProtocolViolationError, 1002, /masked/i);
    }
  });

  test("a control frame with fin=0 fails with 1002", () => {
    for (const opcode of [Opcode.CLOSE, Opcode.PING, Opcode.PONG]) {
      const parser = clientParser();
      parser.push(encodeFrame({ opcode, fin: false }));
      assertFails(() => parser.next(), ProtocolViolationError, 1002);
    }
  });

  test("a control frame with a 126-byte payload fails with 1002 (125 is fine)", () => {
    for (const opcode of [Opcode.CLOSE, Opcode.PING, Opcode.PONG]) {
      const ok = parseOne({ opcode, payload: patternBytes(125, opcode) });
      assert.equal(ok.data.length, 125);

      const parser = clientParser();
      parser.push(encodeFrame({ opcode, payload: patternBytes(126, opcode) }).subarray(0, 2));
      assertFails(() => parser.next(), ProtocolViolationError, 1002);

      const masked = serverParser();
      masked.push(encodeFrame({ opcode, payload: patternBytes(126, opcode), maskKey: KEY }));
      assertFails(() => masked.next(), ProtocolViolationError, 1002);

      const long = clientParser();
      long.push(encodeHeader({ opcode, declaredLength: 70000n }));
      assertFails(() => long.next(), ProtocolViolationError, 1002);
    }
  });

  test("a continuation frame with no message in progress fails with 1002", () => {
    for (const fin of [true, false]) {
      const parser = clientParser();
      parser.push(encodeFrame({ opcode: Opcode.CONTINUATION, fin, payload: Uint8Array.of(1) }));
      assertFails(() => parser.next(), ProtocolViolationError, 1002, /continu/i);
    }
    // Also right after a message that did end.
    const parser = clientParser();
    parser.push(encodeFrame({ opcode: Opcode.TEXT, fin: false }));
    parser.push(encodeFrame({ opcode: Opcode.CONTINUATION, fin: true }));
    parser.push(encodeFrame({ opcode: Opcode.CONTINUATION, fin: true }));
    assert.equal(drainUntilViolation(parser), 2);
  });

  test("a new TEXT or BINARY frame while a fragmented message is in progress fails with 1002", () => {
    for (const first of [Opcode.TEXT, Opcode.BINARY]) {
      for (const second of [Opcode.TEXT, Opcode.BINARY]) {
        for (const fin of [true, false]) {
          const parser = clientParser();
          parser.push(encodeFrame({ opcode: first, fin: false, payload: Uint8Array.of(1) }));
          parser.push(encodeFrame({ opcode: Opcode.CONTINUATION, fin: false }));
          parser.push(encodeFrame({ opcode: Opcode.PING }));
          parser.push(encodeFrame({ opcode: second, fin }));
          assert.equal(drainUntilViolation(parser), 3, `${first} then ${second} (fin=${fin})`);
        }
      }
    }
  });

  test("a 64-bit length with the most significant bit set fails with 1002", () => {
    for (const declared of [0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0005n]) {
      for (const masked of [false, true]) {
        // No payload follows, and a generous limit: the header alone is the violation.
        const parser = masked ? serverParser({ maxFrameSize: Number.MAX_SAFE_INTEGER }) : clientParser({ maxFrameSize: Number.MAX_SAFE_INTEGER });
        parser.push(encodeHeader({ opcode: Opcode.BINARY, declaredLength: declared, maskKey: masked ? KEY : null }));
        assertFails(() => parser.next(), ProtocolViolationError, 1002);
      }
    }
  });
});

/** Counts the frames parsed before the parser throws the expected 1002 violation. */
function drainUntilViolation(parser: FrameParser): number {
  let count = 0;
  for (;;) {
    let frame: Frame | null;
    try {
      frame = parser.next();
    } catch (error) {
      assert.ok(error instanceof ProtocolViolationError, `unexpected ${String(error)}`);
      assert.equal(error.constructor, ProtocolViolationError);
      assert.equal(error.closeCode, 1002);
      return count;
    }
    assert.ok(frame !== null, `no violation after ${count} frames`);
    count++;
  }
}

describe("FrameParser: maxFrameSize", () => {
  const cases: Array<[string, number, number]> = [
    ["7-bit", 10, 11],
    ["7-bit at 125", 124, 125],
    ["16-bit", 1000, 1001],
    ["16-bit at 65535", 65534, 65535],
    ["64-bit", 65536, 65537],
    ["64-bit, large", 1 << 20, 2 ** 40],
  ];
  for (const [name, limit, length] of cases) {
    for (const masked of [false, true]) {
      test(`${name}: a ${length}-byte frame over a ${limit}-byte limit fails with FrameTooBigError from the header alone (${masked ? "masked" : "unmasked"})`, () => {
        const header = encodeHeader({ opcode: Opcode.BINARY, declaredLength: BigInt(length), maskKey: masked ? KEY : null });
        const parser = masked ? serverParser({ maxFrameSize: limit }) : clientParser({ maxFrameSize: limit });
        parser.push(header); // no payload byte ever arrives
        assert.throws(
          () => parser.next(),
          (error: unknown) => {
            assert.ok(error instanceof FrameTooBigError);
            assert.equal(error.constructor, FrameTooBigError);
            assert.equal(error.closeCode, 1009);
            assert.equal(error.size, length);
            assert.equal(error.limit, limit);
            return true;
          },
        );
      });
    }
  }

  test("a frame of exactly maxFrameSize is accepted", () => {
    for (const size of [0, 125, 126, 65535, 65536]) {
      const frame = parseOne({ opcode: Opcode.BINARY, payload: patternBytes(size, size) }, { maxFrameSize: size });
      assert.equal(frame.data.length, size);
    }
  });

  test("the limit applies to the frame, not to the message", () => {
    const raw: RawFrame[] = [
      { opcode: Opcode.TEXT, fin: false, payload: patternBytes(100, 1) },
      { opcode: Opcode.CONTINUATION, fin: false, payload: patternBytes(100, 2) },
      { opcode: Opcode.CONTINUATION, fin: true, payload: patternBytes(100, 3) },
    ];
    const frames = parseChunks(clientParser({ maxFrameSize: 100 }), [concatBytes(raw.map(encodeFrame))]);
    assert.equal(frames.length, 3);
  });

  test("maxFrameSize can be lowered at runtime", () => {
    const parser = clientParser({ maxFrameSize: 1000 });
    parser.push(encodeFrame({ opcode: Opcode.BINARY, payload: patternBytes(500, 1) }));
    assert.equal(parser.next()?.data.length, 500);
    parser.maxFrameSize = 100;
    assert.equal(parser.maxFrameSize, 100);
    parser.push(encodeFrame({ opcode: Opcode.BINARY, payload: patternBytes(500, 2) }));
    assert.throws(() => parser.next(), (error: unknown) => error instanceof FrameTooBigError && error.limit === 100 && error.size === 500);
  });

  test("maxFrameSize can be raised at runtime", () => {
    const parser = clientParser({ maxFrameSize: 100 });
    parser.maxFrameSize = 1000;
    parser.push(encodeFrame({ opcode: Opcode.BINARY, payload: patternBytes(500, 1) }));
    assert.equal(parser.next()?.data.length, 500);
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: any valid frame sequence, split anywhere, parses the same as pushed whole.

const sizeArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 20 }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom(125, 126, 127, 65535, 65536) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
);
const dataPayloadArb = fc.tuple(sizeArb, fc.integer()).map(([size, seed]) => patternBytes(size, seed));
const controlPayloadArb = fc.tuple(fc.integer({ min: 0, max: 125 }), fc.integer()).map(([size, seed]) => patternBytes(size, seed));
const keyArb = fc.uint8Array({ minLength: 4, maxLength: 4 });

const controlArb = fc.record({
  opcode: fc.constantFrom(Opcode.CLOSE, Opcode.PING, Opcode.PONG),
  payload: controlPayloadArb,
  key: keyArb,
});
const fragmentArb = fc.record({
  payload: dataPayloadArb,
  rsv: fc.integer({ min: 0, max: 7 }),
  key: keyArb,
  /** Control frames sent right before this fragment. */
  before: fc.array(controlArb, { maxLength: 2 }),
});
const messageArb = fc.record({
  opcode: fc.constantFrom(Opcode.TEXT, Opcode.BINARY),
  fragments: fc.array(fragmentArb, { minLength: 1, maxLength: 4 }),
});

const frameSequenceArb = fc
  .record({
    masked: fc.boolean(),
    allowedRsv: fc.integer({ min: 0, max: 7 }),
    messages: fc.array(messageArb, { minLength: 1, maxLength: 4 }),
    trailing: fc.array(controlArb, { maxLength: 2 }),
  })
  .map(({ masked, allowedRsv, messages, trailing }) => {
    const raw: RawFrame[] = [];
    const expected: Summary[] = [];
    const control = (c: { opcode: number; payload: Uint8Array; key: Uint8Array }): void => {
      raw.push({ opcode: c.opcode, payload: c.payload, maskKey: masked ? c.key : null });
      expected.push({ type: c.opcode, fin: true, rsv1: false, rsv2: false, rsv3: false, data: hex(c.payload) });
    };
    for (const message of messages) {
      message.fragments.forEach((fragment, i) => {
        fragment.before.forEach(control);
        const fin = i === message.fragments.length - 1;
        const rsv = fragment.rsv & allowedRsv;
        raw.push({
          opcode: i === 0 ? message.opcode : Opcode.CONTINUATION,
          fin,
          rsv,
          payload: fragment.payload,
          maskKey: masked ? fragment.key : null,
        });
        expected.push({ type: message.opcode, fin, rsv1: (rsv & 4) !== 0, rsv2: (rsv & 2) !== 0, rsv3: (rsv & 1) !== 0, data: hex(fragment.payload) });
      });
    }
    trailing.forEach(control);
    // allowedRsv is a 3-bit number like RawFrame.rsv; the parser wants the first byte's bits.
    return { masked, allowedRsv: allowedRsv << 4, raw, expected };
  });

/** Where to cut: 1-byte chunks, or random cuts plus cuts near frame starts (inside headers). */
const cutsArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant("every-byte" as const) },
  {
    weight: 3,
    arbitrary: fc.record({
      anywhere: fc.array(fc.nat(), { maxLength: 40 }),
      nearFrameStart: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 15 })), { maxLength: 20 }),
    }),
  },
);

test("property: a valid frame sequence split at arbitrary byte boundaries parses the same as pushed whole", () => {
  fc.assert(
    fc.property(frameSequenceArb, cutsArb, ({ masked, allowedRsv, raw, expected }, cutSpec) => {
      const encoded = raw.map(encodeFrame);
      const bytes = concatBytes(encoded);
      const starts: number[] = [];
      let at = 0;
      for (const frame of encoded) {
        starts.push(at);
        at += frame.length;
      }
      const options = { expectMasked: masked, maxFrameSize: BIG, allowedRsv };

      // Whole: one chunk (a copy: unmasking writes into the pushed bytes).
      const whole = bytes.slice();
      const wholeParser = new FrameParser(options);
      const wholeFrames = parseChunks(wholeParser, [whole]);
      for (const frame of wholeFrames) {
        if (frame.data.length > 0) assert.equal(frame.data.buffer, whole.buffer, "pushed whole: payloads are views");
      }
      const wholeSummaries = wholeFrames.map(summarize);
      assert.deepEqual(wholeSummaries, expected);
      assert.equal(wholeParser.bufferedBytes, 0);
      assert.equal(wholeParser.inFragmentedMessage, false);

      // Split.
      let cuts: number[];
      if (cutSpec === "every-byte") {
        cuts = Array.from({ length: bytes.length }, (_, i) => i);
      } else {
        cuts = [
          ...cutSpec.anywhere.map((n) => n % (bytes.length + 1)),
          ...cutSpec.nearFrameStart.map(([frame, delta]) => starts[frame % starts.length] + delta),
        ];
      }
      const chunks = splitAt(bytes, cuts);
      const splitParser = new FrameParser(options);
      const splitFrames = parseChunks(splitParser, chunks);
      assert.deepEqual(splitFrames.map(summarize), wholeSummaries);
      assert.equal(splitParser.bufferedBytes, 0);
      assert.equal(splitParser.inFragmentedMessage, false);
    }),
    { numRuns: 150 },
  );
});

describe("FrameParser: transient chunks and payloads read in place", () => {
  /**
   * Reads `bytes` as a socket with owned reads does: into one shared buffer that is overwritten after
   * every read (so a frame that kept a view of it would change), or straight into the payload the
   * parser asks for. Frames are summarized only at the end, after every overwrite.
   */
  function readOwned(parser: FrameParser, bytes: Uint8Array, readSizes: readonly number[], sharedSize: number, inPlaceFrom: number): { frames: Frame[]; inPlaceReads: number } {
    const shared = new Uint8Array(sharedSize);
    const frames: Frame[] = [];
    let at = 0;
    let inPlaceReads = 0;
    for (let i = 0; at < bytes.length; i++) {
      const want = readSizes.length === 0 ? sharedSize : Math.max(1, readSizes[i % readSizes.length]);
      const target = parser.payloadRest;
      if (target !== null && target.length >= inPlaceFrom) {
        const n = Math.min(want, target.length, bytes.length - at);
        target.set(bytes.subarray(at, at + n));
        at += n;
        inPlaceReads++;
        parser.filledInPlace(n);
        frames.push(...drain(parser));
      } else {
        const n = Math.min(want, shared.length, bytes.length - at);
        shared.set(bytes.subarray(at, at + n));
        at += n;
        parser.pushTransient(shared.subarray(0, n));
        frames.push(...drain(parser));
        parser.keep();
        shared.fill(0xaa);
      }
    }
    return { frames, inPlaceReads };
  }

  test("property: frames read through a shared, reused buffer and in place equal the frames pushed whole", () => {
    fc.assert(
      fc.property(
        frameSequenceArb,
        fc.array(fc.integer({ min: 1, max: 80_000 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 70_000 }),
        fc.integer({ min: 1, max: 4_000 }),
        ({ masked, allowedRsv, raw, expected }, readSizes, sharedSize, inPlaceFrom) => {
          const bytes = concatBytes(raw.map(encodeFrame));
          const parser = new FrameParser({ expectMasked: masked, maxFrameSize: BIG, allowedRsv });
          const { frames } = readOwned(parser, bytes, readSizes, sharedSize, inPlaceFrom);
          assert.deepEqual(frames.map(summarize), expected);
          assert.equal(parser.bufferedBytes, 0);
          assert.equal(parser.payloadRest, null);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a large payload is read in place after its first bytes; masked payloads never are", () => {
    const payload = patternBytes(300_000, 7);
    const bytes = concatBytes([encodeFrame({ opcode: Opcode.BINARY, payload }), encodeFrame({ opcode: Opcode.TEXT, payload: patternBytes(10, 1) })]);
    const plain = readOwned(clientParser(), bytes, [1000], 64 * 1024, 16 * 1024);
    assert.equal(plain.frames.length, 2);
    assert.equal(hex(plain.frames[0].data), hex(payload));
    // 1,000 bytes through the shared buffer, then reads of 1,000 straight into the payload until fewer
    // than 16 KiB are missing (the last ones come through the shared buffer, copied into it).
    assert.equal(plain.inPlaceReads, Math.ceil((300_000 - 1000 - 16 * 1024 + 1) / 1000));

    const maskedBytes = encodeFrame({ opcode: Opcode.BINARY, payload, maskKey: KEY });
    const masked = readOwned(serverParser(), maskedBytes, [1000], 64 * 1024, 16 * 1024);
    assert.equal(masked.inPlaceReads, 0);
    assert.equal(hex(masked.frames[0].data), hex(payload));
  });

  test("a frame taken from a transient chunk is a copy; one pushed normally stays a view", () => {
    const bytes = encodeFrame({ opcode: Opcode.BINARY, payload: patternBytes(100, 3) });
    const transient = bytes.slice();
    const parser = clientParser();
    parser.pushTransient(transient);
    const copied = parser.next()!;
    parser.keep();
    assert.notEqual(copied.data.buffer, transient.buffer);
    const stable = bytes.slice();
    const viewParser = clientParser();
    viewParser.push(stable);
    assert.equal(viewParser.next()!.data.buffer, stable.buffer);
  });

  test("a payload too large to allocate at once waits in copied chunks instead of throwing", () => {
    // A header for 8 GiB (allowed by maxFrameSize here): no Buffer can be that large.
    const header = Uint8Array.of(0x82, 127, 0, 0, 0, 2, 0, 0, 0, 0);
    const shared = concatBytes([header, patternBytes(100, 5)]);
    const parser = clientParser({ maxFrameSize: 2 ** 40 });
    parser.pushTransient(shared);
    assert.equal(parser.next(), null);
    assert.doesNotThrow(() => parser.keep());
    assert.equal(parser.payloadRest, null);
    shared.fill(0xaa);
    assert.equal(parser.bufferedBytes, 100);
  });

  test("what is left of a transient chunk is copied by keep(): a header cut in two survives the buffer's reuse", () => {
    const frame = encodeFrame({ opcode: Opcode.TEXT, payload: patternBytes(200, 9) });
    const shared = new Uint8Array(frame.length);
    const parser = clientParser();
    shared.set(frame.subarray(0, 3));
    parser.pushTransient(shared.subarray(0, 3));
    assert.equal(parser.next(), null);
    parser.keep();
    shared.fill(0xaa);
    shared.set(frame.subarray(3));
    parser.pushTransient(shared.subarray(0, frame.length - 3));
    const got = parser.next()!;
    parser.keep();
    shared.fill(0xaa);
    assert.equal(hex(got.data), hex(patternBytes(200, 9)));
  });
});
