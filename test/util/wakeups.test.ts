// Wakeups: waits that end on their event or on wakeAll(), without piling reactions on the waker.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Wakeups } from "../../src/util/wakeups.js";

const never = new Promise<void>(() => {});

test("a wait ends when its event settles, fulfilled or rejected", async () => {
  const wakeups = new Wakeups();
  await wakeups.waitFor(Promise.resolve("value"));
  await wakeups.waitFor(Promise.reject(new Error("event failed"))); // resolves all the same
  assert.equal(wakeups.size, 0);
});

test("wakeAll ends every wait under way, and only those", async () => {
  const wakeups = new Wakeups();
  let ended = 0;
  const waits = [wakeups.waitFor(never), wakeups.waitFor(never)].map((wait) => wait.then(() => ended++));
  assert.equal(wakeups.size, 2);
  await Promise.resolve();
  assert.equal(ended, 0, "nothing ends before the wake");
  wakeups.wakeAll();
  await Promise.all(waits);
  assert.equal(ended, 2);
  assert.equal(wakeups.size, 0);
  let later = false;
  void wakeups.waitFor(never).then(() => (later = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(later, false, "a wait begun after wakeAll is not woken by it");
  wakeups.wakeAll();
});

test("many waits on settling events leave nothing behind", async () => {
  const wakeups = new Wakeups();
  for (let i = 0; i < 10_000; i++) await wakeups.waitFor(Promise.resolve(i));
  assert.equal(wakeups.size, 0, "each finished wait forgot itself");
});
