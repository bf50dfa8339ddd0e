import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  HttpClient,
  HttpClientConfig,
  CIO,
  CioEngine,
  WebSockets,
  WebSocketsConfig,
  Frame,
  PluginNotInstalledError,
  EngineCapabilityError,
  WebSocketError,
  type HttpClientEngine,
  type EngineCapability,
} from "../../src/index.js";
import { startWsPeer, delay } from "../helpers/ws-peer.js";

const T = { timeout: 10_000 };

/** An engine that can do only what it is told and never connects. */
function fakeEngine(capabilities: EngineCapability[]): HttpClientEngine {
  return {
    name: "Fake",
    capabilities: new Set(capabilities),
    connectWebSocket: () => Promise.reject(new Error("the fake engine does not connect")),
    close: () => {},
  };
}

describe("HttpClient construction and plugins", () => {
  test("new HttpClient(CIO, block) runs the block and installs WebSockets with its settings", T, async () => {
    let sawConfig: unknown = null;
    let sawWs: unknown = null;
    const client = new HttpClient(CIO, (config) => {
      sawConfig = config;
      config.install(WebSockets, (ws) => {
        sawWs = ws;
        ws.pingIntervalMillis = 1_234;
        ws.maxFrameSize = 4_096;
      });
    });
    try {
      assert.ok(sawConfig instanceof HttpClientConfig);
      assert.ok(sawWs instanceof WebSocketsConfig);
      assert.ok(client.engine instanceof CioEngine);
      assert.equal(client.engine.name, "CIO");
      const plugin = client.plugin(WebSockets);
      assert.equal(plugin.pingIntervalMillis, 1_234);
      assert.equal(plugin.maxFrameSize, 4_096);
      assert.equal(plugin.timeoutMillis, 2_468);
      assert.equal(client.pluginOrNull(WebSockets), plugin);
    } finally {
      client.close();
    }
  });

  test("install(WebSockets) with no block installs the defaults and a session works", T, async () => {
    const peer = await startWsPeer();
    const client = new HttpClient(CIO, (config) => config.install(WebSockets));
    try {
      const plugin = client.plugin(WebSockets);
      assert.equal(plugin.pingIntervalMillis, null);
      assert.equal(plugin.timeoutMillis, 15_000);
      assert.equal(plugin.maxFrameSize, 100 * 1024 * 1024);
      assert.equal(plugin.maxMessageSize, 100 * 1024 * 1024);
      assert.equal(plugin.contentConverter, null);
      const echoed = await client.webSocket(`${peer.url}/`, async (session) => {
        await session.send("defaults");
        return ((await session.incoming.receive()) as Frame.Text).readText();
      });
      assert.equal(echoed, "defaults");
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("installing twice merges: the second block wins, the first block's other settings stay", T, async () => {
    const order: string[] = [];
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets, (ws) => {
        order.push("first");
        ws.pingIntervalMillis = 5_000;
        ws.maxFrameSize = 1_000;
        ws.maxMessageSize = 9_000;
      });
      config.install(WebSockets, (ws) => {
        order.push("second");
        // The second block sees the first block's values on the same configuration.
        assert.equal(ws.maxFrameSize, 1_000);
        ws.maxFrameSize = 2_000;
      });
    });
    try {
      assert.deepEqual(order, ["first", "second"]);
      const plugin = client.plugin(WebSockets);
      assert.equal(plugin.maxFrameSize, 2_000);
      assert.equal(plugin.pingIntervalMillis, 5_000);
      assert.equal(plugin.maxMessageSize, 9_000);
      assert.equal(plugin.timeoutMillis, 10_000);
    } finally {
      client.close();
    }
  });

  test("the merged settings reach a live session", T, async () => {
    const peer = await startWsPeer();
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets, (ws) => {
        ws.pingIntervalMillis = 60_000;
        ws.maxFrameSize = 1_000;
      });
      config.install(WebSockets, (ws) => {
        ws.maxFrameSize = 2_000;
        ws.timeoutMillis = 7_000;
      });
    });
    try {
      await client.webSocket(peer.url, (session) => {
        assert.equal(session.maxFrameSize, 2_000);
        assert.equal(session.pingIntervalMillis, 60_000);
        assert.equal(session.timeoutMillis, 7_000);
      });
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("client.close(): every builder then rejects and nothing connects", T, async () => {
    const peer = await startWsPeer();
    const client = new HttpClient(CIO, (config) => config.install(WebSockets));
    client.close();
    client.close(); // idempotent
    try {
      assert.equal(client.isClosed, true);
      const closedClient = (error: unknown): boolean => error instanceof WebSocketError && error.code === "KITE_ERR_CLIENT_CLOSED";
      await assert.rejects(client.webSocket(peer.url, () => 1), closedClient);
      await assert.rejects(client.ws(peer.url, () => 1), closedClient);
      await assert.rejects(client.webSocketRaw(peer.url, () => 1), closedClient);
      await assert.rejects(client.webSocketSession(peer.url), closedClient);
      await assert.rejects(client.webSocketRawSession(peer.url), closedClient);
      await delay(50);
      assert.equal(peer.connections.length, 0);
    } finally {
      await peer.close();
    }
  });

  test("a builder without the WebSockets plugin rejects with PluginNotInstalledError", T, async () => {
    const peer = await startWsPeer();
    const client = new HttpClient(CIO);
    try {
      await assert.rejects(client.webSocket(peer.url, () => 1), PluginNotInstalledError);
      await assert.rejects(client.webSocketSession(peer.url), PluginNotInstalledError);
      await assert.rejects(client.webSocketRawSession(peer.url), PluginNotInstalledError);
      assert.throws(() => client.plugin(WebSockets), PluginNotInstalledError);
      assert.equal(client.pluginOrNull(WebSockets), null);
      await delay(50);
      assert.equal(peer.connections.length, 0);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("new HttpClient() uses the CIO engine by default", T, async () => {
    const bare = new HttpClient();
    assert.ok(bare.engine instanceof CioEngine);
    assert.equal(bare.engine.name, "CIO");
    bare.close();

    const peer = await startWsPeer();
    const client = new HttpClient((config) => config.install(WebSockets));
    try {
      assert.ok(client.engine instanceof CioEngine);
      const text = await client.webSocket(peer.url, async (session) => {
        await session.send("default engine");
        return ((await session.incoming.receive()) as Frame.Text).readText();
      });
      assert.equal(text, "default engine");
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("config.engine() configures CIO", T, () => {
    const client = new HttpClient(CIO, (config) => {
      config.engine((cio) => {
        cio.connectTimeoutMillis = 1_234;
      });
    });
    assert.equal((client.engine as CioEngine).config.connectTimeoutMillis, 1_234);
    client.close();
  });

  test("install() refuses something that is not a plugin", T, () => {
    assert.throws(() => new HttpClient(CIO, (config) => config.install({} as typeof WebSockets)), TypeError);
  });

  test("an engine without WebSockets support fails at construction with EngineCapabilityError", T, () => {
    assert.throws(
      () => new HttpClient(fakeEngine([]), (config) => config.install(WebSockets)),
      (error: unknown) => error instanceof EngineCapabilityError && error.engine === "Fake" && error.capability === "websockets",
    );
    assert.throws(
      () => new HttpClient(fakeEngine(["websockets"]), (config) => config.install(WebSockets, (ws) => (ws.pingInterval = "20s"))),
      (error: unknown) => error instanceof EngineCapabilityError && error.capability === "pingFrames",
    );
    // Without the setting that needs it, the same engine is accepted.
    const client = new HttpClient(fakeEngine(["websockets"]), (config) => config.install(WebSockets));
    client.close();
  });
});
