import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets, Frame, CloseReason } from "../../../src/index.js";
import { startWsPeer } from "../../helpers/ws-peer.js";

test("echo round trip against ws", async () => {
  const peer = await startWsPeer();
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const result = await client.webSocket(`${peer.url}/echo`, async (session) => {
      await session.send("hello");
      const frame = await session.incoming.receive();
      assert.ok(frame instanceof Frame.Text);
      await session.send(new Uint8Array([1, 2, 3]));
      const bin = await session.incoming.receive();
      assert.ok(bin instanceof Frame.Binary);
      assert.deepEqual([...bin.data], [1, 2, 3]);
      return frame.readText();
    });
    assert.equal(result, "hello");
  } finally {
    client.close();
    await peer.close();
  }
});

test("close reason from server", async () => {
  const peer = await startWsPeer((s) => s.on("message", () => s.close(4001, "bye now")));
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const session = await client.webSocketSession(peer.url);
    await session.send("x");
    const frames: Frame[] = [];
    for await (const f of session.incoming) frames.push(f);
    const reason = await session.closeReason;
    assert.equal(frames.length, 0);
    assert.deepEqual(reason, new CloseReason(4001, "bye now"));
  } finally {
    await peer.close();
  }
});
