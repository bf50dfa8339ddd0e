// fulfilsWithin: true only for a promise that fulfils in time; a rejection or a wait past the time is
// false; the timer is cleared either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fulfilsWithin } from "../../src/util/fulfils-within.js";

test("fulfilled in time is true; rejected or still pending at the deadline is false", async () => {
  assert.equal(await fulfilsWithin(Promise.resolve("x"), 1_000), true);
  assert.equal(await fulfilsWithin(new Promise((resolve) => setTimeout(resolve, 10)), 1_000), true);
  assert.equal(await fulfilsWithin(Promise.reject(new Error("no")), 1_000), false);
  const started = performance.now();
  assert.equal(await fulfilsWithin(new Promise(() => {}), 30), false);
  assert.ok(performance.now() - started >= 25, "it waited for the deadline");
});

test("no timer is left behind", async () => {
  const before = process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
  await fulfilsWithin(Promise.resolve(), 60_000);
  assert.equal(process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length, before);
});
