// backgroundTimer: a timer that fires as setTimeout does but never holds the process open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backgroundTimer } from "../../src/util/timers.js";

test("fires after its delay and does not keep the event loop alive", async () => {
  let fired = false;
  const timer = backgroundTimer(() => (fired = true), 5);
  assert.equal(timer.hasRef(), false);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, true);
});

test("can be cleared like any timer", async () => {
  let fired = false;
  clearTimeout(backgroundTimer(() => (fired = true), 5));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, false);
});
