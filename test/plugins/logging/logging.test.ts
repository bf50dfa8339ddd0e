// The Logging plugin over CIO against real servers on 127.0.0.1: our own `serve`, the `ws` package,
// and raw TCP servers for what polite servers never do.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  CloseReason,
  WebSocketHandshakeError,
  type HttpClientConfig,
  type WebSocketsConfig,
} from "../../../src/index.js";
import { Reconnect } from "../../../src/plugins/reconnect/index.js";
import { Logging, type LoggingConfig } from "../../../src/plugins/logging/index.js";
import { serve, type WebSocketServer } from "../../../src/server/index.js";
import { LoggingTransport } from "../../../src/plugins/logging/logging-transport.js";
import { startWsPeer, within } from "../../helpers/ws-peer.js";
import { startRawServer, Op } from "../../helpers/raw-server.js";
import { unusedPort } from "../../cli/kite-process.js";
import { LineRecorder, transportOf } from "./helpers.js";

const T = { timeout: 15_000 };

let echoServer: WebSocketServer | null = null;

/** Our server with an echo route (offering a subprotocol) and a route that closes with 4000 at once. */
async function server(): Promise<WebSocketServer> {
  echoServer ??= await serve({ host: "127.0.0.1", port: 0 }, (routes) => {
    routes.webSocket(
      "/echo",
      async (session) => {
        for await (const frame of session.incoming) await session.send(frame);
      },
      { protocols: ["chat.v1"] },
    );
    routes.webSocket("/bye", (session) => session.close(new CloseReason(4000, "go away")));
  });
  return echoServer;
}

after(async () => {
  await echoServer?.close();
});

function loggingClient(recorder: LineRecorder, logging: (l: LoggingConfig) => void = () => {}, ws: (w: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets, ws);
    config.install(Logging, (l) => {
      l.logger = recorder.logger;
      logging(l);
    });
  });
}

