// RetryWait: the wait between attempts, cut short by wake() (close) or by the network coming back.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { RetryWait, onlineEvents, type OnlineEventSource } from "../../../src/plugins/reconnect/retry-wait.js";

/** A global object as browsers have it: `online` events and `navigator.onLine`, with its listeners counted. */
class FakeOnline implements OnlineEventSource {
  readonly navigator = { onLine: true };
  private readonly listeners = new Set<() => void>();
  addEventListener(_type: "online", listener: () => void): void {
    this.listeners.add(listener);
  }
  removeEventListener(_type: "online", listener: () => void): void {
    this.listeners.delete(listener);
  }
  get listening(): number {
    return this.listeners.size;
  }
  fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Milliseconds `promise` took to resolve. */
async function timed(promise: Promise<void>, started = performance.now()): Promise<number> {
  await promise;
  return performance.now() - started;
}

const T = { timeout: 5_000 };

describe("RetryWait", () => {
  test("waits its delay", T, async () => {
    const wait = new RetryWait(() => 0, null);
    const took = await timed(wait.wait(40, 0));
    assert.ok(took >= 35, `waited ${took} ms`);
  });

  test("wake() ends the wait under way at once; with none, it does nothing", T, async () => {
    const wait = new RetryWait(() => 0, null);
    wait.wake();
    const started = performance.now();
    const waiting = wait.wait(60_000, 0);
    setTimeout(() => wait.wake(), 5);
    const took = await timed(waiting, started);
    assert.ok(took < 1000, `woken after ${took} ms`);
  });

  test("an online event shortens a long wait to the first retry's delay", T, async () => {
    const online = new FakeOnline();
    const wait = new RetryWait(() => 20, online);
    const started = performance.now();
    const waiting = wait.wait(60_000, 0);
    assert.equal(online.listening, 1);
    online.fire();
    const took = await timed(waiting, started);
    assert.ok(took >= 15 && took < 1000, `waited ${took} ms after coming online`);
    assert.equal(online.listening, 0, "the listener goes away with the wait");
  });

  test("never below the floor (what Retry-After asked); offline events change nothing", T, async () => {
    const online = new FakeOnline();
    const wait = new RetryWait(() => 0, online);
    const started = performance.now();
    const waiting = wait.wait(60_000, 150);
    online.fire();
    const took = await timed(waiting, started);
    assert.ok(took >= 140 && took < 1500, `waited ${took} ms, floor 150`);

    online.navigator.onLine = false;
    const offline = wait.wait(60_000, 0);
    online.fire();
    let done = false;
    void offline.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(done, false, "still offline: the wait goes on");
    wait.wake();
    await offline;
  });

  test("an online event never lengthens a wait that ends sooner anyway", T, async () => {
    const online = new FakeOnline();
    const wait = new RetryWait(() => 10_000, online);
    const started = performance.now();
    const waiting = wait.wait(30, 0);
    online.fire();
    const took = await timed(waiting, started);
    assert.ok(took < 1000, `waited ${took} ms`);
  });

  test("Node's global object has no online events", T, () => {
    assert.equal(onlineEvents(), null);
  });
});
