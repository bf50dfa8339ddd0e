// toError: anything thrown, as an Error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { toError } from "../../src/util/to-error.js";
import { WebSocketError } from "../../src/errors.js";

test("an Error is given back as it is", () => {
  const error = new RangeError("out");
  assert.equal(toError(error), error);
});

test("anything else becomes a WebSocketError with its text", () => {
  for (const [value, message] of [["boom", "boom"], [42, "42"], [null, "null"], [undefined, "undefined"], [{}, "[object Object]"]] as const) {
    const error = toError(value);
    assert.ok(error instanceof WebSocketError);
    assert.equal(error.message, message);
  }
});
