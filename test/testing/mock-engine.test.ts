import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  WebSockets,
  Frame,
  CloseReason,
  JsonConverter,
  FrameTooBigError,
  PingTimeoutError,
  WebSocketHandshakeError,
  EngineCapabilityError,
  ClosedReceiveChannelError,
  WebSocketDeflateExtension,
  type WebSocketsConfig,
} from "../../src/index.js";
import { MockEngine, type MockEngineOptions, type MockServerHandler } from "../../src/testing/index.js";

const T = { timeout: 10_000 };
const URL_ = "ws://mock.test/echo";

function client(engine: MockEngine, configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(engine, (config) => config.install(WebSockets, configure));
}

function mock(handler: MockServerHandler, options?: MockEngineOptions): MockEngine {
  return new MockEngine(handler, options);
}

const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

/** Whether `promise` settles within `millis`. */
async function settlesWithin(promise: Promise<unknown>, millis: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), millis)));
  const result = await Promise.race([promise.then(() => true, () => true), timeout]);
  clearTimeout(timer);
  return result;
}

/** A channel closed by a failure throws `ClosedReceiveChannelError` with the failure as its cause. */
function causedBy(error: unknown, type: new (...args: never[]) => Error): boolean {
  return error instanceof ClosedReceiveChannelError && error.cause instanceof type;
}

const echo: MockServerHandler = async (server) => {
  for await (const frame of server.incoming) await server.send(frame);
};

