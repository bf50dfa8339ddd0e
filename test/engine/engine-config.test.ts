import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import fc from "fast-check";
import { WebSocket as UndiciWebSocket } from "undici";
import {
  HttpClient,
  CIO,
  CioEngine,
  CioEngineConfig,
  Platform,
  PlatformEngine,
  PlatformEngineConfig,
  WebSockets,
  ConnectTimeoutError,
  type WebSocketConstructorLike,
} from "../../src/index.js";
import { WsEngine, WsClientEngine, WsEngineConfig } from "../../src/engine/ws/index.js";

const T = { timeout: 20_000 };

type AnyConfig = Record<string, unknown>;

/** Asserts that setting `key` to `value` throws `kind` with a message matching each of `messages`. */
function refused(config: object, key: string, value: unknown, kind: typeof TypeError | typeof RangeError, ...messages: (RegExp | string)[]): void {
  assert.throws(
    () => ((config as AnyConfig)[key] = value),
    (error: unknown) => {
      assert.ok(error instanceof kind, `${key} = ${String(value)}: ${String(error)} is not a ${kind.name}`);
      for (const message of messages) {
        if (typeof message === "string") assert.ok(error.message.includes(message), `"${error.message}" does not include ${message}`);
        else assert.match(error.message, message);
      }
      return true;
    },
  );
}

