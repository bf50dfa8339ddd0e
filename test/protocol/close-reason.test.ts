import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CloseReason,
  MAX_CLOSE_MESSAGE_BYTES,
  decodeClosePayload,
  encodeClosePayload,
  isSendableCloseCode,
  truncateUtf8,
} from "../../src/protocol/close-reason.js";
import { ProtocolViolationError } from "../../src/errors.js";

/** RFC 6455 §7.4 and the IANA registry, written out independently of the code under test. */
function expectedSendable(code: number): boolean {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  if (code >= 3000 && code <= 4999) return true;
  return false;
}

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

function payload(code: number, ...rest: number[]): Uint8Array {
  return Uint8Array.of(code >>> 8, code & 0xff, ...rest);
}

function assertViolation(fn: () => unknown, closeCode: number): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolViolationError, `expected ProtocolViolationError, got ${String(error)}`);
    assert.equal(error.closeCode, closeCode);
    return true;
  });
}

describe("isSendableCloseCode", () => {
  test("valid: 1000–1003, 1007–1014, 3000–4999", () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3001, 4000, 4999]) {
      assert.equal(isSendableCloseCode(code), true, String(code));
    }
  });

  test("invalid: below 1000, 1004, 1005, 1006, 1015, 1016–2999, 5000 and up", () => {
    for (const code of [-1, 0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 5001, 9999, 65535, 65536]) {
      assert.equal(isSendableCloseCode(code), false, String(code));
    }
  });

  test("the whole table from 0 to 65535", () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (isSendableCloseCode(code) !== expectedSendable(code)) assert.fail(`code ${code}: expected ${expectedSendable(code)}`);
    }
  });
});

describe("decodeClosePayload", () => {
  test("an empty payload means 1005 (no status received) and no message", () => {
    const reason = decodeClosePayload(new Uint8Array(0));
    assert.equal(reason.code, 1005);
    assert.equal(reason.code, CloseReason.Codes.NO_STATUS_RECEIVED);
    assert.equal(reason.message, "");
  });

  test("a 1-byte payload is a protocol error (1002)", () => {
    for (const byte of [0x00, 0x03, 0xe8, 0xff]) assertViolation(() => decodeClosePayload(Uint8Array.of(byte)), 1002);
  });

  test("an invalid code is a protocol error (1002)", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
      assertViolation(() => decodeClosePayload(payload(code)), 1002);
      assertViolation(() => decodeClosePayload(payload(code, 0x61)), 1002);
    }
  });

  test("a reason that is not UTF-8 is 1007", () => {
    const invalid = [
      [0xff],
      [0x80], // lone continuation byte
      [0xc0, 0x80], // overlong NUL
      [0xc3], // truncated 2-byte sequence
      [0xe2, 0x82], // truncated 3-byte sequence
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
      [0x61, 0x62, 0xfe],
    ];
    for (const bytes of invalid) assertViolation(() => decodeClosePayload(payload(1000, ...bytes)), 1007);
  });

  test("valid payloads decode to their code and message", () => {
    assert.deepEqual(pick(decodeClosePayload(payload(1000))), [1000, ""]);
    assert.deepEqual(pick(decodeClosePayload(payload(1001, ...Buffer.from("bye")))), [1001, "bye"]);
    assert.deepEqual(pick(decodeClosePayload(payload(3000, ...Buffer.from("é€🙂")))), [3000, "é€🙂"]);
    assert.deepEqual(pick(decodeClosePayload(payload(4999, ...Buffer.from("x".repeat(123))))), [4999, "x".repeat(123)]);
    assert.deepEqual(pick(decodeClosePayload(payload(1014))), [1014, ""]);
  });
});

function pick(reason: CloseReason): [number, string] {
  return [reason.code, reason.message];
}