describe("Logging over CIO", () => {
  test("logs the handshake, every frame both ways, pong round trips and the close", T, async () => {
    const { url } = await server();
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "frames"), (ws) => (ws.pingIntervalMillis = 25));
    try {
      await client.webSocket({ url: `${url}/echo`, protocols: ["chat.v1"], headers: { "x-trace": "t-1" } }, async (session) => {
        await session.send("hello");
        await session.incoming.receive();
        await session.send(new Uint8Array([1, 2, 3]));
        await session.incoming.receive();
        await log.waitFor(/<< PONG .* rtt=\d+\.\d ms$/);
        await session.close(new CloseReason(CloseReason.Codes.NORMAL, "bye"));
      });
      const closed = await log.waitFor(/closed after/);
      const port = new URL(url).port;
      assert.equal(log.lines[0], `ws#1 GET ws://127.0.0.1:${port}/echo via CIO, offering subprotocols chat.v1`);
      assert.ok(log.lines.includes("ws#1 > x-trace: t-1"));
      assert.match(log.text, /^ws#1 connected 101 Switching Protocols in \d+ ms, subprotocol chat\.v1$/m);
      assert.match(log.text, /^ws#1 < sec-websocket-protocol: chat\.v1$/m);
      assert.ok(log.lines.includes('ws#1 >> TEXT fin=true 5 bytes "hello"'));
      assert.ok(log.lines.includes('ws#1 << TEXT fin=true 5 bytes "hello"'));
      assert.ok(log.lines.includes("ws#1 >> BINARY fin=true 3 bytes 01 02 03"));
      assert.ok(log.lines.includes("ws#1 << BINARY fin=true 3 bytes 01 02 03"));
      assert.match(log.text, /^ws#1 >> PING fin=true 11 bytes "kite-ping 1"$/m);
      // Each pong echoes its ping's payload, and is matched to it.
      assert.match(log.text, /^ws#1 << PONG fin=true 11 bytes "kite-ping 1" rtt=\d+\.\d ms$/m);
      assert.ok(log.lines.includes('ws#1 >> CLOSE 1000 NORMAL "bye"'));
      assert.match(log.text, /^ws#1 << CLOSE 1000 NORMAL/m);
      assert.match(closed, /^ws#1 closed after \d+(\.\d)? m?s: 1000 NORMAL "bye"$/);
      assert.equal(log.matching(/closed after/).length, 1);
      // The order of a connection's life.
      const at = (pattern: RegExp): number => log.lines.findIndex((line) => pattern.test(line));
      assert.ok(at(/ GET /) < at(/connected/) && at(/connected/) < at(/>> TEXT/) && at(/>> CLOSE/) < at(/closed after/));
    } finally {
      client.close();
    }
  });

  test("a close by the server is logged with its code and reason, and the session's closeReason", T, async () => {
    const { url } = await server();
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "info"));
    try {
      const session = await client.webSocketSession(`${url}/bye`);
      for await (const _ of session.incoming); // ends with the server's close
      assert.equal((await session.closeReason)?.code, 4000);
      await log.waitFor(/closed after/);
      assert.match(log.text, /^ws#1 << CLOSE 4000 "go away"$/m);
      assert.match(log.text, /^ws#1 >> CLOSE 4000 "go away"$/m);
      assert.match(log.text, /^ws#1 closed after .*: 4000 "go away"$/m);
    } finally {
      client.close();
    }
  });

  test("a failed handshake is logged with its status and the response headers", T, async () => {
    const { url } = await server();
    const log = new LineRecorder();
    const client = loggingClient(log);
    try {
      await assert.rejects(client.webSocketSession(`${url}/missing?token=t0k`), WebSocketHandshakeError);
      const port = new URL(url).port;
      assert.equal(log.lines[0], `ws#1 GET ws://127.0.0.1:${port}/missing?token=*** via CIO`);
      assert.match(log.lines[1], /^ws#1 handshake failed 404 Not Found after \d+ ms: WebSocketHandshakeError: Expected status 101/);
      assert.match(log.text, /^ws#1 < content-type: text\/plain/m);
      assert.doesNotMatch(log.text, /t0k/);
    } finally {
      client.close();
    }
  });

  test("a refused connection is logged as a connect failure", T, async () => {
    const port = await unusedPort();
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "info"));
    try {
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${port}/`));
      assert.match(log.lines[1], /^ws#1 connect failed after \d+ ms: .*ECONNREFUSED/);
    } finally {
      client.close();
    }
  });

  test("secrets never appear: credentials, tokens, cookies, the user's sanitized headers", T, async () => {
    const peer = await startWsPeer();
    peer.server.on("headers", (headers) => headers.push("Set-Cookie: sid=setcookie-s3cret; HttpOnly", "X-Session-Token: session-s3cret"));
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => {
      l.level = "all";
      l.sanitizeHeader((name) => name === "x-tenant");
      l.sanitizeQueryParameter((name) => name === "room");
    });
    try {
      const base = new URL(peer.url);
      const target = `ws://user-s3cret:pass-s3cret@127.0.0.1:${base.port}/feed?access_token=tok-s3cret&room=room-s3cret&page=2`;
      await client.webSocket(
        {
          url: target,
          headers: {
            Authorization: "Bearer auth-s3cret",
            Cookie: "c=cookie-s3cret",
            "Proxy-Authorization": "Basic proxy-s3cret",
            "X-Api-Key": "apikey-s3cret",
            "X-Tenant": "tenant-s3cret",
          },
        },
        async (session) => {
          await session.send("public");
          await session.incoming.receive();
        },
      );
      await log.waitFor(/closed after/);
      const request = (await peer.nextConnection()).request;
      assert.equal(request.headers.authorization, "Bearer auth-s3cret", "the secrets were really sent");
      assert.doesNotMatch(log.text, /s3cret/);
      assert.match(log.text, /GET ws:\/\/127\.0\.0\.1:\d+\/feed\?access_token=\*\*\*&room=\*\*\*&page=2 via CIO/);
      for (const header of ["authorization", "cookie", "proxy-authorization", "x-api-key", "x-tenant"]) {
        assert.ok(log.lines.includes(`ws#1 > ${header}: ***`), header);
      }
      assert.ok(log.lines.includes("ws#1 < set-cookie: ***"));
      assert.ok(log.lines.includes("ws#1 < x-session-token: ***"));
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("URL credentials, sent as Basic authorization, never appear, not even encoded", T, async () => {
    const peer = await startWsPeer();
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "all"));
    try {
      const port = new URL(peer.url).port;
      await client.webSocket(`ws://alice:hunter2@127.0.0.1:${port}/`, () => {});
      await log.waitFor(/closed after/);
      const basic = Buffer.from("alice:hunter2").toString("base64");
      assert.equal((await peer.nextConnection()).request.headers.authorization, `Basic ${basic}`);
      for (const secret of ["alice", "hunter2", basic]) assert.ok(!log.text.includes(secret), secret);
      assert.ok(log.lines.includes("ws#1 > authorization: *** (from the URL's credentials)"));
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("levels: info has no headers or data frames, headers no frames, none nothing", T, async () => {
    const { url } = await server();
    const run = async (level: LoggingConfig["level"]): Promise<LineRecorder> => {
      const log = new LineRecorder();
      const client = loggingClient(log, (l) => (l.level = level));
      try {
        await client.webSocket({ url: `${url}/echo`, headers: { "x-trace": "1" } }, async (session) => {
          await session.send("ping me");
          await session.incoming.receive();
        });
        if (level !== "none") await log.waitFor(/closed after/);
        return log;
      } finally {
        client.close();
      }
    };
    const none = await run("none");
    assert.deepEqual(none.lines, []);

    const info = await run("info");
    assert.deepEqual(
      info.lines.map((line) => line.replace(/\d+ ms/g, "N ms").replace(/:\d+\//, ":PORT/")),
      [
        "ws#1 GET ws://127.0.0.1:PORT/echo via CIO",
        "ws#1 connected 101 Switching Protocols in N ms",
        "ws#1 >> CLOSE 1000 NORMAL",
        "ws#1 << CLOSE 1000 NORMAL",
        "ws#1 closed after N ms: 1000 NORMAL",
      ],
    );

    const headers = await run("headers");
    assert.ok(headers.lines.includes("ws#1 > x-trace: 1"));
    assert.equal(headers.matching(/TEXT/).length, 0);

    const frames = await run("frames");
    assert.equal(frames.matching(/TEXT/).length, 2);
    assert.equal(frames.matching(/ending the connection|reading/).length, 0);

    const all = await run("all");
    assert.ok(all.matching(/ending the connection/).length > 0);
  });

  test("an uninstalled or \"none\" plugin leaves the transport unwrapped; an installed one wraps it", T, async () => {
    const { url } = await server();
    const cases: [string, (config: Pick<HttpClientConfig, "install">) => void, boolean][] = [
      ["not installed", () => {}, false],
      ["none", (config) => config.install(Logging, (l) => (l.level = "none")), false],
      ["filtered out", (config) => config.install(Logging, (l) => l.filter((request) => request.url.pathname !== "/echo")), false],
      ["info", (config) => config.install(Logging, (l) => ((l.level = "info"), (l.logger = () => {}))), true],
    ];
    for (const [name, install, wrapped] of cases) {
      const client = new HttpClient(CIO, (config) => {
        config.install(WebSockets);
        install(config);
      });
      try {
        const session = await client.webSocketSession(`${url}/echo`);
        assert.equal(transportOf(session) instanceof LoggingTransport, wrapped, name);
        await session.close();
      } finally {
        client.close();
      }
    }
  });

  test("the error that ended a session: a dropped connection", T, async () => {
    const peer = await startWsPeer();
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "info"));
    try {
      const session = await client.webSocketSession(peer.url);
      (await peer.nextConnection()).socket.terminate();
      await within(session.closeReason, 5_000, "the close");
      const line = await log.waitFor(/closed after/);
      assert.match(line, /: 1006 CLOSED_ABNORMALLY.*, failed: ConnectionClosedError: /);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("the error that ended a session: a ping timeout", T, async () => {
    // Answers the handshake, then ignores everything: no pong ever comes.
    const raw = await startRawServer((connection) => void connection.accept());
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "frames"), (ws) => {
      ws.pingIntervalMillis = 20;
      ws.timeoutMillis = 60;
    });
    try {
      const session = await client.webSocketSession(raw.url);
      await within(session.closeReason, 5_000, "the ping timeout");
      const line = await log.waitFor(/closed after/);
      assert.match(line, /: 1011 INTERNAL_ERROR "No pong within 60 ms", failed: PingTimeoutError: No pong within 60 ms$/);
      assert.match(log.text, /^ws#1 >> PING fin=true 11 bytes "kite-ping 1"$/m);
      assert.match(log.text, /^ws#1 >> CLOSE 1011 INTERNAL_ERROR "No pong within 60 ms"$/m);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a protocol error from the peer, a ping from the peer and an unsolicited pong", T, async () => {
    const raw = await startRawServer(async (connection) => {
      await connection.accept({ headers: { "Set-Cookie": "x=s3cret" } });
      connection.sendFrame({ opcode: Op.PING, payload: Buffer.from([0xca, 0xfe]) });
      connection.sendFrame({ opcode: Op.PONG, payload: Buffer.from("stray") });
      connection.sendFrame({ opcode: 0x3, payload: Buffer.alloc(0) }); // a reserved opcode
    });
    const log = new LineRecorder();
    const client = loggingClient(log, (l) => (l.level = "frames"));
    try {
      const session = await client.webSocketSession(raw.url);
      await within(session.closeReason, 5_000, "the protocol error");
      await log.waitFor(/closed after/);
      assert.match(log.text, /^ws#1 << PING fin=true 2 bytes ca fe$/m);
      assert.match(log.text, /^ws#1 >> PONG fin=true 2 bytes ca fe$/m);
      assert.match(log.text, /^ws#1 << PONG fin=true 5 bytes "stray"$/m);
      assert.match(log.text, /^ws#1 protocol error: ProtocolViolationError: /m);
      assert.match(log.text, /^ws#1 >> CLOSE 1002 PROTOCOL_ERROR /m);
      assert.match(log.text, /^ws#1 closed after .*: 1002 PROTOCOL_ERROR .*failed: ProtocolViolationError/m);
      assert.doesNotMatch(log.text, /s3cret/);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a server's header values and status text cannot put escape sequences in the log", T, async () => {
    const raw = await startRawServer(async (connection) => {
      await connection.accept({ statusLine: "HTTP/1.1 101 Switching\x1b[2J Protocols", headers: { "X-Evil": "a\x1b]0;pwned\x07b" } });
    });
    const log = new LineRecorder();
    const client = loggingClient(log);
    try {
      const session = await client.webSocketSession(raw.url);
      session.terminate();
      await log.waitFor(/closed after/);
      assert.ok(!log.text.includes("\x1b"), log.text);
      assert.match(log.text, /^ws#1 connected 101 Switching\\u001b\[2J Protocols in \d+ ms$/m);
      assert.match(log.text, /^ws#1 < x-evil: a\\u001b\]0;pwned\\u0007b$/m);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("each connection of a reconnecting session is logged, numbered", T, async () => {
    let accepted = 0;
    const peer = await startWsPeer((socket) => {
      // The first connection is cut at once; the second one echoes.
      if (++accepted === 1) socket.terminate();
      else socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
    const log = new LineRecorder();
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.install(Reconnect, (r) => {
        r.minDelay = "10ms";
        r.maxDelay = "50ms";
      });
      config.install(Logging, (l) => {
        l.level = "frames";
        l.logger = log.logger;
      });
    });
    const session = client.reconnectingSession(`${peer.url}/live?token=t0k`);
    try {
      // What is sent on a connection that dies is not resent: send on the second one.
      await log.waitFor(/^ws#2 connected/);
      await session.send("after the drop");
      const echoed = await within(session.incoming.receive(), 5_000, "the echo");
      assert.equal(echoed instanceof Frame.Text ? echoed.readText() : null, "after the drop");
      await session.close();
      await log.waitFor(/^ws#2 closed after/);
      assert.match(log.text, /^ws#1 GET ws:\/\/127\.0\.0\.1:\d+\/live\?token=\*\*\* via CIO$/m);
      assert.match(log.text, /^ws#1 closed after .*: 1006 CLOSED_ABNORMALLY/m);
      assert.match(log.text, /^ws#2 GET ws:\/\/127\.0\.0\.1:\d+\/live\?token=\*\*\* via CIO$/m);
      assert.match(log.text, /^ws#2 >> TEXT fin=true 14 bytes "after the drop"$/m);
      assert.match(log.text, /^ws#2 closed after .*: 1000 NORMAL$/m);
      assert.doesNotMatch(log.text, /t0k/);
    } finally {
      session.terminate();
      client.close();
      await peer.close();
    }
  });
});
