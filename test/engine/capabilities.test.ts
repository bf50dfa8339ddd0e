import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { WebSocket as UndiciWebSocket } from "undici";
import {
  HttpClient,
  CIO,
  CioEngine,
  Platform,
  PlatformEngine,
  WebSockets,
  WebSocketDeflateExtension,
  EngineCapabilityError,
  type EngineCapability,
  type HttpClientEngine,
} from "../../src/index.js";
import { WsEngine } from "../../src/engine/ws/index.js";
import { capabilityError } from "../../src/engine/engine.js";

const T = { timeout: 10_000 };

/** Every capability: a record over the type, so one added to EngineCapability without a row here fails to compile. */
const EVERY_CAPABILITY: Record<EngineCapability, true> = {
  websockets: true,
  pingFrames: true,
  customHeaders: true,
  rawFrames: true,
  frameSizeLimit: true,
  fragmentedFrames: true,
  readBackpressure: true,
  handshakeResponse: true,
  extensions: true,
};
const ENGINE_CAPABILITIES = Object.keys(EVERY_CAPABILITY) as EngineCapability[];

/** An engine that can do only what it is told, and counts the connections it was asked for. */
function limitedEngine(capabilities: EngineCapability[], name = "Limited"): HttpClientEngine & { attempts: number } {
  const engine = {
    name,
    capabilities: new Set(capabilities),
    limitations: { pingFrames: "this engine's pings are its own business" },
    attempts: 0,
    connectWebSocket: () => {
      engine.attempts++;
      return Promise.reject(new Error("the limited engine does not connect"));
    },
    close: () => {},
  };
  return engine;
}

function isCapabilityError(engine: string, capability: EngineCapability) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof EngineCapabilityError, `expected EngineCapabilityError, got ${String(error)}`);
    assert.equal(error.engine, engine);
    assert.equal(error.capability, capability);
    assert.match(error.message, new RegExp(`The ${engine} engine does not support ${capability}`));
    return true;
  };
}

