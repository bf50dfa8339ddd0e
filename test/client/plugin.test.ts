// What a plugin's install gets (src/client/plugin.ts, run by HttpClient): the engine, the plugins
// installed before it, and onConnect hooks around every connection the client opens.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Frame, HttpClient, WebSockets, type ConnectHook, type HttpClientPlugin, type PluginInstallScope } from "../../src/index.js";
import { MockEngine } from "../../src/testing/index.js";

const echo = (): MockEngine =>
  new MockEngine(async (server) => {
    for await (const frame of server.incoming) await server.send(frame);
  });

/** A plugin whose install runs `install` with the scope, keeping what it returns. */
function plugin<I>(key: string, install: (scope: PluginInstallScope) => I): HttpClientPlugin<object, I> {
  return { key, createConfig: () => ({}), install: (_config, scope) => install(scope) };
}

describe("a plugin's install scope", () => {
  test("install gets the client's engine, and the instances of the plugins installed before it", () => {
    const engine = echo();
    let seenEngine: unknown = null;
    let seenEarlier: unknown = "unset";
    let seenLater: unknown = "unset";
    const first = plugin("First", () => ({ first: true }));
    const later = plugin("Later", () => ({ later: true }));
    const middle = plugin("Middle", (scope) => {
      seenEngine = scope.engine;
      seenEarlier = scope.pluginOrNull(first);
      seenLater = scope.pluginOrNull(later);
      return null;
    });
    const client = new HttpClient(engine, (config) => {
      config.install(first);
      config.install(middle);
      config.install(later);
    });
    client.close();
    assert.equal(seenEngine, engine);
    assert.deepEqual(seenEarlier, { first: true });
    assert.equal(seenLater, null, "a plugin installed later is not there yet");
    assert.deepEqual(client.plugin(later), { later: true });
  });

  test("onConnect hooks wrap every connection of the client's builders, in install order", async () => {
    const calls: string[] = [];
    const hook =
      (name: string): ConnectHook =>
      async (request, proceed) => {
        calls.push(`${name} ${request.url.pathname}`);
        return proceed(request);
      };
    const client = new HttpClient(echo(), (config) => {
      config.install(plugin("A", (scope) => scope.onConnect(hook("A"))));
      config.install(WebSockets);
      config.install(plugin("B", (scope) => scope.onConnect(hook("B"))));
    });
    try {
      const text = await client.webSocket("ws://mock/one", async (session) => {
        await session.send("hi");
        const frame = await session.incoming.receive();
        return frame instanceof Frame.Text ? frame.readText() : null;
      });
      assert.equal(text, "hi");
      await (await client.webSocketRawSession("ws://mock/two")).close();
      assert.deepEqual(calls, ["A /one", "B /one", "A /two", "B /two"]);
    } finally {
      client.close();
    }
  });

  test("a hook that refuses fails the builder, and nothing connects", async () => {
    const engine = echo();
    const client = new HttpClient(engine, (config) => {
      config.install(WebSockets);
      config.install(plugin("Gate", (scope) => scope.onConnect(() => Promise.reject(new Error("not allowed")))));
    });
    try {
      await assert.rejects(client.webSocketSession("ws://mock/"), /not allowed/);
      assert.equal(engine.requests.length, 0);
    } finally {
      client.close();
    }
  });

  test("onConnect takes functions only, and only while the plugin installs", () => {
    let kept: PluginInstallScope | null = null;
    assert.throws(
      () => new HttpClient(echo(), (config) => config.install(plugin("Bad", (scope) => scope.onConnect("log" as never)))),
      /^TypeError: onConnect\(hook\): hook must be a function \(request, proceed\) => connection; got "log" \(a string\)$/,
    );
    const client = new HttpClient(echo(), (config) => config.install(plugin("Keeps", (scope) => (kept = scope))));
    client.close();
    assert.throws(() => kept!.onConnect(async (request, proceed) => proceed(request)), /onConnect\(\) was called after the HttpClient was built/);
  });

  test("a plugin whose install throws fails the build and the engine is closed", () => {
    let closed = false;
    const engine = echo();
    const close = engine.close.bind(engine);
    engine.close = () => {
      closed = true;
      close();
    };
    assert.throws(
      () =>
        new HttpClient(engine, (config) =>
          config.install(
            plugin("Broken", () => {
              throw new RangeError("bad setting");
            }),
          ),
        ),
      /bad setting/,
    );
    assert.equal(closed, true);
  });

  test("install() refuses an object without install(config, scope)", () => {
    const old = { key: "Old", createConfig: () => ({}), prepare: () => ({}) };
    assert.throws(() => new HttpClient(echo(), (config) => config.install(old as never)), /install\(\) takes a plugin such as WebSockets/);
  });
});
