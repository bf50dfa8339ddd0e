import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { ChunkedDecoder, bodyExcerpt, parseContentLength, type BodyExcerpt } from "../../src/http/chunked-body.js";

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1");
const text = (excerpt: BodyExcerpt): string => Buffer.from(excerpt.bytes()).toString("latin1");

/** Feeds `wire` cut at `cuts` (offsets) and returns the decoder's text and whether it finished. */
function feed(excerpt: BodyExcerpt, wire: Uint8Array, cuts: readonly number[] = []): { body: string; done: boolean } {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b).concat(wire.length)) {
    if (cut < at) continue;
    excerpt.push(wire.subarray(at, cut));
    at = cut;
  }
  return { body: text(excerpt), done: excerpt.done };
}

/** `body` as chunks of the given sizes (the rest in a last one), each size line in hex with an optional extension. */
function chunked(body: Uint8Array, sizes: readonly number[], options: { extension?: string; upper?: boolean; trailers?: string } = {}): Uint8Array {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const size of [...sizes, body.length]) {
    const n = Math.min(size, body.length - at);
    if (n <= 0) continue;
    const hex = options.upper ? n.toString(16).toUpperCase() : n.toString(16);
    pieces.push(Buffer.from(`${hex}${options.extension ?? ""}\r\n`, "latin1"), Buffer.from(body.subarray(at, at + n)), Buffer.from("\r\n"));
    at += n;
  }
  pieces.push(Buffer.from(`0${options.extension ?? ""}\r\n${options.trailers ?? ""}\r\n`, "latin1"));
  return Buffer.concat(pieces);
}