describe("CIO settings are checked when set", () => {
  test("connectTimeoutMillis takes a finite number > 0; a string points at connectTimeout", () => {
    const cio = new CioEngineConfig();
    assert.equal(cio.connectTimeoutMillis, 15_000);
    refused(cio, "connectTimeoutMillis", "5s", TypeError, /^cio\.connectTimeoutMillis must be a number of milliseconds \(for a duration, set cio\.connectTimeout = "5s"\); got "5s" \(a string\)$/);
    refused(cio, "connectTimeoutMillis", -1, RangeError, "cio.connectTimeoutMillis", "got -1 (a number)");
    refused(cio, "connectTimeoutMillis", 0, RangeError, "got 0 (a number)");
    refused(cio, "connectTimeoutMillis", NaN, RangeError, "got NaN");
    refused(cio, "connectTimeoutMillis", Infinity, RangeError, "got Infinity");
    refused(cio, "connectTimeoutMillis", 2 ** 31, RangeError, "2147483647");
    refused(cio, "connectTimeoutMillis", null, TypeError, "got null");
    cio.connectTimeoutMillis = 1_234;
    assert.equal(cio.connectTimeoutMillis, 1_234);
    assert.equal(cio.connectTimeoutMillis, 1_234, "a refused value leaves the setting as it was");
  });

  test("connectTimeout takes a Duration and reads as milliseconds", () => {
    const cio = new CioEngineConfig();
    cio.connectTimeout = "5s";
    assert.equal(cio.connectTimeoutMillis, 5_000);
    assert.equal(cio.connectTimeout, 5_000);
    cio.connectTimeout = "500ms";
    assert.equal(cio.connectTimeoutMillis, 500);
    cio.connectTimeout = 750;
    assert.equal(cio.connectTimeout, 750);
    refused(cio, "connectTimeout", "soon", RangeError, 'cio.connectTimeout must be a duration such as "5s"', '"soon" (a string)');
    refused(cio, "connectTimeout", "0s", RangeError, "> 0", '"0s"');
    refused(cio, "connectTimeout", -5, RangeError, "got -5 (a number)");
    refused(cio, "connectTimeout", {}, TypeError, "an empty object");
  });

  test("tls: an object with ca, rejectUnauthorized, servername, cert, key and passphrase only", () => {
    const cio = new CioEngineConfig();
    refused(cio, "tls", null, TypeError, "cio.tls must be", "got null");
    refused(cio, "tls", "insecure", TypeError, "cio.tls must be");
    refused(cio, "tls", { certificate: "x" }, TypeError, 'cio.tls has no option "certificate"', "ca, rejectUnauthorized, servername, cert, key, passphrase");
    refused(cio, "tls", { cert: "x" }, TypeError, "cio.tls.cert and cio.tls.key go together");
    refused(cio, "tls", { rejectUnAuthorized: false }, TypeError, "did you mean rejectUnauthorized?");
    refused(cio, "tls", { serverName: "x" }, TypeError, "did you mean servername?");
    refused(cio, "tls", { ca: 5 }, TypeError, "cio.tls.ca must be", "got 5 (a number)");
    refused(cio, "tls", { ca: ["pem", 5] }, TypeError, "cio.tls.ca");
    refused(cio, "tls", { rejectUnauthorized: "false" }, TypeError, 'cio.tls.rejectUnauthorized must be true or false; got "false" (a string)');
    refused(cio, "tls", { servername: "" }, TypeError, "cio.tls.servername");
    const tls = { ca: ["a", new Uint8Array(1)], rejectUnauthorized: true, servername: "example.com" };
    cio.tls = tls;
    assert.equal(cio.tls, tls);
  });

  test("responseHead: whole numbers >= 1; left-out limits keep their defaults; the object cannot be changed in place", () => {
    const cio = new CioEngineConfig();
    refused(cio, "responseHead", { maxBytes: 0 }, RangeError, "cio.responseHead.maxBytes must be a whole number of bytes >= 1; got 0 (a number)");
    refused(cio, "responseHead", { maxHeaders: 1.5 }, RangeError, "cio.responseHead.maxHeaders");
    refused(cio, "responseHead", { maxBytes: "16k" }, TypeError, "cio.responseHead.maxBytes", '"16k"');
    refused(cio, "responseHead", { maxbytes: 1 }, TypeError, "did you mean maxBytes?");
    refused(cio, "responseHead", 1024, TypeError, "cio.responseHead must be");
    cio.responseHead = { maxBytes: 1024 };
    assert.deepEqual(cio.responseHead, { maxBytes: 1024, maxHeaders: 100 });
    assert.throws(() => ((cio.responseHead as { maxBytes: number }).maxBytes = -1), TypeError);
  });

  test("proxy: a URL string, a URL, \"env\" or null, parsed at once; credentials are never quoted", () => {
    const cio = new CioEngineConfig();
    assert.equal(cio.proxy, "env");
    refused(cio, "proxy", 3128, TypeError, "cio.proxy must be", "got 3128 (a number)");
    refused(cio, "proxy", "ftp://proxy", TypeError, "cio.proxy", "ftp:");
    refused(cio, "proxy", "http://user:s3cret@[bad", TypeError, "cio.proxy is not a valid proxy URL");
    assert.throws(() => (cio.proxy = "http://user:s3cret@[bad"), (error: Error) => !error.message.includes("s3cret"));
    cio.proxy = "proxy.example:3128";
    cio.proxy = new URL("https://proxy.example/");
    cio.proxy = null;
    assert.equal(cio.proxy, null);
  });

  test("followRedirects: true, false or a whole number >= 0", () => {
    const cio = new CioEngineConfig();
    refused(cio, "followRedirects", "yes", TypeError, 'cio.followRedirects must be true, false or a whole number of hops >= 0; got "yes" (a string)');
    refused(cio, "followRedirects", -1, RangeError, "got -1");
    refused(cio, "followRedirects", 1.5, RangeError, "got 1.5");
    cio.followRedirects = 3;
    assert.equal(cio.followRedirects, 3);
  });

  test("the engine checks the whole configuration when the client is built (changes made in place)", () => {
    assert.throws(
      () => new HttpClient(CIO, (config) => config.engine((cio) => ((cio.tls as { ca: unknown }).ca = 42))),
      (error: unknown) => error instanceof TypeError && /^cio\.tls\.ca must be .*; got 42 \(a number\)$/.test(error.message),
    );
    assert.throws(
      () => new HttpClient(CIO, (config) => config.engine((cio) => ((cio.tls as Record<string, unknown>).extra = true))),
      /cio\.tls has no option "extra"/,
    );
    const proxy = new URL("http://proxy.example:3128/");
    assert.throws(
      () =>
        new HttpClient(CIO, (config) =>
          config.engine((cio) => {
            cio.proxy = proxy;
            proxy.protocol = "ftp";
          }),
        ),
      /cio\.proxy must be an http: or https: proxy URL/,
    );
    assert.throws(() => new CioEngine(42 as unknown as CioEngineConfig), /CioEngine's config must be a CioEngineConfig; got 42/);
  });
});

describe("Platform and ws engine settings are checked when set", () => {
  test("Platform: webSocket, customHeaders, webSocketInit, timeouts and sizes", () => {
    const p = new PlatformEngineConfig();
    refused(p, "webSocket", undefined, TypeError, "platform.webSocket must be a WebSocket class", "got undefined");
    refused(p, "webSocket", "WebSocket", TypeError, "platform.webSocket", '"WebSocket" (a string)');
    refused(p, "webSocket", {}, TypeError, "platform.webSocket");
    refused(p, "customHeaders", "yes", TypeError, 'platform.customHeaders must be true, false or null; got "yes" (a string)');
    refused(p, "webSocketInit", null, TypeError, "platform.webSocketInit must be");
    refused(p, "webSocketInit", [], TypeError, "platform.webSocketInit must be");
    refused(p, "webSocketInit", { headers: {} }, TypeError, "platform.webSocketInit cannot set headers");
    refused(p, "connectTimeoutMillis", "5s", TypeError, 'set platform.connectTimeout = "5s"');
    refused(p, "connectTimeoutMillis", -1, RangeError, "platform.connectTimeoutMillis");
    refused(p, "writeHighWaterMark", 0, RangeError, "platform.writeHighWaterMark must be a whole number of bytes >= 1; got 0 (a number)");
    refused(p, "writeHighWaterMark", "1mb", TypeError, "platform.writeHighWaterMark");
    refused(p, "drainPollMillis", 0, RangeError, "platform.drainPollMillis");
    refused(p, "drainPollMillis", "10ms", TypeError, 'set platform.drainPoll = "10ms"');
    p.webSocket = UndiciWebSocket as unknown as WebSocketConstructorLike;
    p.customHeaders = false;
    p.webSocketInit = { dispatcher: undefined };
    p.connectTimeout = "2s";
    assert.equal(p.connectTimeoutMillis, 2_000);
    p.drainPoll = "5ms";
    assert.equal(p.drainPollMillis, 5);
    p.writeHighWaterMark = 4_096;
    assert.equal(p.writeHighWaterMark, 4_096);
    p.webSocket = null;
    p.customHeaders = null;
    assert.throws(
      () => new HttpClient(Platform, (config) => config.engine((platform) => ((platform.webSocketInit as Record<string, unknown>).protocols = ["x"]))),
      /platform\.webSocketInit cannot set protocols/,
    );
    assert.throws(() => new PlatformEngine(null as unknown as PlatformEngineConfig), /PlatformEngine's config must be a PlatformEngineConfig; got null/);
  });

  test("ws: preconfigured, webSocket, timeouts and sizes", () => {
    const ws = new WsEngineConfig();
    refused(ws, "preconfigured", "no", TypeError, "ws.preconfigured must be", '"no" (a string)');
    refused(ws, "preconfigured", [], TypeError, "ws.preconfigured must be", "an array of 0");
    refused(ws, "webSocket", {}, TypeError, "ws.webSocket must be");
    refused(ws, "connectTimeoutMillis", "5s", TypeError, 'ws.connectTimeoutMillis must be a number of milliseconds (for a duration, set ws.connectTimeout = "5s"); got "5s" (a string)');
    refused(ws, "connectTimeout", "-1s", RangeError, "ws.connectTimeout");
    refused(ws, "writeHighWaterMark", -1, RangeError, "ws.writeHighWaterMark");
    ws.preconfigured = { perMessageDeflate: true };
    ws.preconfigured = () => ({});
    ws.preconfigured = null;
    ws.connectTimeout = "1m";
    assert.equal(ws.connectTimeoutMillis, 60_000);
    assert.throws(() => new WsClientEngine("x" as unknown as WsEngineConfig), /WsClientEngine's config must be a WsEngineConfig/);
  });
});

describe("engine settings: properties", () => {
  const threw = (error: unknown): boolean => error instanceof TypeError || error instanceof RangeError;
  const durations = fc.oneof(
    fc.anything(),
    fc.double(),
    fc.constantFrom("5s", "0s", "500ms", "1.5m", "1h", "25d", "ms", " 2s ", "1e3ms", "-1s"),
    fc.tuple(fc.nat(), fc.constantFrom("ms", "s", "m", "h", "")).map(([n, unit]) => `${n}${unit}`),
  );
  const tls = fc.oneof(fc.anything(), fc.record({ ca: fc.anything(), rejectUnauthorized: fc.anything(), servername: fc.anything() }, { requiredKeys: [] }));
  const limits = fc.oneof(fc.anything(), fc.record({ maxBytes: fc.anything(), maxHeaders: fc.anything() }, { requiredKeys: [] }));
  const settings: [string, () => AnyConfig, (config: AnyConfig) => unknown, Record<string, fc.Arbitrary<unknown>>][] = [
    [
      "CIO",
      () => new CioEngineConfig() as unknown as AnyConfig,
      (config) => new CioEngine(config as unknown as CioEngineConfig),
      {
        connectTimeoutMillis: durations,
        connectTimeout: durations,
        tls,
        responseHead: limits,
        proxy: fc.oneof(fc.anything(), fc.webUrl(), fc.constantFrom("env", null, "", "proxy:3128", "socks5://p:1")),
        followRedirects: fc.oneof(fc.anything(), fc.integer({ min: -2, max: 10 })),
      },
    ],
    [
      "Platform",
      () => new PlatformEngineConfig() as unknown as AnyConfig,
      (config) => new PlatformEngine(config as unknown as PlatformEngineConfig),
      {
        webSocket: fc.oneof(fc.anything(), fc.constant(UndiciWebSocket)),
        customHeaders: fc.anything(),
        webSocketInit: fc.anything(),
        connectTimeoutMillis: durations,
        connectTimeout: durations,
        writeHighWaterMark: fc.oneof(fc.anything(), fc.integer({ min: -1, max: 1 << 20 })),
        drainPollMillis: durations,
        drainPoll: durations,
      },
    ],
    [
      "ws",
      () => new WsEngineConfig() as unknown as AnyConfig,
      (config) => new WsClientEngine(config as unknown as WsEngineConfig),
      {
        preconfigured: fc.anything(),
        webSocket: fc.anything(),
        connectTimeoutMillis: durations,
        connectTimeout: durations,
        writeHighWaterMark: fc.oneof(fc.anything(), fc.integer({ min: -1, max: 1 << 20 })),
      },
    ],
  ];

  for (const [engine, make, build, arbitraries] of settings) {
    test(`${engine}: any value for any setting is taken as documented or refused with a TypeError / RangeError`, () => {
      const setting = fc.oneof(...Object.entries(arbitraries).map(([key, arbitrary]) => fc.tuple(fc.constant(key), arbitrary)));
      fc.assert(
        fc.property(fc.array(setting, { maxLength: 4 }), (assignments) => {
          const config = make();
          for (const [key, value] of assignments) {
            const before = config[key];
            try {
              config[key] = value;
            } catch (error) {
              assert.ok(threw(error), `${key} = ${fc.stringify(value)}: ${String(error)}`);
              assert.equal(config[key], before, `a refused ${key} changed the setting`);
              continue;
            }
            const after = config[key];
            if (/Millis$|^connectTimeout$|^drainPoll$/.test(key)) {
              assert.ok(typeof after === "number" && after > 0 && after <= 2_147_483_647, `${key} = ${fc.stringify(value)} reads ${fc.stringify(after)}`);
              if (typeof value === "number") assert.equal(after, value);
              else assert.equal(typeof value, "string", `${key} took a ${typeof value}`);
            }
            if (key === "writeHighWaterMark") assert.ok(Number.isSafeInteger(after) && (after as number) >= 1);
            if (key === "followRedirects") assert.ok(typeof after === "boolean" || (Number.isSafeInteger(after) && (after as number) >= 0));
            if (key === "customHeaders") assert.ok(after === null || typeof after === "boolean");
            if (key === "webSocket") assert.ok(after === null || typeof after === "function");
            if (key === "tls") assert.ok(typeof after === "object" && after !== null && Object.keys(after).every((k) => ["ca", "rejectUnauthorized", "servername"].includes(k)));
            if (key === "responseHead") {
              const { maxBytes, maxHeaders } = after as { maxBytes: number; maxHeaders: number };
              assert.ok(Number.isSafeInteger(maxBytes) && maxBytes >= 1 && Number.isSafeInteger(maxHeaders) && maxHeaders >= 1);
            }
          }
          // What the setters took, the engine takes when it is built.
          build(config);
        }),
        { numRuns: 1_000 },
      );
    });
  }
});

describe("connect timeouts name the setting and its configured value", () => {
  async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      port: (server.address() as { port: number }).port,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  async function expectTimeout(client: HttpClient<unknown>, port: number, message: string): Promise<void> {
    try {
      await assert.rejects(client.webSocketSession(`ws://127.0.0.1:${port}/`), (error: unknown) => {
        assert.ok(error instanceof ConnectTimeoutError, String(error));
        assert.equal(error.message, message);
        return true;
      });
    } finally {
      client.close();
    }
  }

  test("CIO, Platform and ws: `Connecting to host:port took longer than N ms (engine.connectTimeoutMillis)`", T, async () => {
    const silent = await silentServer();
    const port = silent.port;
    try {
      await expectTimeout(
        new HttpClient(CIO, (config) => {
          config.install(WebSockets);
          config.engine((cio) => (cio.connectTimeoutMillis = 300));
        }) as HttpClient<unknown>,
        port,
        `Connecting to 127.0.0.1:${port} took longer than 300 ms (cio.connectTimeoutMillis)`,
      );
      await expectTimeout(
        new HttpClient(CIO, (config) => {
          config.install(WebSockets);
          config.engine((cio) => (cio.connectTimeout = "250ms"));
        }) as HttpClient<unknown>,
        port,
        `Connecting to 127.0.0.1:${port} took longer than 250 ms (cio.connectTimeoutMillis)`,
      );
      await expectTimeout(
        new HttpClient(Platform, (config) => {
          config.install(WebSockets);
          config.engine((p) => {
            p.webSocket = UndiciWebSocket as unknown as WebSocketConstructorLike;
            p.connectTimeout = "300ms";
          });
        }) as HttpClient<unknown>,
        port,
        `Connecting to 127.0.0.1:${port} took longer than 300 ms (platform.connectTimeoutMillis)`,
      );
      await expectTimeout(
        new HttpClient(WsEngine, (config) => {
          config.install(WebSockets);
          config.engine((ws) => (ws.connectTimeoutMillis = 300));
        }) as HttpClient<unknown>,
        port,
        `Connecting to 127.0.0.1:${port} took longer than 300 ms (ws.connectTimeoutMillis)`,
      );
    } finally {
      await silent.close();
    }
  });
});
