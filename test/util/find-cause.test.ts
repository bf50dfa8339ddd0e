// findCause: an error of a given class along a cause chain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findCause } from "../../src/util/find-cause.js";

test("the error itself, or the first match along its causes", () => {
  const inner = new RangeError("inner");
  const outer = new TypeError("outer", { cause: new Error("middle", { cause: inner }) });
  assert.equal(findCause(outer, RangeError), inner);
  assert.equal(findCause(outer, TypeError), outer);
  assert.equal(findCause(outer, Error), outer);
});

test("null for no match, for a non-Error, and past a non-Error cause", () => {
  assert.equal(findCause(new Error("x"), RangeError), null);
  assert.equal(findCause("text", Error), null);
  assert.equal(findCause(null, Error), null);
  assert.equal(findCause(new Error("x", { cause: { cause: new RangeError("hidden") } }), RangeError), null);
});

test("looks 8 deep, so a cycle of causes ends", () => {
  let error = new RangeError("deepest");
  for (let i = 0; i < 7; i++) error = new Error(`wrapper ${i}`, { cause: error });
  assert.ok(findCause(error, RangeError) !== null);
  assert.equal(findCause(new Error("one more", { cause: error }), RangeError), null);
  const cyclic = new Error("a");
  cyclic.cause = new Error("b", { cause: cyclic });
  assert.equal(findCause(cyclic, RangeError), null);
});
