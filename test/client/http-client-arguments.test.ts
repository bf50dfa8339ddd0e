import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, HttpClientConfig, CIO, CioEngine, WebSockets, type HttpClientEngine } from "../../src/index.js";
import { WsClientEngine } from "../../src/engine/ws/index.js";
import { delay } from "../helpers/ws-peer.js";

const T = { timeout: 10_000 };

/** Collects unhandled rejections while `run` goes on, and a little after. */
async function unhandledDuring(run: () => Promise<void> | void): Promise<unknown[]> {
  const seen: unknown[] = [];
  const record = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", record);
  try {
    await run();
    await delay(20);
  } finally {
    process.off("unhandledRejection", record);
  }
  return seen;
}

describe("HttpClient's arguments", () => {
  test("a first argument that is not an engine factory, an engine or a function says what is expected", () => {
    for (const [value, shown] of [
      ["CIO", '"CIO" (a string)'],
      [42, "42 (a number)"],
      [null, "null"],
      [{}, "an empty object"],
      [{ name: "Fake" }, "an object with keys name"],
      [[], "an array of 0"],
    ] as const) {
      assert.throws(
        () => new HttpClient(value as unknown as typeof CIO),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.equal(error.message, `HttpClient takes an engine factory such as CIO, an engine, or a configure function; got ${shown}`);
          return true;
        },
      );
    }
  });

  test("an engine class instead of its factory is explained", () => {
    assert.throws(() => new HttpClient(CioEngine as unknown as typeof CIO), /HttpClient takes an engine factory.*a class: pass its factory, e\.g\. CIO/);
  });

  test("the second argument, when given, is a function; none after a configure function", () => {
    assert.throws(() => new HttpClient(CIO, "install" as unknown as () => void), /^TypeError: HttpClient's configure block must be a function \(config\) => \{ \.\.\. \}; got "install" \(a string\)$/);
    assert.throws(() => new HttpClient(CIO, null as unknown as () => void), /configure block must be a function.*got null/);
    assert.throws(
      () => new (HttpClient as unknown as new (a: unknown, b: unknown) => HttpClient)(() => {}, () => {}),
      /HttpClient's second argument must be left out when the first is the configure function/,
    );
    new HttpClient(CIO, undefined).close();
  });

  test("an engine instance is used as it is, even one with a create member of its own (the ws engine's)", () => {
    for (const engine of [new CioEngine(), new WsClientEngine()]) {
      const client = new HttpClient(engine, (config) => config.install(WebSockets));
      assert.equal(client.engine, engine);
      client.close();
    }
  });

  test("an engine factory whose create() returns no engine is refused", () => {
    const broken = { name: "Broken", create: () => ({}) as unknown as HttpClientEngine };
    assert.throws(() => new HttpClient(broken), /^TypeError: Broken\.create\(\) must return an engine .*; got an empty object$/);
  });

  test("an async configure block is a TypeError; what it does after its await throws, and nothing is left unhandled", T, async () => {
    let kept: unknown;
    let later: unknown;
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    const unhandled = await unhandledDuring(async () => {
      assert.throws(
        () =>
          new HttpClient(CIO, async (config) => {
            kept = config;
            await gate;
            try {
              config.install(WebSockets);
            } catch (error) {
              later = error;
              throw error; // the block's own promise rejects: kite-ws must have handled it
            }
          }),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /^HttpClient's configure block must be synchronous: it returned a promise/);
          assert.match(error.message, /after an await would not be seen/);
          return true;
        },
      );
      resume();
      await delay(10);
    });
    assert.ok(kept instanceof HttpClientConfig);
    assert.ok(later instanceof Error);
    assert.match((later as Error).message, /^config\.install\(\) was called after the HttpClient was built.*must be synchronous.*after an await is not seen/);
    assert.deepEqual(unhandled, []);
  });

  test("config.install() / config.engine() on a kept configuration after the build throw", () => {
    let kept: HttpClientConfig<unknown> | undefined;
    const client = new HttpClient(CIO, (config) => {
      kept = config as HttpClientConfig<unknown>;
      config.install(WebSockets);
    });
    client.close();
    assert.throws(() => kept!.install(WebSockets), /^Error: config\.install\(\) was called after the HttpClient was built/);
    assert.throws(() => kept!.engine(() => {}), /^Error: config\.engine\(\) was called after the HttpClient was built/);
  });

  test("async plugin and engine blocks are TypeErrors too", T, async () => {
    const unhandled = await unhandledDuring(() => {
      assert.throws(
        () => new HttpClient(CIO, (config) => config.install(WebSockets, async (ws) => void (ws.pingInterval = "1s"))),
        /^TypeError: The configure block of install\(WebSockets, \.\.\.\) must be synchronous/,
      );
      assert.throws(
        () =>
          new HttpClient(CIO, (config) => {
            config.install(WebSockets);
            config.engine(async () => {
              throw new Error("rejected later");
            });
          }),
        /^TypeError: The configure block of config\.engine\(\.\.\.\) for CIO must be synchronous/,
      );
    });
    assert.deepEqual(unhandled, []);
  });

  test("install(plugin, notAFunction) and engine(notAFunction) are TypeErrors quoting the value", () => {
    assert.throws(
      () => new HttpClient(CIO, (config) => config.install(WebSockets, 42 as unknown as () => void)),
      /^TypeError: install\(WebSockets, configure\): configure must be a function \(config\) => \{ \.\.\. \}; got 42 \(a number\)$/,
    );
    assert.throws(() => new HttpClient(CIO, (config) => config.install(WebSockets, null as unknown as () => void)), /got null/);
    assert.throws(
      () => new HttpClient(CIO, (config) => config.install("WebSockets" as unknown as typeof WebSockets)),
      /^TypeError: install\(\) takes a plugin such as WebSockets; got "WebSockets" \(a string\)$/,
    );
    assert.throws(
      () => new HttpClient(CIO, (config) => config.engine({ connectTimeoutMillis: 5 } as unknown as () => void)),
      /^TypeError: config\.engine\(configure\): configure must be a function .*; got an object with keys connectTimeoutMillis$/,
    );
  });
});
