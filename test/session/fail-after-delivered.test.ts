// A message followed by a protocol violation in one read (Autobahn 3.2-3.4, 4.1.3-4.2.5, 5.15): the
// session fails the connection (1002), but only after the code woken by the message has answered it,
// so the answer goes out ahead of the Close, on server and client sessions alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { CIO, HttpClient, WebSockets, Frame, type DefaultWebSocketSession } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { encodeFrame, readClose, startRawServer, Op } from "../helpers/raw-server.js";
import { rawClient, upgradeRequest, within } from "../server/helpers.js";

const T = { timeout: 10_000 };

async function echo(session: DefaultWebSocketSession | DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

test("server: the echo of a message goes out before the Close 1002 for the reserved bits that followed it in one write", T, async () => {
  const server = await serve({ host: "127.0.0.1", port: 0, onError: () => {} }, (routes) => routes.webSocket("/echo", echo));
  try {
    const client = await rawClient(server.port, upgradeRequest(server.port));
    assert.equal((await within(client.response(), 3_000, "the 101")).status, 101);
    // One write: a valid Text frame, then a frame with RSV2 set (no extension agreed).
    client.sendFrames([new Frame.Text("hello"), new Frame.Text(true, "bad", false, true)]);
    const first = await within(client.nextFrame(), 3_000, "the echo");
    assert.ok(first instanceof Frame.Text, `got ${first.constructor.name} first`);
    assert.equal(first.readText(), "hello");
    const second = await within(client.nextFrame(), 3_000, "the Close");
    assert.ok(second instanceof Frame.Close);
    assert.equal(second.readReason().code, 1002);
    client.socket.destroy();
  } finally {
    await server.close();
  }
});

test("client: the echo of a message goes out before the Close 1002 for the reserved opcode that followed it in one write", T, async () => {
  const raw = await startRawServer();
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const pending = client.webSocketSession(raw.url);
    const conn = await raw.nextConnection();
    await conn.accept();
    const session = await pending;
    const handler = echo(session).catch(() => {});
    conn.write(Buffer.concat([encodeFrame({ opcode: Op.TEXT, payload: "hello" }), encodeFrame({ opcode: 0x3, payload: "x" })]));
    const first = await conn.readFrame(3_000);
    assert.ok(first);
    assert.equal(first.opcode, Op.TEXT, `got opcode ${first.opcode} first`);
    assert.equal(first.payload.toString(), "hello");
    const second = await conn.readFrame(3_000);
    assert.ok(second);
    assert.equal(second.opcode, Op.CLOSE);
    assert.equal(readClose(second).code, 1002);
    assert.equal((await session.closeReason)?.code, 1002);
    await handler;
  } finally {
    client.close();
    await raw.close();
  }
});