describe("engine capabilities, checked when the client is built", () => {
  test("install(WebSockets) on an engine without WebSocket support fails with EngineCapabilityError", T, () => {
    assert.throws(() => new HttpClient(limitedEngine([]), (config) => config.install(WebSockets)), isCapabilityError("Limited", "websockets"));
    // Without the plugin the engine is accepted: the check belongs to WebSockets.
    new HttpClient(limitedEngine([])).close();
  });

  test("a ping interval needs pingFrames, an explicit maxFrameSize needs frameSizeLimit", T, () => {
    const engine = limitedEngine(["websockets"]);
    assert.throws(
      () => new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.pingIntervalMillis = 1_000))),
      isCapabilityError("Limited", "pingFrames"),
    );
    assert.throws(
      () => new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.pingInterval = "20s"))),
      isCapabilityError("Limited", "pingFrames"),
    );
    assert.throws(
      () => new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.maxFrameSize = 1 << 16))),
      isCapabilityError("Limited", "frameSizeLimit"),
    );
    // The same settings are fine on an engine that has the capabilities.
    const able = limitedEngine(["websockets", "pingFrames", "frameSizeLimit"]);
    new HttpClient(able, (config) =>
      config.install(WebSockets, (ws) => {
        ws.pingIntervalMillis = 1_000;
        ws.maxFrameSize = 1 << 16;
      }),
    ).close();
    // Settings left at their defaults ask nothing of the engine.
    new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.maxMessageSize = 1 << 16))).close();
  });

  test("the real engines fail at build time for what they cannot honour", T, () => {
    const platform = (configure: (ws: import("../../src/index.js").WebSocketsConfig) => void) => () =>
      new HttpClient(Platform, (config) => {
        config.engine((p) => (p.webSocket = UndiciWebSocket));
        config.install(WebSockets, configure);
      });
    assert.throws(platform((ws) => (ws.pingInterval = "1s")), isCapabilityError("Platform", "pingFrames"));
    assert.throws(platform((ws) => (ws.maxFrameSize = 4096)), isCapabilityError("Platform", "frameSizeLimit"));
    platform(() => {})().close();
    // CIO and the ws engine honour both.
    new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => ((ws.pingInterval = "1s"), (ws.maxFrameSize = 4096)))).close();
    new HttpClient(WsEngine, (config) => config.install(WebSockets, (ws) => ((ws.pingInterval = "1s"), (ws.maxFrameSize = 4096)))).close();
  });

  test("extensions installed with ws.extensions(...) need an engine that runs them", T, () => {
    const withDeflate = (config: import("../../src/index.js").WebSocketsConfig): void =>
      config.extensions((e) => e.install(WebSocketDeflateExtension));
    assert.throws(
      () =>
        new HttpClient(Platform, (config) => {
          config.engine((p) => (p.webSocket = UndiciWebSocket));
          config.install(WebSockets, withDeflate);
        }),
      isCapabilityError("Platform", "extensions"),
    );
    assert.throws(() => new HttpClient(WsEngine, (config) => config.install(WebSockets, withDeflate)), isCapabilityError("WsEngine", "extensions"));
    assert.throws(() => new HttpClient(limitedEngine(["websockets"]), (config) => config.install(WebSockets, withDeflate)), isCapabilityError("Limited", "extensions"));
    new HttpClient(CIO, (config) => config.install(WebSockets, withDeflate)).close();
  });

  test("a Platform engine with no WebSocket class at all fails at build time and says what to pass", T, () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = Object.getOwnPropertyDescriptor(global, "WebSocket");
    delete global.WebSocket;
    try {
      assert.throws(
        () => new HttpClient(Platform, (config) => config.install(WebSockets)),
        (error: unknown) => isCapabilityError("Platform", "websockets")(error) && /undici/.test((error as Error).message),
      );
    } finally {
      if (saved) Object.defineProperty(global, "WebSocket", saved);
    }
  });

  test("bad engine settings fail at build time", T, () => {
    assert.throws(() => new HttpClient(CIO, (config) => config.engine((cio) => (cio.followRedirects = -1))), RangeError);
    assert.throws(() => new HttpClient(CIO, (config) => config.engine((cio) => (cio.followRedirects = 1.5))), RangeError);
    assert.throws(
      () => new HttpClient(WsEngine, (config) => config.engine((ws) => (ws.preconfigured = "no" as unknown as object))),
      TypeError,
    );
  });
});

describe("engine capabilities, checked when a session opens", () => {
  test("a raw session needs rawFrames; request headers need customHeaders; nothing is dialled", T, async () => {
    const engine = limitedEngine(["websockets"]);
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    try {
      await assert.rejects(client.webSocketRawSession("ws://127.0.0.1:1/"), isCapabilityError("Limited", "rawFrames"));
      await assert.rejects(client.webSocketRaw("ws://127.0.0.1:1/", () => 1), isCapabilityError("Limited", "rawFrames"));
      await assert.rejects(
        client.webSocketSession({ url: "ws://127.0.0.1:1/", headers: { authorization: "Bearer x" } }),
        isCapabilityError("Limited", "customHeaders"),
      );
      assert.equal(engine.attempts, 0);
    } finally {
      client.close();
    }
  });

  test("Platform without header support refuses headers and URL credentials at open", T, async () => {
    const client = new HttpClient(Platform, (config) => {
      config.engine((p) => {
        p.webSocket = UndiciWebSocket;
        p.customHeaders = false;
      });
      config.install(WebSockets);
    });
    try {
      assert.ok(!client.engine.capabilities.has("customHeaders"));
      await assert.rejects(client.webSocketSession({ url: "ws://127.0.0.1:1/", headers: { "x-a": "1" } }), isCapabilityError("Platform", "customHeaders"));
      await assert.rejects(
        client.webSocketSession("ws://user:secret@127.0.0.1:1/"),
        (error: unknown) => isCapabilityError("Platform", "customHeaders")(error) && /credentials/.test((error as Error).message),
      );
      await assert.rejects(client.webSocketRawSession("ws://127.0.0.1:1/"), isCapabilityError("Platform", "rawFrames"));
    } finally {
      client.close();
    }
  });
});

