// describeValue: how error messages quote what they were given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describeValue, quote, typeError, rangeError } from "../../src/util/describe-value.js";

test("values are quoted with their kind", () => {
  const cases: [unknown, string][] = [
    ["8080", '"8080" (a string)'],
    ["", '"" (a string)'],
    [42, "42 (a number)"],
    [NaN, "NaN (a number)"],
    [-0, "0 (a number)"],
    [10n, "10n (a bigint)"],
    [true, "true (a boolean)"],
    [null, "null"],
    [undefined, "undefined"],
    [Symbol("s"), "Symbol(s) (a symbol)"],
    [function named() {}, "a function named"],
    [() => 1, "a function"],
    [[1, 2, 3], "an array of 3"],
    [new ArrayBuffer(1), "an ArrayBuffer of 1 byte"],
    [new Float32Array(2), "a Float32Array of 8 bytes"],
    [Buffer.alloc(3), "a Buffer of 3 bytes"],
    [new DataView(new ArrayBuffer(4)), "a DataView of 4 bytes"],
    [{}, "an empty object"],
    [{ a: 1, b: 2 }, "an object with keys a, b"],
    [{ a: 1, b: 2, c: 3, d: 4, e: 5 }, "an object with keys a, b, c, d, …"],
    [Object.create(null), "an empty object"],
    [new Date(0), "a Date"],
    [new Map(), "a Map"],
    [Promise.resolve(), "a Promise"],
    [new (class Engine {})(), "an Engine"],
  ];
  for (const [value, text] of cases) assert.equal(describeValue(value), text);
});

test("long strings are cut, and quoting escapes what a terminal would act on", () => {
  assert.equal(quote("x".repeat(100)), `"${"x".repeat(60)}…"`);
  assert.equal(quote("a\nb\u001b[31m"), '"a\\nb\\u001b[31m"');
});

test("quoting also escapes C1 controls and what reorders or breaks lines, and never cuts a surrogate pair in two", () => {
  assert.equal(quote("a\u009bb\u2028c\u202ed\u2066e\u007f"), '"a\\u009bb\\u2028c\\u202ed\\u2066e\\u007f"');
  assert.equal(describeValue("\u202eevil"), '"\\u202eevil" (a string)');
  // 59 "x" then an emoji: the cut at 60 would fall between its two halves.
  assert.equal(quote(`${"x".repeat(59)}🌍🌍`), `"${"x".repeat(59)}…"`);
  assert.equal(quote("🌍🌍", 3), '"🌍…"');
  assert.equal(quote("abcdef", 3, "after"), '"abc"…', "a log line's preview: the ellipsis follows the quotes");
  assert.equal(describeValue({ [`${"k".repeat(29)}🌍 key`]: 1 }), `an object with keys "${"k".repeat(29)}…"`);
});

test("never throws, whatever it is given (revoked proxies, throwing getters)", () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  assert.match(describeValue(proxy), /^a value of type object$/);
  const hostile = new Proxy({}, { getPrototypeOf: () => { throw new Error("no"); } });
  assert.equal(describeValue(hostile), "a value of type object");
  fc.assert(
    fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withBoxedValues: true, withNullPrototype: true, withDate: true, withMap: true, withSet: true }), (value) => {
      const text = describeValue(value);
      assert.equal(typeof text, "string");
      assert.ok(text.length <= 120, text);
    }),
    { numRuns: 1000 },
  );
});

test("typeError and rangeError say the parameter, what it takes, and what it got", () => {
  const type = typeError("port", "a whole number from 1 to 65535", "8080");
  assert.ok(type instanceof TypeError);
  assert.equal(type.message, 'port must be a whole number from 1 to 65535; got "8080" (a string)');
  const range = rangeError("port", "a whole number from 1 to 65535", 70000);
  assert.ok(range instanceof RangeError);
  assert.equal(range.message, "port must be a whole number from 1 to 65535; got 70000 (a number)");
});
