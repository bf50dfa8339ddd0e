// Where the runtime tells of the network coming back (`online` on the global object, as browsers
// do), a long wait before the next attempt is cut short. Node has neither, so this test gives the
// global object a `navigator` and an event target for its duration (each test file is its own process).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { delay } from "../../helpers/ws-peer.js";
import { EventLog, ScriptedServer, echoFrames, reconnectClient } from "./helpers.js";

type Listener = Parameters<EventTarget["addEventListener"]>[1];

interface BrowserLike {
  navigator?: { onLine: boolean };
  addEventListener?: EventTarget["addEventListener"];
  removeEventListener?: EventTarget["removeEventListener"];
}

describe("online events", () => {
  test("an online event shortens the wait; offline (navigator.onLine false) it does not; the listener goes away", { timeout: 20_000 }, async () => {
    const global = globalThis as unknown as BrowserLike;
    const events = new EventTarget();
    let listening = 0;
    const navigator = { onLine: false };
    global.navigator = navigator;
    global.addEventListener = (type: string, listener: Listener) => {
      listening++;
      events.addEventListener(type, listener);
    };
    global.removeEventListener = (type: string, listener: Listener) => {
      listening--;
      events.removeEventListener(type, listener);
    };
    const server = await ScriptedServer.start(async (connection) => {
      await connection.accept();
      await echoFrames(connection);
    });
    const url = server.url;
    await server.stop();
    const client = reconnectClient((r) => {
      r.minDelay = "100ms";
      r.maxDelay = "60s";
      r.factor = 1000;
      r.random = () => 0.99;
    });
    const session = client.reconnectingSession(url);
    const log = new EventLog(session);
    try {
      const retry = await log.nth("retry", 2);
      assert.ok(retry.delayMillis > 50_000, `a long wait: ${retry.delayMillis} ms`);
      assert.equal(listening, 1, "listening for online while waiting");
      await server.listen();
      // Still offline: an event without the network back changes nothing.
      events.dispatchEvent(new Event("online"));
      await delay(300);
      assert.equal(log.of("connecting").length, 2);
      // Back online: the next attempt comes within [0, minDelay).
      navigator.onLine = true;
      const at = performance.now();
      events.dispatchEvent(new Event("online"));
      await log.nth("open", 1, 2_000);
      const waited = performance.now() - at;
      assert.ok(waited < 1_000, `reconnected ${waited.toFixed(0)} ms after the online event`);
      assert.equal(listening, 0, "the online listener is removed after the wait");
    } finally {
      await session.close();
      client.close();
      await server.stop();
      delete global.navigator;
      delete global.addEventListener;
      delete global.removeEventListener;
    }
    assert.equal(listening, 0);
  });
});
