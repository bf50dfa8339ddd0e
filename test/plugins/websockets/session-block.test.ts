// The block runner every block builder shares (src/plugins/websockets/session-block.ts): webSocket,
// ws, wss, webSocketRaw and reconnectingWebSocket close their session with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloseReason, HttpClient, WebSockets } from "../../../src/index.js";
import { MockEngine } from "../../../src/testing/index.js";
import { runSessionBlock } from "../../../src/plugins/websockets/session-block.js";

/** A session that records the reasons it is closed with. */
function closable(): { closed: CloseReason[]; close(reason: CloseReason): Promise<void> } {
  const closed: CloseReason[] = [];
  return { closed, close: async (reason) => void closed.push(reason) };
}

test("a block that returns: the session closes with 1000 and the block's value comes back", async () => {
  const session = closable();
  assert.equal(await runSessionBlock(session, async (s) => (s === session ? 42 : 0)), 42);
  assert.deepEqual(session.closed.map((r) => [r.code, r.message]), [[1000, ""]]);
});

test("a block that throws: the session closes with 1011 and the error's message, and the error comes back", async () => {
  const session = closable();
  const error = new Error("boom");
  await assert.rejects(
    runSessionBlock(session, () => {
      throw error;
    }),
    (thrown) => thrown === error,
  );
  assert.deepEqual(session.closed.map((r) => [r.code, r.message]), [[1011, "boom"]]);
});

test("a thrown non-Error closes with its text", async () => {
  const session = closable();
  await assert.rejects(runSessionBlock(session, () => Promise.reject("plain")));
  assert.deepEqual(session.closed.map((r) => [r.code, r.message]), [[1011, "plain"]]);
});

test("on a real session, a long message reaches the peer cut to the 123 bytes a close reason holds, never mid-character", { timeout: 10_000 }, async () => {
  const engine = new MockEngine();
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  try {
    const opening = client.webSocketSession("ws://mock.test/long");
    const { server } = await engine.nextConnection();
    const session = await opening;
    await assert.rejects(runSessionBlock(session, () => Promise.reject(new Error("é".repeat(100)))));
    const reason = await server.closeReason;
    assert.equal(reason?.code, 1011);
    assert.equal(reason?.message, "é".repeat(61));
  } finally {
    client.close();
  }
});

test("the value is given only once the session is closed", async () => {
  let closedYet = false;
  const session = { close: async () => void (await Promise.resolve(), (closedYet = true)) };
  await runSessionBlock(session, () => "done");
  assert.equal(closedYet, true);
});