describe("what each engine declares", () => {
  test("CIO and the ws engine declare every capability; Platform only what the WebSocket API allows", T, () => {
    const cio = new HttpClient(CIO).engine;
    assert.ok(cio instanceof CioEngine);
    assert.deepEqual([...cio.capabilities].sort(), [...ENGINE_CAPABILITIES].sort());
    const ws = new HttpClient(WsEngine).engine;
    assert.equal(ws.name, "WsEngine");
    assert.deepEqual([...ws.capabilities].sort(), ENGINE_CAPABILITIES.filter((c) => c !== "extensions").sort());
    assert.match(ws.limitations?.extensions ?? "", /perMessageDeflate/);
    assert.ok(ws.limitations?.rawFrames, "the ws engine says where its raw frames fall short");
    const platform = new HttpClient(Platform, (config) => config.engine((p) => (p.webSocket = UndiciWebSocket))).engine;
    assert.ok(platform instanceof PlatformEngine);
    assert.deepEqual([...platform.capabilities].sort(), ["customHeaders", "websockets"], "on Node.js the constructor takes headers");
    for (const capability of ENGINE_CAPABILITIES) {
      if (!platform.capabilities.has(capability)) assert.ok(platform.limitations?.[capability], `Platform explains ${capability}`);
    }
  });

  test("capabilityError takes the engine's own explanation unless given one", T, () => {
    const engine = limitedEngine([]);
    assert.match(capabilityError(engine, "pingFrames").message, /its own business/);
    assert.match(capabilityError(engine, "pingFrames", "other").message, /: other$/);
    assert.equal(capabilityError(engine, "rawFrames").message, "The Limited engine does not support rawFrames");
    assert.match(capabilityError(engine, "pingFrames", undefined, "a default").message, /its own business/, "the engine's own explanation comes first");
    assert.match(capabilityError(engine, "rawFrames", undefined, "a default").message, /: a default$/, "the default, where the engine says nothing");
  });

  test("docs/engines.md's capability table matches what the engines declare", T, () => {
    const doc = readFileSync(new URL("../../../docs/engines.md", import.meta.url), "utf8");
    const engines: Record<string, HttpClientEngine> = {
      CIO: new HttpClient(CIO).engine,
      Platform: new HttpClient(Platform, (config) => config.engine((p) => ((p.webSocket = UndiciWebSocket), (p.customHeaders = false)))).engine,
      WsEngine: new HttpClient(WsEngine).engine,
    };
    const lines = doc.split("\n");
    const start = lines.findIndex((line) => line.startsWith("| capability |"));
    assert.ok(start >= 0, "the table has a header row");
    const header = lines[start];
    const end = lines.findIndex((line, i) => i > start && !line.startsWith("|"));
    const rows = lines.slice(start + 2, end);
    const columns = header.split("|").map((cell) => cell.trim()).filter(Boolean).slice(1);
    assert.deepEqual(columns.map((c) => c.replace(/[`*]/g, "").split(" ")[0]), Object.keys(engines));
    const seen = new Set<string>();
    for (const row of rows) {
      const cells = row.split("|").map((cell) => cell.trim()).filter(Boolean);
      const capability = /^`([a-zA-Z]+)`/.exec(cells[0])?.[1] as EngineCapability;
      seen.add(capability);
      Object.values(engines).forEach((engine, i) => {
        const cell = cells[i + 1];
        const says = cell.startsWith("✅") ? true : cell.startsWith("❌") ? false : null;
        assert.notEqual(says, null, `${capability} / ${engine.name}: a cell starts with ✅ or ❌`);
        assert.equal(says, engine.capabilities.has(capability), `${capability} / ${engine.name}: the table says ${cell}`);
      });
    }
    assert.deepEqual([...seen].sort(), [...ENGINE_CAPABILITIES].sort(), "every capability has a row");
  });
});
