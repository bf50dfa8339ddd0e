import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  HttpMethod,
  CIO,
  WebSockets,
  Frame,
  CloseReason,
  WebSocketSession,
  DefaultWebSocketSession,
  ClosedReceiveChannelError,
  WebSocketHandshakeError,
  type WebSocketTarget,
} from "../../../src/index.js";
import { startWsPeer, delay, within, settlesWithin, TEST_CA, type WsPeer } from "../../helpers/ws-peer.js";
import { startRawServer } from "../../helpers/raw-server.js";

const T = { timeout: 10_000 };

function newClient(): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets));
}

async function echoOnce(session: WebSocketSession, text: string): Promise<string> {
  await session.send(text);
  const frame = await session.incoming.receive();
  assert.ok(frame instanceof Frame.Text, `expected a Text frame, got ${String(frame)}`);
  return frame.readText();
}

describe("builders", () => {
  test("webSocket and ws run the block with a default session, resolve with its value after a 1000 close", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      for (const builder of [client.webSocket, client.ws] as const) {
        let sessionSeen: WebSocketSession | null = null;
        const value = await builder.call(client, `${peer.url}/echo`, async (session) => {
          sessionSeen = session;
          assert.ok(session instanceof DefaultWebSocketSession);
          return { echoed: await echoOnce(session, "hi") };
        });
        assert.deepEqual(value, { echoed: "hi" });
        const server = await peer.nextConnection();
        // The client has sent its Close before resolving: the server is closing or closed.
        assert.ok(server.socket.readyState >= server.socket.CLOSING, `server readyState ${server.socket.readyState}`);
        assert.deepEqual(await within(server.closed, 2_000, "the server's close event"), { code: 1000, reason: "" });
        const reason = await sessionSeen!.closeReason;
        assert.equal(reason?.code, 1000);
        assert.equal(sessionSeen!.incoming.isClosedForReceive, true);
      }
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("webSocket resolves only once the server has answered the Close", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const result = client.webSocket(raw.url, () => "done");
      const conn = await raw.nextConnection();
      await conn.accept();
      const close = await conn.expectClose();
      assert.equal(close.code, 1000);
      // Hold the answer back: the builder must still be waiting.
      assert.equal((await settlesWithin(result, 300)).state, "timeout");
      conn.sendClose(1000);
      conn.end();
      assert.equal(await within(result, 3_000, "webSocket() to resolve"), "done");
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a block that throws: the server sees 1011 and the builder rejects with the same error", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const failure = new Error("block failed on purpose");
      const result = client.webSocket(peer.url, async (session) => {
        await echoOnce(session, "before the failure");
        throw failure;
      });
      await assert.rejects(result, (error: unknown) => error === failure);
      const server = await peer.nextConnection();
      assert.deepEqual(await within(server.closed, 2_000, "the server's close event"), {
        code: 1011,
        reason: "block failed on purpose",
      });
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("webSocketRaw gives a raw session and closes it with 1000", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const value = await client.webSocketRaw(peer.url, async (session) => {
        assert.ok(session instanceof WebSocketSession);
        assert.ok(!(session instanceof DefaultWebSocketSession));
        return echoOnce(session, "raw");
      });
      assert.equal(value, "raw");
      const server = await peer.nextConnection();
      assert.equal((await within(server.closed, 2_000, "the server's close event")).code, 1000);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("webSocketSession and webSocketRawSession return open sessions", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      assert.ok(session instanceof DefaultWebSocketSession);
      assert.equal(await echoOnce(session, "outside a block"), "outside a block");
      await session.close(new CloseReason(CloseReason.Codes.GOING_AWAY, "leaving"));
      assert.deepEqual(await (await peer.nextConnection()).closed, { code: 1001, reason: "leaving" });

      const raw = await client.webSocketRawSession(peer.url);
      assert.ok(raw instanceof WebSocketSession && !(raw instanceof DefaultWebSocketSession));
      assert.equal(await echoOnce(raw, "raw outside"), "raw outside");
      await raw.close();
      assert.equal((await (await peer.nextConnection()).closed).code, 1000);
    } finally {
      client.close();
      await peer.close();
    }
  });

  describe("targets", () => {
    async function connectAndSee(peer: WsPeer, client: HttpClient, target: WebSocketTarget) {
      const text = await client.webSocket(target, (session) => echoOnce(session, "target"));
      assert.equal(text, "target");
      return (await peer.nextConnection()).request;
    }

    test("a URL string, a URL object and an http: URL", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      try {
        assert.equal((await connectAndSee(peer, client, `${peer.url}/as/string?x=1`)).url, "/as/string?x=1");
        assert.equal((await connectAndSee(peer, client, new URL(`${peer.url}/as/url?y=2`))).url, "/as/url?y=2");
        assert.equal((await connectAndSee(peer, client, `http://127.0.0.1:${peer.port}/as/http`)).url, "/as/http");
        // A URL without a path asks for "/".
        assert.equal((await connectAndSee(peer, client, peer.url)).url, "/");
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("an options object: the server sees path, query, headers and offered protocols", T, async () => {
      const offered: string[][] = [];
      const peer = await startWsPeer(undefined, {
        handleProtocols: (protocols) => {
          offered.push([...protocols]);
          return protocols.has("chat.v1") ? "chat.v1" : false;
        },
      });
      const client = newClient();
      try {
        const protocol = await client.webSocket(
          {
            method: HttpMethod.Get,
            host: "127.0.0.1",
            port: peer.port,
            path: "/rooms/42?user=ann&tag=a%20b",
            headers: { "X-Token": "secret-1", "User-Agent": "kite-test" },
            protocols: ["chat.v2", "chat.v1"],
          },
          async (session) => {
            assert.equal(await echoOnce(session, "obj"), "obj");
            return session.protocol;
          },
        );
        assert.equal(protocol, "chat.v1");
        const request = (await peer.nextConnection()).request;
        assert.equal(request.url, "/rooms/42?user=ann&tag=a%20b");
        assert.equal(request.method, "GET");
        assert.equal(request.headers["x-token"], "secret-1");
        assert.equal(request.headers["user-agent"], "kite-test");
        assert.equal(request.headers["sec-websocket-protocol"], "chat.v2, chat.v1");
        assert.deepEqual(offered, [["chat.v2", "chat.v1"]]);
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("headers as Headers or entries, one protocol as a string, parts overriding url", T, async () => {
      const peer = await startWsPeer(undefined, { handleProtocols: (protocols) => [...protocols][0] ?? false });
      const client = newClient();
      try {
        let request = await connectAndSee(peer, client, {
          url: `ws://127.0.0.1:1/ignored`,
          port: peer.port,
          path: "/from-parts",
          headers: new Headers({ "X-A": "1" }),
          protocols: "solo",
        });
        assert.equal(request.url, "/from-parts");
        assert.equal(request.headers["x-a"], "1");
        assert.equal(request.headers["sec-websocket-protocol"], "solo");
        request = await connectAndSee(peer, client, {
          url: `${peer.url}/base`,
          headers: [
            ["X-B", "2"],
            ["X-C", "3"],
          ],
        });
        assert.equal(request.url, "/base");
        assert.equal(request.headers["x-b"], "2");
        assert.equal(request.headers["x-c"], "3");
        // A path is taken as a path: a leading "//" is not an authority.
        request = await connectAndSee(peer, client, { host: "127.0.0.1", port: peer.port, path: "//double/slash?q=1" });
        assert.equal(request.url, "//double/slash?q=1");
        request = await connectAndSee(peer, client, { host: "127.0.0.1", port: peer.port, path: "relative" });
        assert.equal(request.url, "/relative");
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("invalid targets reject with TypeError and connect nowhere", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      const port = peer.port;
      const bad: [string, WebSocketTarget][] = [
        ["ftp scheme", `ftp://127.0.0.1:${port}/`],
        ["file scheme", new URL("file:///tmp/x")],
        ["not a URL", "just words"],
        ["fragment", `ws://127.0.0.1:${port}/path#frag`],
        ["fragment in url option", { url: `ws://127.0.0.1:${port}/#x` }],
        ["empty fragment", `ws://127.0.0.1:${port}/#`],
        ["fragment in path option", { host: "127.0.0.1", port, path: "/room#section" }],
        ["port out of range in URL", "ws://127.0.0.1:99999/"],
        ["port 0", { host: "127.0.0.1", port: 0 }],
        ["port 70000", { host: "127.0.0.1", port: 70_000 }],
        ["fractional port", { host: "127.0.0.1", port: 80.5 }],
        ["POST", { method: "POST" as HttpMethod, host: "127.0.0.1", port }],
        ["DELETE", { method: "DELETE" as HttpMethod, url: peer.url }],
        ["Upgrade header", { url: peer.url, headers: { Upgrade: "h2c" } }],
        ["Connection header", { url: peer.url, headers: { connection: "close" } }],
        ["Sec-WebSocket-Key header", { url: peer.url, headers: { "Sec-WebSocket-Key": "AAAAAAAAAAAAAAAAAAAAAA==" } }],
        ["Sec-WebSocket-Version header", { url: peer.url, headers: [["Sec-WebSocket-Version", "8"]] }],
        ["Sec-WebSocket-Accept header", { url: peer.url, headers: { "sec-websocket-accept": "x" } }],
        ["subprotocol with a space", { url: peer.url, protocols: ["chat v1"] }],
        ["empty subprotocol", { url: peer.url, protocols: [""] }],
        ["repeated subprotocol", { url: peer.url, protocols: ["a", "a"] }],
      ];
      try {
        for (const [what, target] of bad) {
          await assert.rejects(client.webSocket(target, () => "never"), TypeError, what);
          await assert.rejects(client.webSocketSession(target), TypeError, what);
        }
        await delay(50);
        assert.equal(peer.connections.length, 0);
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  describe("TLS", () => {
    test("wss forces TLS on a ws: URL: the first bytes on the wire are a TLS ClientHello", T, async () => {
      const raw = await startRawServer();
      const client = new HttpClient(CIO, (config) => {
        config.install(WebSockets);
        config.engine((cio) => (cio.connectTimeoutMillis = 2_000));
      });
      try {
        const result = client.wss(raw.url, () => "never");
        const conn = await raw.nextConnection();
        const first = await within(conn.firstBytes, 2_000, "the client's first bytes");
        assert.equal(first[0], 0x16, "TLS record type 22 (handshake)");
        assert.equal(first[1], 0x03, "TLS major version 3");
        conn.destroy();
        await assert.rejects(result);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("wss against a plain ws server fails with a TLS error, never a session", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      try {
        let ran = false;
        await assert.rejects(
          client.wss(peer.url, () => {
            ran = true;
          }),
          (error: unknown) => {
            assert.ok(error instanceof Error);
            assert.ok(!(error instanceof WebSocketHandshakeError && error.status === 101));
            const text = `${(error as { code?: string }).code ?? ""} ${error.message}`;
            // Node reports e.g. "EPROTO ... SSL routines ... wrong version number" (the server answered in plain HTTP).
            assert.match(text, /SSL|TLS|EPROTO|ECONNRESET/);
            return true;
          },
        );
        assert.equal(ran, false);
        assert.equal(peer.connections.length, 0);
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("wss:, https: and client.wss on ws: all work against a TLS server trusted through cio.tls.ca", T, async () => {
      const peer = await startWsPeer(undefined, { tls: true });
      const client = new HttpClient(CIO, (config) => {
        config.install(WebSockets);
        config.engine((cio) => (cio.tls = { ca: TEST_CA }));
      });
      try {
        assert.equal(await client.webSocket(`${peer.url}/wss`, (s) => echoOnce(s, "over wss")), "over wss");
        assert.equal(await client.webSocket(`https://127.0.0.1:${peer.port}/https`, (s) => echoOnce(s, "over https")), "over https");
        assert.equal(await client.wss(`ws://127.0.0.1:${peer.port}/forced`, (s) => echoOnce(s, "forced")), "forced");
        assert.deepEqual(
          peer.connections.map((c) => c.request.url),
          ["/wss", "/https", "/forced"],
        );
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  describe("AbortSignal", () => {
    test("aborting while the server has not answered the handshake rejects and drops the socket", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const controller = new AbortController();
        const started = Date.now();
        const result = client.webSocketSession({ url: raw.url, signal: controller.signal });
        const conn = await raw.nextConnection();
        await conn.request; // the upgrade request arrived; it will never be answered
        controller.abort();
        await assert.rejects(within(result, 2_000, "the aborted connect"), (error: unknown) => {
          assert.equal((error as Error).name, "AbortError");
          return true;
        });
        await within(conn.closed, 2_000, "the client to drop the socket");
        assert.ok(Date.now() - started < 2_000);

        // The builder form too, with a reason of the caller's choosing.
        const second = new AbortController();
        const reason = new Error("user gave up");
        const viaBlock = client.webSocket({ url: raw.url, signal: second.signal }, () => "never");
        const conn2 = await raw.nextConnection();
        await conn2.request;
        second.abort(reason);
        await assert.rejects(viaBlock, (error: unknown) => error === reason);
        await within(conn2.closed, 2_000, "the client to drop the second socket");
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("an already aborted signal rejects without connecting", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        await assert.rejects(client.webSocketSession({ url: raw.url, signal: AbortSignal.abort() }), { name: "AbortError" });
        await delay(50);
        assert.equal(raw.connections.length, 0);
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("aborting an open session: receive rejects, the server sees the close", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      try {
        const controller = new AbortController();
        const session = await client.webSocketSession({ url: peer.url, signal: controller.signal });
        assert.equal(await echoOnce(session, "alive"), "alive");
        const waiting = session.incoming.receive();
        controller.abort(new Error("shutting down"));
        await assert.rejects(within(waiting, 2_000, "receive to fail"), ClosedReceiveChannelError);
        const server = await peer.nextConnection();
        const closed = await within(server.closed, 3_000, "the server's close event");
        assert.equal(closed.code, 1001);
        const reason = await session.closeReason;
        assert.equal(reason?.code, 1001);
        await assert.rejects(session.send("after abort"));
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("aborting inside a webSocket block ends the session and rejects the builder", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      try {
        const controller = new AbortController();
        const result = client.webSocket({ url: peer.url, signal: controller.signal }, async (session) => {
          setTimeout(() => controller.abort(), 50);
          await session.incoming.receive(); // nothing comes: the abort ends it
          return "unreachable";
        });
        await assert.rejects(within(result, 3_000, "the builder"), ClosedReceiveChannelError);
        const server = await peer.nextConnection();
        assert.equal((await within(server.closed, 3_000, "the server's close event")).code, 1001);
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  test("frames the server sends before the block reads are kept for it", T, async () => {
    const peer = await startWsPeer((socket) => {
      socket.send("first");
      socket.send(Buffer.from([9, 8, 7]));
    });
    const client = newClient();
    try {
      const got = await client.webSocket(peer.url, async (session) => {
        await delay(100);
        const a = await session.incoming.receive();
        const b = await session.incoming.receive();
        return [a instanceof Frame.Text ? a.readText() : "?", b instanceof Frame.Binary ? [...b.readBytes()] : "?"];
      });
      assert.deepEqual(got, ["first", [9, 8, 7]]);
    } finally {
      client.close();
      await peer.close();
    }
  });
});
