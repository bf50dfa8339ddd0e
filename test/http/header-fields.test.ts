// Our check of the caller's request headers must accept, refuse and normalize exactly as `Headers`
// does (which we no longer make on the handshake's path): refusing is what stops header injection.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isValidHeaderField, normalizeHeaderFields, type HeaderFieldsInit } from "../../src/http/header-fields.js";

/** What `new Headers(init)` holds, or "TypeError" when it refuses `init`. */
function viaHeaders(init: HeaderFieldsInit): [string, string][] | "TypeError" {
  try {
    return [...new Headers(init as ConstructorParameters<typeof Headers>[0])];
  } catch (error) {
    assert.ok(error instanceof TypeError, `Headers threw ${String(error)}`);
    return "TypeError";
  }
}

function viaOurs(init: HeaderFieldsInit): [string, string][] | "TypeError" {
  try {
    return normalizeHeaderFields(init).map(([name, value]) => [name, value]);
  } catch (error) {
    assert.ok(error instanceof TypeError, `normalizeHeaderFields threw ${String(error)}`);
    return "TypeError";
  }
}

/** Names and values built from the characters that matter: token characters, separators, whitespace, controls, non-bytes. */
const CHARS = ["a", "B", "z", "0", "-", "_", "!", "~", " ", "\t", "\r", "\n", "\0", ":", ";", ",", '"', "\u007f", "\u00e9", "\u0100", "\u20ac", "\ud83d\ude00"];
const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((parts) => parts.join(""));
const field = fc.tuple(fc.oneof(text, fc.constantFrom("x-a", "X-A", "Authorization", "host")), fc.oneof(text, fc.constantFrom("v", " v ", "a, b")));

test("normalizeHeaderFields agrees with Headers on lists of pairs: the same fields, or a TypeError from both", () => {
  fc.assert(
    fc.property(fc.array(field, { maxLength: 6 }), (pairs) => {
      assert.deepEqual(viaOurs(pairs), viaHeaders(pairs));
    }),
    { numRuns: 3_000 },
  );
});

test("normalizeHeaderFields agrees with Headers on records and on Headers objects", () => {
  fc.assert(
    fc.property(fc.array(field, { maxLength: 6 }), (pairs) => {
      const record = Object.fromEntries(pairs);
      assert.deepEqual(viaOurs(record), viaHeaders(record));
      const built = viaHeaders(pairs);
      if (built !== "TypeError") {
        const headers = new Headers(built);
        assert.deepEqual(viaOurs(headers), viaHeaders(headers));
      }
    }),
    { numRuns: 1_000 },
  );
});

test("header injection is refused: CR, LF and NUL inside a value, and a name that is not a token", () => {
  for (const value of ["a\r\nx-injected: 1", "a\nb", "a\rb", "a\0b"]) {
    assert.throws(() => normalizeHeaderFields({ "x-a": value }), TypeError, JSON.stringify(value));
    assert.equal(isValidHeaderField("x-a", value), false);
  }
  for (const name of ["x a", "x:a", "", "x\r\n"]) {
    assert.throws(() => normalizeHeaderFields([[name, "v"]]), TypeError, JSON.stringify(name));
    assert.equal(isValidHeaderField(name, "v"), false);
  }
  // Whitespace at the ends is trimmed, as Headers does, so a trailing CRLF is not refused but dropped.
  assert.deepEqual(normalizeHeaderFields({ "X-A": " v\r\n" }), [["x-a", "v"]]);
});

test("a refused value is not repeated in the error (it may be a credential)", () => {
  assert.throws(() => normalizeHeaderFields({ authorization: "Bearer s3cret\n" + "x" }), (error: Error) => !error.message.includes("s3cret"));
});

test("pairs that are not pairs are refused", () => {
  assert.throws(() => normalizeHeaderFields([["x-a"]] as unknown as [string, string][]), TypeError);
  assert.throws(() => normalizeHeaderFields([["x-a", "1", "2"]] as unknown as [string, string][]), TypeError);
});