describe("MockEngine", () => {
  test("declares what it supports, and not extensions", () => {
    const engine = new MockEngine(echo);
    for (const capability of ["websockets", "pingFrames", "customHeaders", "rawFrames", "frameSizeLimit", "fragmentedFrames", "readBackpressure", "handshakeResponse"] as const) {
      assert.ok(engine.capabilities.has(capability), capability);
    }
    assert.equal(engine.capabilities.has("extensions"), false);
    assert.throws(
      () => client(engine, (ws) => ws.extensions((e) => e.install(WebSocketDeflateExtension))),
      (error: unknown) => error instanceof EngineCapabilityError,
    );
  });

  test("echo, with the handshake response and both close reasons", T, async () => {
    let serverReason: Promise<CloseReason | null> | null = null;
    const engine = mock(async (server) => {
      serverReason = server.closeReason;
      assert.equal(server.masking, false);
      await echo(server, engine.requests[0]);
    });
    const http = client(engine);
    const session = await http.webSocketSession(URL_);
    assert.equal(session.masking, true);
    assert.equal(session.response?.status, 101);
    assert.equal(session.response?.headers.get("upgrade"), "websocket");
    await session.send("hello");
    await session.send(new Uint8Array([1, 2, 3]));
    const text = await session.incoming.receive();
    assert.ok(text instanceof Frame.Text);
    assert.equal(text.readText(), "hello");
    const binary = await session.incoming.receive();
    assert.ok(binary instanceof Frame.Binary);
    assert.deepEqual([...binary.readBytes()], [1, 2, 3]);
    await session.close(new CloseReason(4001, "bye"));
    assert.deepEqual(await session.closeReason, new CloseReason(4001, "bye"));
    assert.deepEqual(await serverReason!, new CloseReason(4001, "bye"));
    assert.deepEqual(engine.errors, []);
  });

  test("the server closes with a code: the client's incoming ends and closeReason has it", T, async () => {
    const http = client(mock(async (server) => {
      await server.send("last");
      await server.close(new CloseReason(CloseReason.Codes.VIOLATED_POLICY, "go away"));
    }));
    const session = await http.webSocketSession(URL_);
    const texts: string[] = [];
    for await (const frame of session.incoming) texts.push((frame as Frame.Text).readText());
    assert.deepEqual(texts, ["last"]);
    assert.deepEqual(await session.closeReason, new CloseReason(CloseReason.Codes.VIOLATED_POLICY, "go away"));
  });

  test("a handler that returns closes with 1000; one that throws with 1011 and its message", T, async () => {
    const normal = await client(mock(() => {})).webSocketSession(URL_);
    assert.deepEqual(await normal.closeReason, new CloseReason(CloseReason.Codes.NORMAL, ""));

    const reported: unknown[] = [];
    const engine = mock(async () => {
      throw new Error("script failed");
    }, { onHandlerError: (error) => reported.push(error) });
    const failing = await client(engine).webSocketSession(URL_);
    assert.deepEqual(await failing.closeReason, new CloseReason(CloseReason.Codes.INTERNAL_ERROR, "script failed"));
    assert.equal(engine.errors.length, 1);
    assert.equal((engine.errors[0] as Error).message, "script failed");
    assert.deepEqual(reported, engine.errors);
  });

  test("the webSocket block closes with 1000 when it returns, and its value comes back", T, async () => {
    let serverReason: Promise<CloseReason | null> | null = null;
    const http = client(mock(async (server) => {
      serverReason = server.closeReason;
      await echo(server, null as never);
    }));
    const value = await http.webSocket(URL_, async (session) => {
      await session.send("ping?");
      return ((await session.incoming.receive()) as Frame.Text).readText();
    });
    assert.equal(value, "ping?");
    assert.deepEqual(await serverReason!, new CloseReason(CloseReason.Codes.NORMAL, ""));
  });

  test("pings are answered by the server's session: no timeout", T, async () => {
    const http = client(mock(async (server) => {
      await server.closeReason;
    }), (ws) => {
      ws.pingIntervalMillis = 10;
      ws.timeoutMillis = 200;
    });
    const session = await http.webSocketSession(URL_);
    await delay(400);
    assert.equal(session.incoming.isClosedForReceive, false);
    await session.close();
    assert.deepEqual(await session.closeReason, new CloseReason(CloseReason.Codes.NORMAL, ""));
  });

  test("the server's pings are answered by the client's session", T, async () => {
    let serverOpen = false;
    const http = client(mock(async (server) => {
      await delay(300);
      serverOpen = !server.incoming.isClosedForReceive;
    }, { server: { pingIntervalMillis: 10, timeoutMillis: 100 } }));
    const session = await http.webSocketSession(URL_);
    assert.deepEqual(await session.closeReason, new CloseReason(CloseReason.Codes.NORMAL, ""));
    assert.equal(serverOpen, true);
  });

  test("a server that stops reading stops answering pings: the client fails with PingTimeoutError", T, async () => {
    const http = client(mock(async () => {
      await delay(1000);
    }, { server: { channels: { incoming: { capacity: 1, onOverflow: "suspend" } }, timeoutMillis: 200 } }), (ws) => {
      ws.pingIntervalMillis = 20;
      ws.timeoutMillis = 150;
    });
    const session = await http.webSocketSession(URL_);
    await session.send("one");
    await session.send("two");
    await assert.rejects(async () => {
      for await (const _ of session.incoming) void _;
    }, (error: unknown) => causedBy(error, PingTimeoutError));
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.INTERNAL_ERROR);
  });

  test("fragmented messages are reassembled in both directions", T, async () => {
    let received = "";
    const http = client(mock(async (server) => {
      const frame = await server.incoming.receive();
      assert.equal(frame.fin, true);
      received = (frame as Frame.Text).readText();
      await server.send(new Frame.Binary(false, new Uint8Array([1, 2])));
      await server.send(new Frame.Ping(new Uint8Array([9])));
      await server.send(new Frame.Binary(false, new Uint8Array([3])));
      await server.send(new Frame.Binary(true, new Uint8Array([4, 5])));
      await server.closeReason;
    }));
    await http.webSocket(URL_, async (session) => {
      await session.send(new Frame.Text(false, "hé"));
      await session.send(new Frame.Text(false, "l"));
      await session.send(new Frame.Text(true, "lo"));
      const message = await session.incoming.receive();
      assert.ok(message instanceof Frame.Binary);
      assert.equal(message.fin, true);
      assert.deepEqual([...message.readBytes()], [1, 2, 3, 4, 5]);
    });
    assert.equal(received, "héllo");
  });

  test("maxFrameSize: a bigger frame from the server fails the client with 1009", T, async () => {
    let serverReason: Promise<CloseReason | null> | null = null;
    const http = client(mock(async (server) => {
      serverReason = server.closeReason;
      await server.send(new Uint8Array(2000));
      await server.closeReason;
    }), (ws) => {
      ws.maxFrameSize = 1024;
    });
    const session = await http.webSocketSession(URL_);
    await assert.rejects(session.incoming.receive(), (error: unknown) => causedBy(error, FrameTooBigError));
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);
    assert.equal((await serverReason!)?.code, CloseReason.Codes.TOO_BIG);
  });

  test("maxFrameSize: a bigger frame from the client fails the server with 1009", T, async () => {
    let serverError: unknown = null;
    const http = client(mock(async (server) => {
      try {
        await server.incoming.receive();
      } catch (error) {
        serverError = error;
      }
    }, { server: { maxFrameSize: 100 } }));
    const session = await http.webSocketSession(URL_);
    await session.send(new Uint8Array(101));
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);
    assert.ok(causedBy(serverError, FrameTooBigError), String(serverError));
  });

  test("JSON converter round trip", T, async () => {
    const http = client(mock(async (server) => {
      const value = await server.receiveDeserialized<{ n: number }>();
      await server.sendSerialized({ n: value.n + 1, tags: ["a"] });
    }, { server: { converter: new JsonConverter() } }), (ws) => {
      ws.contentConverter = new JsonConverter();
    });
    const reply = await http.webSocket(URL_, async (session) => {
      await session.sendSerialized({ n: 41 });
      return session.receiveDeserialized<{ n: number; tags: string[] }>();
    });
    assert.deepEqual(reply, { n: 42, tags: ["a"] });
  });

  test("subprotocols: the server's preference, a hook's choice, and one not offered", T, async () => {
    const engine = mock(async (server) => {
      await server.send(server.protocol ?? "none");
    }, { protocols: ["chat.v2", "chat.v1"] });
    const session = await client(engine).webSocketSession({ url: URL_, protocols: ["chat.v1", "chat.v2"] });
    assert.equal(session.protocol, "chat.v2");
    assert.equal(session.response?.headers.get("sec-websocket-protocol"), "chat.v2");
    assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "chat.v2");
    assert.equal(engine.requests[0].headers.get("sec-websocket-protocol"), "chat.v1, chat.v2");
    assert.deepEqual(engine.requests[0].protocols, ["chat.v1", "chat.v2"]);

    const none = await client(engine).webSocketSession({ url: URL_, protocols: ["other"] });
    assert.equal(none.protocol, null);

    const hooked = new MockEngine(() => {}, { handshake: (request) => ({ protocol: request.protocols.at(-1) }) });
    const chosen = await client(hooked).webSocketSession({ url: URL_, protocols: ["a", "b"] });
    assert.equal(chosen.protocol, "b");

    const wrong = new MockEngine(() => {}, { handshake: () => ({ protocol: "c" }) });
    await assert.rejects(client(wrong).webSocketSession({ url: URL_, protocols: ["a"] }), (error: unknown) => {
      return error instanceof WebSocketHandshakeError && /not offered/.test(error.message);
    });
  });

  test("a refused handshake rejects with WebSocketHandshakeError carrying status, headers and body", T, async () => {
    let ran = false;
    const engine = mock(() => {
      ran = true;
    }, {
      handshake: (request) => (request.headers.get("authorization") === null
        ? { status: 401, statusText: "Unauthorized", headers: { "www-authenticate": "Bearer" }, body: "log in first" }
        : undefined),
    });
    const http = client(engine);
    await assert.rejects(http.webSocketSession(URL_), (error: unknown) => {
      assert.ok(error instanceof WebSocketHandshakeError);
      assert.equal(error.status, 401);
      assert.equal(error.headers.get("www-authenticate"), "Bearer");
      assert.equal(error.body, "log in first");
      assert.match(error.message, /401 Unauthorized/);
      return true;
    });
    assert.equal(ran, false);
    const session = await http.webSocketSession("ws://user:pw@mock.test/echo");
    assert.equal(engine.requests[1].headers.get("authorization"), `Basic ${btoa("user:pw")}`);
    assert.equal(engine.requests[1].url.href, URL_);
    await session.closeReason;

    const throwing = new MockEngine(() => {}, { handshake: () => { throw new Error("hook broke"); } });
    await assert.rejects(client(throwing).webSocketSession(URL_), (error: unknown) => {
      return error instanceof WebSocketHandshakeError && error.status === 500 && error.body === "hook broke";
    });
  });

  test("request headers reach the server", T, async () => {
    const engine = mock(() => {});
    const session = await client(engine).webSocketSession({ url: URL_, headers: { "x-token": "t1" } });
    assert.equal(engine.requests[0].headers.get("x-token"), "t1");
    assert.equal(engine.requests[0].headers.get("sec-websocket-version"), "13");
    assert.equal(engine.requests[0].method, "GET");
    await session.closeReason;
  });

  test("backpressure: a server that never reads makes the client's send wait; nothing is lost", { timeout: 20_000 }, async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let count = 0;
    const http = client(mock(async (server) => {
      await gate;
      for await (const frame of server.incoming) {
        assert.equal(frame.readBytes()[0], count % 256);
        count++;
      }
    }, { highWaterMark: 16 * 1024 }));
    const session = await http.webSocketSession(URL_);
    let sent = 0;
    let blocked = false;
    while (sent < 10_000) {
      const message = new Uint8Array(1024).fill(sent % 256);
      const sending = session.send(message);
      sent++;
      if (!(await settlesWithin(sending, 100))) {
        blocked = true;
        release();
        await sending;
        break;
      }
    }
    assert.ok(blocked, "send waited");
    assert.ok(sent < 1000, `send waited after ${sent} messages`);
    await session.close();
    assert.equal(count, sent);
  });

  test("a raw session sees every frame, over the same connection", T, async () => {
    const http = client(mock(async (server) => {
      await server.send(new Frame.Text(false, "a"));
      await server.send(new Frame.Text(true, "b"));
      await server.closeReason;
    }));
    const frames = await http.webSocketRaw(URL_, async (session) => {
      const seen: Frame[] = [];
      seen.push(await session.incoming.receive(), await session.incoming.receive());
      await session.send(new Frame.Ping(new Uint8Array([7])));
      seen.push(await session.incoming.receive());
      await session.send(new Frame.Close(new CloseReason(4000, "done")));
      seen.push(await session.incoming.receive());
      return seen;
    });
    assert.deepEqual(frames.map((f) => [f.constructor.name, f.fin]), [["Text", false], ["Text", true], ["Pong", true], ["Close", true]]);
    assert.deepEqual([...frames[2].readBytes()], [7]);
    assert.equal((frames[3] as Frame.Close).readReason()?.code, 4000);
  });

  test("AbortSignal: before the connect, during the handshake, and on an open session", T, async () => {
    const http = client(mock(echo));
    await assert.rejects(http.webSocketSession({ url: URL_, signal: AbortSignal.abort(new Error("early")) }), /early/);

    const slow = new MockEngine(echo, { handshake: () => new Promise<undefined>(() => {}) });
    const controller = new AbortController();
    const opening = client(slow).webSocketSession({ url: URL_, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("too slow")), 20);
    await assert.rejects(opening, /too slow/);

    let serverReason: Promise<CloseReason | null> | null = null;
    const live = new AbortController();
    const session = await client(mock(async (server) => {
      serverReason = server.closeReason;
      await echo(server, null as never);
    })).webSocketSession({ url: URL_, signal: live.signal });
    await session.send("x");
    await session.incoming.receive();
    live.abort(new Error("user left"));
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.GOING_AWAY);
    assert.equal((await serverReason!)?.code, CloseReason.Codes.GOING_AWAY);
  });

  test("without a handler, the test takes connections from `connections`", T, async () => {
    const engine = new MockEngine();
    const http = client(engine);
    const opening = http.webSocketSession(URL_);
    const { server, request } = await engine.nextConnection();
    const session = await opening;
    assert.equal(request.url.pathname, "/echo");
    await server.send("welcome");
    assert.equal(((await session.incoming.receive()) as Frame.Text).readText(), "welcome");
    await session.send("thanks");
    assert.equal(((await server.incoming.receive()) as Frame.Text).readText(), "thanks");
    await server.close(new CloseReason(4100, "done"));
    assert.deepEqual(await session.closeReason, new CloseReason(4100, "done"));

    const taken: string[] = [];
    const loop = (async () => {
      for await (const connection of engine.connections) {
        taken.push(connection.request.url.pathname);
        await connection.server.close();
      }
    })();
    await (await http.webSocketSession("ws://mock.test/a")).closeReason;
    http.close();
    await loop;
    assert.deepEqual(taken, ["/a"]);
    await assert.rejects(engine.nextConnection(), /closed/);
  });
});
