// The plugins' connect hooks around the engine (src/client/connect-chain.ts): order, changed requests,
// wrapped connections, failures, and the engine alone when no plugin hooks in.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { connectChain } from "../../src/client/connect-chain.js";
import type { ConnectHook } from "../../src/client/plugin.js";
import type { EngineConnection, HttpClientEngine, WebSocketRequest } from "../../src/index.js";

/** A request with only a URL, which is all these hooks look at. */
function request(url: string): WebSocketRequest {
  return { url: new URL(url), method: "GET", headers: new Headers(), protocols: [], signal: undefined, maxFrameSize: 1024 };
}

/** An engine that records the URLs it is asked for and hands back a connection naming the URL. */
function recordingEngine(): HttpClientEngine & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    name: "Recording",
    capabilities: new Set(["websockets"]),
    asked,
    connectWebSocket: async (req) => {
      asked.push(req.url.href);
      return { transport: null as never, response: null, protocol: req.url.pathname, extensions: [] } satisfies EngineConnection;
    },
    close: () => {},
  };
}

describe("connectChain", () => {
  test("without hooks it is the engine's connectWebSocket", async () => {
    const engine = recordingEngine();
    const connection = await connectChain(engine, [])(request("ws://h/plain"));
    assert.equal(connection.protocol, "/plain");
    assert.deepEqual(engine.asked, ["ws://h/plain"]);
  });

  test("hooks run in install order, the first outermost, each around the rest", async () => {
    const engine = recordingEngine();
    const order: string[] = [];
    const hook =
      (name: string): ConnectHook =>
      async (req, proceed) => {
        order.push(`${name} in`);
        const connection = await proceed(req);
        order.push(`${name} out`);
        return connection;
      };
    await connectChain(engine, [hook("first"), hook("second")])(request("ws://h/"));
    assert.deepEqual(order, ["first in", "second in", "second out", "first out"]);
  });

  test("a hook may pass a changed request on and change the connection it gets back", async () => {
    const engine = recordingEngine();
    const rewrite: ConnectHook = (req, proceed) => proceed({ ...req, url: new URL("ws://h/rewritten") });
    const wrap: ConnectHook = async (req, proceed) => ({ ...(await proceed(req)), protocol: "wrapped" });
    const connection = await connectChain(engine, [wrap, rewrite])(request("ws://h/asked"));
    assert.deepEqual(engine.asked, ["ws://h/rewritten"]);
    assert.equal(connection.protocol, "wrapped");
  });

  test("a hook that throws, even synchronously, rejects the connect and the engine is not asked", async () => {
    const engine = recordingEngine();
    const refuse: ConnectHook = () => {
      throw new Error("not this one");
    };
    const chain = connectChain(engine, [refuse]);
    const pending = chain(request("ws://h/"));
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, /not this one/);
    assert.deepEqual(engine.asked, []);
  });

  test("the engine's failure reaches every hook, which may see it and rethrow", async () => {
    const engine: HttpClientEngine = { ...recordingEngine(), connectWebSocket: () => Promise.reject(new Error("refused")) };
    const seen: unknown[] = [];
    const watch: ConnectHook = async (req, proceed) => {
      try {
        return await proceed(req);
      } catch (error) {
        seen.push(error);
        throw error;
      }
    };
    await assert.rejects(connectChain(engine, [watch])(request("ws://h/")), /refused/);
    assert.equal(seen.length, 1);
  });
});