describe("encodeClosePayload", () => {
  test("the code in network order, then the UTF-8 message", () => {
    assert.deepEqual([...encodeClosePayload(new CloseReason(1000))], [0x03, 0xe8]);
    assert.deepEqual([...encodeClosePayload(new CloseReason(4999, "é"))], [0x13, 0x87, 0xc3, 0xa9]);
    assert.deepEqual([...encodeClosePayload(new CloseReason(1011, "ok"))], [0x03, 0xf3, 0x6f, 0x6b]);
  });

  test("codes that may not be sent are refused", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 5000]) {
      assert.throws(() => encodeClosePayload(new CloseReason(code)), RangeError, String(code));
    }
  });

  test("a long message is cut to 123 bytes", () => {
    assert.equal(MAX_CLOSE_MESSAGE_BYTES, 123);
    const encoded = encodeClosePayload(new CloseReason(1000, "a".repeat(500)));
    assert.equal(encoded.length, 125);
    assert.equal(decodeClosePayload(encoded).message, "a".repeat(123));
    const exact = encodeClosePayload(new CloseReason(1000, "b".repeat(123)));
    assert.equal(exact.length, 125);
    assert.equal(encodeClosePayload(new CloseReason(1000, "b".repeat(124))).length, 125);
  });

  test("the cut never splits a code point", () => {
    const cases: Array<[string, string]> = [
      ["é".repeat(100), "é".repeat(61)], // 2-byte: 61 × 2 = 122
      ["€".repeat(100), "€".repeat(41)], // 3-byte: 41 × 3 = 123
      ["🙂".repeat(100), "🙂".repeat(30)], // 4-byte (a surrogate pair in JS): 30 × 4 = 120
      ["a" + "🙂".repeat(40), "a" + "🙂".repeat(30)], // 1 + 120 = 121
      ["ab" + "🙂".repeat(40), "ab" + "🙂".repeat(30)], // 2 + 120 = 122
      ["abc" + "🙂".repeat(40), "abc" + "🙂".repeat(30)], // 3 + 120 = 123
      ["abcd" + "🙂".repeat(40), "abcd" + "🙂".repeat(29)], // 4 + 116 = 120: the 31st emoji would need 124
    ];
    for (const [message, kept] of cases) {
      const encoded = encodeClosePayload(new CloseReason(1000, message));
      assert.ok(encoded.length <= 125);
      assert.equal(decodeClosePayload(encoded).message, kept, `cutting ${JSON.stringify(message.slice(0, 8))}…`);
      assert.equal(encoded.length, 2 + Buffer.byteLength(kept));
    }
  });

  test("truncateUtf8 directly", () => {
    assert.equal(truncateUtf8("hello", 10), "hello");
    assert.equal(truncateUtf8("hello", 3), "hel");
    assert.equal(truncateUtf8("héllo", 2), "h");
    assert.equal(truncateUtf8("héllo", 3), "hé");
    assert.equal(truncateUtf8("🙂🙂", 7), "🙂");
    assert.equal(truncateUtf8("🙂", 3), "");
    assert.equal(truncateUtf8("", 0), "");
  });

  test("property: any sendable code and message round trip, cut to fit a control frame", () => {
    const sendable = fc.oneof(fc.integer({ min: 1000, max: 1003 }), fc.integer({ min: 1007, max: 1014 }), fc.integer({ min: 3000, max: 4999 }));
    fc.assert(
      fc.property(sendable, unicodeStringArb(150), (code, message) => {
        const encoded = encodeClosePayload(new CloseReason(code, message));
        assert.ok(encoded.length <= 125);
        const decoded = decodeClosePayload(encoded);
        assert.equal(decoded.code, code);
        assert.ok(message.startsWith(decoded.message));
        const byteLength = Buffer.byteLength(message);
        if (byteLength <= 123) {
          assert.equal(decoded.message, message);
        } else {
          // As much as fits: the next code point would not.
          const next = String.fromCodePoint(message.codePointAt(decoded.message.length)!);
          assert.ok(Buffer.byteLength(decoded.message) + Buffer.byteLength(next) > 123);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("CloseReason", () => {
  test("code and message, message defaulting to empty", () => {
    const reason = new CloseReason(1000, "x");
    assert.equal(reason.code, 1000);
    assert.equal(reason.message, "x");
    assert.equal(new CloseReason(1001).message, "");
  });

  test("the constructor refuses what cannot be a close code at all", () => {
    for (const code of [-1, 65536, 1000.5, NaN, Infinity]) assert.throws(() => new CloseReason(code), RangeError, String(code));
    // Codes that may not be sent can still be represented (1005, 1006 are reported locally).
    assert.equal(new CloseReason(1006).code, 1006);
    assert.equal(new CloseReason(0).code, 0);
    assert.equal(new CloseReason(65535).code, 65535);
  });

  test("Codes has the RFC 6455 values", () => {
    assert.deepEqual(
      { ...CloseReason.Codes },
      {
        NORMAL: 1000,
        GOING_AWAY: 1001,
        PROTOCOL_ERROR: 1002,
        CANNOT_ACCEPT: 1003,
        NO_STATUS_RECEIVED: 1005,
        CLOSED_ABNORMALLY: 1006,
        NOT_CONSISTENT: 1007,
        VIOLATED_POLICY: 1008,
        TOO_BIG: 1009,
        NO_EXTENSION: 1010,
        INTERNAL_ERROR: 1011,
        SERVICE_RESTART: 1012,
        TRY_AGAIN_LATER: 1013,
      },
    );
    assert.ok(Object.isFrozen(CloseReason.Codes));
  });

  test("knownReason names the known codes and nothing else", () => {
    for (const [name, code] of Object.entries(CloseReason.Codes)) assert.equal(new CloseReason(code).knownReason, name);
    assert.equal(new CloseReason(1000).knownReason, "NORMAL");
    assert.equal(new CloseReason(1009).knownReason, "TOO_BIG");
    for (const code of [0, 1004, 1014, 1015, 3000, 4000, 4999]) assert.equal(new CloseReason(code).knownReason, undefined, String(code));
  });

  test("toString", () => {
    assert.equal(new CloseReason(1000).toString(), "CloseReason(NORMAL)");
    assert.equal(new CloseReason(1001, "bye").toString(), 'CloseReason(GOING_AWAY, "bye")');
    assert.equal(new CloseReason(4000, "x").toString(), 'CloseReason(4000, "x")');
  });
});