describe("ChunkedDecoder", () => {
  test("decodes a chunked body and stops at the last chunk", () => {
    const decoder = new ChunkedDecoder(4096);
    assert.equal(decoder.push(bytes('19\r\n{"error":"forbidden!!!!"}\r\n')), false);
    assert.equal(decoder.push(bytes("0\r\n\r\n")), true);
    assert.equal(text(decoder), '{"error":"forbidden!!!!"}');
  });

  test("chunk extensions are skipped, upper-case hex and leading zeros read, trailers ignored", () => {
    const wire = bytes('5;ext=1\r\nhello\r\n0006 ; name="q;uoted"\r\n world\r\nA\r\n0123456789\r\n000;last\r\nX-Trailer: yes\r\nOther: no\r\n\r\nnext response');
    assert.deepEqual(feed(new ChunkedDecoder(4096), wire), { body: "hello world0123456789", done: true });
  });

  test("the excerpt stops at the limit, in the middle of a chunk", () => {
    const decoder = new ChunkedDecoder(7);
    assert.equal(decoder.push(bytes("5\r\nhello\r\n6\r\n wor")), true);
    assert.equal(text(decoder), "hello w");
    assert.equal(decoder.push(bytes("ld\r\n0\r\n\r\n")), true, "nothing more is taken");
    assert.equal(text(decoder), "hello w");
  });

  test("broken framing ends the body where it broke", () => {
    const cases: [string, string][] = [
      ["5\r\nhelloXX\r\n0\r\n\r\n", "hello"], // no CRLF after the data
      ["5\r\nhello\r\nzz\r\nmore\r\n", "hello"], // a size that is not hex
      ["5\nhello\r\n", ""], // a bare LF after the size
      ["\r\n5\r\nhello\r\n", ""], // an empty size line
      ["5;ext\nhello\r\n", ""], // a bare LF after an extension
      ["3\r\nabc\r\n5x\r\nhello", "abc"], // junk after the size digits
      [`${"f".repeat(20)}\r\n`, ""], // a size no number holds
      [`1;${"x".repeat(5000)}\r\na\r\n0\r\n\r\n`, ""], // a size line that never ends
      ["{\"not\":\"chunked\"}", ""],
    ];
    for (const [wire, body] of cases) {
      assert.deepEqual(feed(new ChunkedDecoder(4096), bytes(wire)), { body, done: true }, JSON.stringify(wire));
    }
  });

  test("an unfinished body is not done, and keeps what arrived", () => {
    assert.deepEqual(feed(new ChunkedDecoder(4096), bytes("a\r\n01234")), { body: "01234", done: false });
    assert.deepEqual(feed(new ChunkedDecoder(4096), bytes("3\r\nabc\r")), { body: "abc", done: false });
    assert.deepEqual(feed(new ChunkedDecoder(4096), bytes("3\r\nabc\r\n0")), { body: "abc", done: false });
  });

  test("any body, in any chunks, read in any pieces, decodes back to the body's first `limit` bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 8 }),
        fc.array(fc.nat({ max: 1200 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 700 }),
        fc.constantFrom("", ";a=1", ';q="x y"', " ;b"),
        fc.boolean(),
        fc.constantFrom("", "X-T: 1\r\n"),
        (body, sizes, cuts, limit, extension, upper, trailers) => {
          const wire = chunked(body, sizes, { extension, upper, trailers });
          const decoded = feed(new ChunkedDecoder(limit), wire, cuts);
          assert.deepEqual(decoded, { body: Buffer.from(body.subarray(0, limit)).toString("latin1"), done: true });
        },
      ),
      { numRuns: 2_000 },
    );
  });

  test("a body cut short anywhere decodes to a prefix of the body and is not done", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 5 }), fc.nat(), (body, sizes, end) => {
        const wire = chunked(body, sizes);
        const cut = end % (wire.length - 2); // at least the final CRLF of the last chunk is missing
        const decoded = feed(new ChunkedDecoder(4096), wire.subarray(0, cut));
        assert.equal(decoded.done, false);
        assert.ok(Buffer.from(body).toString("latin1").startsWith(decoded.body));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("bodyExcerpt picks the framing from the head", () => {
  const head = (status: number, fields: Record<string, string> = {}) => ({
    status,
    header: (name: string) => fields[name.toLowerCase()] ?? null,
  });

  test("Transfer-Encoding ending in chunked is decoded, whatever the case and other codings", () => {
    for (const value of ["chunked", "Chunked", "gzip, chunked", " CHUNKED "]) {
      assert.deepEqual(feed(bodyExcerpt(head(403, { "transfer-encoding": value, "content-length": "3" }), 4096), bytes("2\r\nno\r\n0\r\n\r\n")), {
        body: "no",
        done: true,
      });
    }
  });

  test("Content-Length bounds the body; without one the body runs until close, bounded by the limit", () => {
    assert.deepEqual(feed(bodyExcerpt(head(403, { "content-length": "5" }), 4096), bytes("helloEXTRA")), { body: "hello", done: true });
    assert.deepEqual(feed(bodyExcerpt(head(403, { "content-length": "5, 5" }), 4096), bytes("helloEXTRA")), { body: "hello", done: true });
    assert.deepEqual(feed(bodyExcerpt(head(403, { "content-length": "10" }), 4), bytes("helloEXTRA")), { body: "hell", done: true });
    assert.deepEqual(feed(bodyExcerpt(head(403, { "content-length": "0" }), 4096), bytes("")), { body: "", done: true });
    assert.deepEqual(feed(bodyExcerpt(head(403), 4096), bytes("until close")), { body: "until close", done: false });
    assert.deepEqual(feed(bodyExcerpt(head(403, { "content-length": "x" }), 4096), bytes("until close")), { body: "until close", done: false });
    assert.deepEqual(feed(bodyExcerpt(head(403, { "transfer-encoding": "gzip" }), 4096), bytes("raw")), { body: "raw", done: false });
    assert.deepEqual(feed(bodyExcerpt(head(403), 3), bytes("until close")), { body: "unt", done: true });
  });

  test("1xx, 204 and 304 answers have no body", () => {
    for (const status of [100, 199, 204, 304]) {
      const excerpt = bodyExcerpt(head(status, { "content-length": "5" }), 4096);
      assert.equal(excerpt.done, true);
      assert.deepEqual(feed(excerpt, bytes("hello")), { body: "", done: true });
    }
  });

  test("parseContentLength takes digits, and repeated values only when they agree", () => {
    assert.equal(parseContentLength("42"), 42);
    assert.equal(parseContentLength(" 42 , 42"), 42);
    assert.equal(parseContentLength(null), null);
    for (const bad of ["", "-1", "4 2", "0x10", "1e3", "42, 43", "99999999999999999999"]) assert.equal(parseContentLength(bad), null, bad);
  });
});
