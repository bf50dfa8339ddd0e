// checkCountOrInfinity and checkChoice: the checks settings share, with their exact messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkChoice, checkCountOrInfinity } from "../../src/util/checks.js";

test("checkCountOrInfinity: a whole number >= 1 or Infinity, given back", () => {
  for (const value of [1, 64, Number.MAX_SAFE_INTEGER, Infinity]) assert.equal(checkCountOrInfinity(value, "n"), value);
});

test("checkCountOrInfinity: a RangeError for a number out of range, a TypeError for anything else", () => {
  for (const value of [0, -1, 1.5, NaN, -Infinity, 2 ** 53]) {
    assert.throws(() => checkCountOrInfinity(value, "limits.n"), { name: "RangeError", message: `limits.n must be a whole number >= 1 or Infinity; got ${value} (a number)` });
  }
  assert.throws(() => checkCountOrInfinity("5", "n"), { name: "TypeError", message: 'n must be a whole number >= 1 or Infinity; got "5" (a string)' });
  assert.throws(() => checkCountOrInfinity(null, "n"), { name: "TypeError", message: "n must be a whole number >= 1 or Infinity; got null" });
});

test("checkChoice: one of the choices, given back", () => {
  assert.equal(checkChoice("close", "policy", ["suspend", "close"]), "close");
});

test("checkChoice: a RangeError for another string, a TypeError for anything else; the choices listed", () => {
  assert.throws(() => checkChoice("Close", "policy", ["suspend", "close"]), { name: "RangeError", message: 'policy must be "suspend" or "close"; got "Close" (a string)' });
  assert.throws(() => checkChoice(1, "policy", ["a", "b", "c"]), { name: "TypeError", message: 'policy must be "a", "b" or "c"; got 1 (a number)' });
  assert.throws(() => checkChoice(undefined, "policy", ["only"]), { name: "TypeError", message: 'policy must be "only"; got undefined' });
});
