// The Logging plugin over the other engines (the `ws` package, and a runtime's WebSocket: undici's
// on Node.js 20): the same lines, as far as each engine can see.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as UndiciWebSocket } from "undici";
import { HttpClient, Platform, WebSockets, type HttpClientEngineFactory } from "../../../src/index.js";
import { Logging } from "../../../src/plugins/logging/index.js";
import { WsEngine } from "../../../src/engine/ws/index.js";
import { LoggingTransport } from "../../../src/plugins/logging/logging-transport.js";
import { startWsPeer, type WsPeer } from "../../helpers/ws-peer.js";
import { LineRecorder, transportOf } from "./helpers.js";

const T = { timeout: 15_000 };

let peer: WsPeer | null = null;
after(async () => {
  await peer?.close();
});

async function exchange<C>(engine: HttpClientEngineFactory<C>, configure: (config: C) => void): Promise<LineRecorder> {
  peer ??= await startWsPeer();
  const log = new LineRecorder();
  const client = new HttpClient(engine, (config) => {
    config.engine(configure);
    config.install(WebSockets);
    config.install(Logging, (l) => {
      l.level = "frames";
      l.logger = log.logger;
    });
  });
  try {
    await client.webSocket(`${peer.url}/?token=t0k`, async (session) => {
      assert.ok(transportOf(session) instanceof LoggingTransport);
      await session.send("over the engine");
      await session.incoming.receive();
    });
    await log.waitFor(/closed after/);
    return log;
  } finally {
    client.close();
  }
}

describe("Logging over other engines", () => {
  test("WsEngine: handshake with its status, frames and the close", T, async () => {
    const log = await exchange(WsEngine, () => {});
    assert.match(log.lines[0], /^ws#1 GET ws:\/\/127\.0\.0\.1:\d+\/\?token=\*\*\* via WsEngine$/);
    assert.match(log.text, /^ws#1 connected 101 Switching Protocols in \d+ ms$/m);
    assert.match(log.text, /^ws#1 >> TEXT fin=true 15 bytes "over the engine"$/m);
    assert.match(log.text, /^ws#1 << TEXT fin=true 15 bytes "over the engine"$/m);
    assert.match(log.text, /^ws#1 >> CLOSE 1000 NORMAL$/m);
    assert.match(log.text, /^ws#1 closed after .*: 1000 NORMAL$/m);
  });

  test("Platform: no handshake response to show, the rest as elsewhere", T, async () => {
    const log = await exchange(Platform, (p) => (p.webSocket = UndiciWebSocket));
    assert.match(log.lines[0], /^ws#1 GET ws:\/\/127\.0\.0\.1:\d+\/\?token=\*\*\* via Platform$/);
    assert.match(log.text, /^ws#1 connected in \d+ ms$/m);
    assert.match(log.text, /^ws#1 >> TEXT fin=true 15 bytes "over the engine"$/m);
    assert.match(log.text, /^ws#1 << TEXT fin=true 15 bytes "over the engine"$/m);
    assert.match(log.text, /^ws#1 closed after .*: 1000 NORMAL$/m);
    assert.doesNotMatch(log.text, /t0k/);
  });
});
