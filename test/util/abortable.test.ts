// abortable: a promise raced against an AbortSignal, with what arrives too late handed back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { abortable } from "../../src/util/abortable.js";
import { deferred } from "../helpers/deferred.js";

/** The abort listeners a signal has now (counted through add/removeEventListener). */
function countListeners(signal: AbortSignal): () => number {
  let count = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<AbortSignal["addEventListener"]>) => {
    count++;
    add(...args);
  }) as AbortSignal["addEventListener"];
  signal.removeEventListener = ((...args: Parameters<AbortSignal["removeEventListener"]>) => {
    count--;
    remove(...args);
  }) as AbortSignal["removeEventListener"];
  return () => count;
}

test("settles as the promise does while the signal stays quiet, and stops listening", async () => {
  const controller = new AbortController();
  const listeners = countListeners(controller.signal);
  assert.equal(await abortable(Promise.resolve(7), controller.signal), 7);
  assert.equal(listeners(), 0);
  const failure = new Error("no");
  await assert.rejects(abortable(Promise.reject(failure), controller.signal), (error) => error === failure);
  assert.equal(listeners(), 0);
});

test("an abort rejects with the signal's reason before the promise settles; the late value goes to onLate", async () => {
  const controller = new AbortController();
  const { promise, resolve } = deferred<string>();
  const late: string[] = [];
  const raced = abortable(promise, controller.signal, (value) => late.push(value));
  const reason = new Error("timed out");
  controller.abort(reason);
  await assert.rejects(raced, (error) => error === reason);
  resolve("connection");
  await promise;
  await Promise.resolve();
  assert.deepEqual(late, ["connection"]);
});

test("an already aborted signal rejects at once; a late value still reaches onLate, a late failure is ignored", async () => {
  const reason = new Error("closed");
  const signal = AbortSignal.abort(reason);
  const late: number[] = [];
  const { promise, resolve } = deferred<number>();
  const raced = abortable(promise, signal, (value) => late.push(value));
  await assert.rejects(raced, (error) => error === reason);
  resolve(1);
  await promise;
  await Promise.resolve();
  assert.deepEqual(late, [1]);
  const failing = deferred<number>();
  await assert.rejects(abortable(failing.promise, signal, () => assert.fail("a failure is not late value")), (error) => error === reason);
  failing.reject(new Error("late failure")); // no unhandled rejection
  await new Promise((resolve) => setImmediate(resolve));
});

test("a value that comes before the abort is not handed to onLate", async () => {
  const controller = new AbortController();
  const late: number[] = [];
  assert.equal(await abortable(Promise.resolve(3), controller.signal, (value) => late.push(value)), 3);
  controller.abort();
  await Promise.resolve();
  assert.deepEqual(late, []);
});
