// The Logging plugin over MockEngine: no socket, the same lines, since the plugin sits between the
// session and whatever transport the engine hands out.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets, Frame, CloseReason, WebSocketHandshakeError } from "../../../src/index.js";
import { Logging, type LoggingConfig } from "../../../src/plugins/logging/index.js";
import { MockEngine, type MockEngineOptions, type MockServerHandler } from "../../../src/testing/index.js";
import { LoggingTransport } from "../../../src/plugins/logging/logging-transport.js";
import { LineRecorder, transportOf } from "./helpers.js";

const T = { timeout: 10_000 };

const echo: MockServerHandler = async (server) => {
  for await (const frame of server.incoming) await server.send(frame);
};

function client(engine: MockEngine, log: LineRecorder, configure: (l: LoggingConfig) => void = () => {}): HttpClient {
  return new HttpClient(engine, (config) => {
    config.install(WebSockets);
    config.install(Logging, (l) => {
      l.logger = log.logger;
      configure(l);
    });
  });
}

function mock(handler: MockServerHandler, options?: MockEngineOptions): MockEngine {
  return new MockEngine(handler, options);
}

describe("Logging over MockEngine", () => {
  test("handshake, frames both ways, a fragmented message and the close", T, async () => {
    const log = new LineRecorder();
    const http = client(mock(echo, { protocols: ["v2"] }), log, (l) => (l.level = "frames"));
    const session = await http.webSocketRawSession({ url: "ws://mock.test/chat", protocols: ["v1", "v2"] });
    assert.ok(transportOf(session) instanceof LoggingTransport);
    await session.send(new Frame.Text(false, "hel"));
    await session.outgoing.send(new Frame.Text(true, "lo"));
    await session.incoming.receive(); // the server reassembled the message and echoed it whole
    await session.close(new CloseReason(CloseReason.Codes.GOING_AWAY, "done"));
    await log.waitFor(/closed after/);
    assert.deepEqual(
      log.lines.map((line) => line.replace(/\d+ ms/g, "N ms")),
      [
        "ws#1 GET ws://mock.test/chat via Mock, offering subprotocols v1, v2",
        "ws#1 connected 101 Switching Protocols in N ms, subprotocol v2",
        "ws#1 < connection: Upgrade",
        "ws#1 < sec-websocket-protocol: v2",
        "ws#1 < upgrade: websocket",
        'ws#1 >> TEXT fin=false 3 bytes "hel"',
        'ws#1 >> TEXT fin=true 2 bytes "lo"',
        'ws#1 << TEXT fin=true 5 bytes "hello"',
        'ws#1 >> CLOSE 1001 GOING_AWAY "done"',
        'ws#1 << CLOSE 1001 GOING_AWAY "done"',
        'ws#1 closed after N ms: 1001 GOING_AWAY "done"',
      ],
    );
  });

  test("a refused handshake: status, the response headers (Set-Cookie redacted), the error", T, async () => {
    const log = new LineRecorder();
    const engine = mock(echo, {
      handshake: () => ({ status: 401, statusText: "Unauthorized", headers: { "WWW-Authenticate": "Bearer", "Set-Cookie": "s=s3cret" }, body: "no" }),
    });
    const http = client(engine, log);
    await assert.rejects(http.webSocketSession("ws://mock.test/"), WebSocketHandshakeError);
    assert.deepEqual(log.lines.map((line) => line.replace(/\d+ ms/g, "N ms")), [
      "ws#1 GET ws://mock.test/ via Mock",
      "ws#1 handshake failed 401 Unauthorized after N ms: WebSocketHandshakeError: Expected status 101 Switching Protocols, got 401 Unauthorized",
      "ws#1 < set-cookie: ***",
      "ws#1 < www-authenticate: Bearer",
    ]);
  });

  test("pings: each pong is matched to the ping whose payload it echoes", T, async () => {
    const log = new LineRecorder();
    const http = client(mock(echo), log, (l) => (l.level = "frames"));
    const session = await http.webSocketRawSession("ws://mock.test/");
    await session.send(new Frame.Ping(new Uint8Array([1])));
    await session.send(new Frame.Ping(new Uint8Array([2])));
    await session.incoming.receive();
    await session.incoming.receive();
    await session.close();
    await log.waitFor(/closed after/);
    // The raw session answers nothing: the mock server's default session sends the pongs.
    assert.match(log.text, /^ws#1 << PONG fin=true 1 byte 01 rtt=\d+\.\d ms$/m);
    assert.match(log.text, /^ws#1 << PONG fin=true 1 byte 02 rtt=\d+\.\d ms$/m);
  });

  test("a filter picks the connections to log, and connections are numbered per client", T, async () => {
    const log = new LineRecorder();
    const http = client(mock(echo), log, (l) => {
      l.level = "info";
      l.filter((request) => request.url.pathname !== "/quiet");
    });
    for (const path of ["/a", "/quiet", "/b"]) {
      const session = await http.webSocketSession(`ws://mock.test${path}`);
      await session.close();
    }
    await log.waitFor(/^ws#2 closed after/);
    assert.deepEqual(log.matching(/ GET /), ["ws#1 GET ws://mock.test/a via Mock", "ws#2 GET ws://mock.test/b via Mock"]);
  });

  test("terminate() is logged as an abnormal end", T, async () => {
    const log = new LineRecorder();
    const http = client(mock(echo), log, (l) => (l.level = "all"));
    const session = await http.webSocketSession("ws://mock.test/");
    session.terminate();
    const line = await log.waitFor(/closed after/);
    assert.match(line, /: 1006 CLOSED_ABNORMALLY "Terminated"$/);
    assert.ok(log.lines.includes("ws#1 cutting the connection"));
  });
});
