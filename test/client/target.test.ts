import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import vm from "node:vm";
import fc from "fast-check";
import { HttpClient, CIO, WebSockets, HttpMethod, type WebSocketTarget, type WebSocketRequestOptions } from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { resolveTarget } from "../../src/client/target.js";
import { delay } from "../helpers/ws-peer.js";

const T = { timeout: 20_000 };

function resolve(target: unknown): URL {
  return resolveTarget(target as WebSocketTarget, { maxFrameSize: 1024 }).url;
}

/** Asserts `target` is refused with a TypeError whose message matches each of `messages`. */
function refused(target: unknown, ...messages: (RegExp | string)[]): void {
  assert.throws(
    () => resolve(target),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `${String(error)} is not a TypeError`);
      for (const message of messages) {
        if (typeof message === "string") assert.ok(error.message.includes(message), `"${error.message}" does not include ${message}`);
        else assert.match(error.message, message);
      }
      return true;
    },
    JSON.stringify(target),
  );
}

/** A TCP listener on 127.0.0.1 that counts connections and never answers. */
async function listener(): Promise<{ port: number; connections: Socket[]; close(): Promise<void> }> {
  const connections: Socket[] = [];
  const server = createServer((socket) => connections.push(socket));
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connections,
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

/**
 * A port these tests only write into URLs: resolving a target opens no socket, and nothing here
 * binds or connects to it.
 */
const URL_PORT = 9001;

describe("target: host", () => {
  test("a host with a port, a URL, whitespace, an empty string are TypeErrors naming host and quoting it", () => {
    refused({ host: `example.invalid:${URL_PORT}`, port: URL_PORT, path: "/echo" }, "host must be", `"example.invalid:${URL_PORT}" (a string)`, `put the port in port: ${URL_PORT}`);
    refused(
      { host: `127.0.0.1:${URL_PORT}` },
      new RegExp(`^host must be a host name or an IP address, without a port \\(put the port in port: ${URL_PORT}\\); got "127\\.0\\.0\\.1:${URL_PORT}" \\(a string\\)$`),
    );
    refused({ host: `[::1]:${URL_PORT}` }, "without a port");
    refused({ host: "bad host" }, 'got "bad host" (a string)');
    refused({ host: "ws://127.0.0.1" }, "not a URL (pass a URL as url)", '"ws://127.0.0.1"');
    refused({ host: "" }, 'host must be a non-empty host name or an IP address; got "" (a string)');
    refused({ host: "a/b" }, '"a/b"');
    refused({ host: "a?b" }, '"a?b"');
    refused({ host: "a#b" }, '"a#b"');
    refused({ host: "a\tb" }, "host must be");
    refused({ host: "[zz]" }, '"[zz]"');
    refused({ host: "foo.123" }, '"foo.123"');
    refused({ host: URL_PORT }, "host must be", `got ${URL_PORT} (a number)`);
    refused({ host: null }, "host must be", "got null");
  });

  test("credentials in host are refused and never repeated", () => {
    assert.throws(
      () => resolve({ host: "user:s3cret@example.com" }),
      (error: unknown) => error instanceof TypeError && /credentials/.test(error.message) && !error.message.includes("s3cret"),
    );
    // A password may hold what would end a URL's credentials: a host is masked up to its last "@".
    for (const host of ["user:s3/cret@example.com", "user:s3?cret@example.com", "user:s3#cret@example.com", "user:s3\\cret@example.com"]) {
      assert.throws(
        () => resolve({ host }),
        (error: unknown) => error instanceof TypeError && error.message.includes("***@example.com") && !error.message.includes("cret"),
        host,
      );
    }
  });

  test("IPv4 shorthand and octal forms, which a URL reads as another address, are refused", () => {
    refused({ host: "127.1" }, "127.0.0.1", '"127.1"');
    refused({ host: "010.0.0.1" }, "8.0.0.1");
    refused({ host: "2130706433" }, "127.0.0.1");
  });

  test("names, IPv4, bare and bracketed IPv6 and Unicode names resolve to that host", () => {
    assert.equal(resolve({ host: "example.com", port: URL_PORT, path: "/echo" }).href, `ws://example.com:${URL_PORT}/echo`);
    assert.equal(resolve({ host: "Example.COM" }).hostname, "example.com");
    assert.equal(resolve({ host: "127.0.0.1", port: 9 }).host, "127.0.0.1:9");
    assert.equal(resolve({ host: "::1", port: URL_PORT }).host, `[::1]:${URL_PORT}`);
    assert.equal(resolve({ host: "[::1]", port: URL_PORT }).host, `[::1]:${URL_PORT}`);
    assert.equal(resolve({ host: "2001:db8::1" }).hostname, "[2001:db8::1]");
    assert.equal(resolve({ host: "bücher.de" }).hostname, "xn--bcher-kva.de");
    assert.equal(resolve({ host: "my_host.local" }).hostname, "my_host.local");
    assert.equal(resolve({ url: "wss://a.example:9000/x", host: "b.example" }).href, "wss://b.example:9000/x");
  });

  test("a bad host never opens a connection: the builders reject and nothing reaches the listener", T, async () => {
    const server = await listener();
    const port = server.port;
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.engine((cio) => (cio.connectTimeoutMillis = 2_000));
    });
    const base = `ws://127.0.0.1:${port}/`;
    const bad: WebSocketRequestOptions[] = [
      { host: `example.invalid:${port}`, port, path: "/echo" },
      { host: `127.0.0.1:${port}`, port },
      ...["bad host", "ws://127.0.0.1", "", "127.0.0.1:1", "a@127.0.0.1", "127.0.0.1/x", "[::1]:1", "127.1"].map((host) => ({ url: base, host })),
      { url: base, port: String(port) as unknown as number },
      { url: base, path: "ws://127.0.0.1/x" },
      { url: base, hostname: "127.0.0.1" } as WebSocketRequestOptions,
      { url: base, method: 1 as unknown as HttpMethod },
    ];
    try {
      for (const target of bad) {
        await assert.rejects(client.webSocket(target, () => "never"), TypeError, JSON.stringify(target));
        await assert.rejects(client.webSocketSession(target), TypeError, JSON.stringify(target));
        await assert.rejects(client.wss(target, () => "never"), TypeError, JSON.stringify(target));
      }
      await delay(100);
      assert.equal(server.connections.length, 0, "a bad target connected somewhere");
    } finally {
      client.close();
      await server.close();
    }
  });

  test("client.reconnectingSession refuses a bad target at once, without connecting", T, async () => {
    const server = await listener();
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.install(Reconnect);
    });
    try {
      for (const target of [
        { url: `ws://127.0.0.1:${server.port}/`, host: "bad host" },
        { host: `127.0.0.1:${server.port}`, port: server.port },
        { url: `ws://127.0.0.1:${server.port}/`, pathname: "/x" } as WebSocketRequestOptions,
        42 as unknown as WebSocketTarget,
        [] as unknown as WebSocketTarget,
      ]) {
        assert.throws(() => client.reconnectingSession(target), TypeError, JSON.stringify(target));
      }
      await delay(100);
      assert.equal(server.connections.length, 0);
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe("target: port, path, method", () => {
  test("port is a whole number from 1 to 65535: a numeric string is a TypeError, not converted", () => {
    refused({ host: "h", port: String(URL_PORT) }, new RegExp(`^port must be a whole number from 1 to 65535; got "${URL_PORT}" \\(a string\\)$`));
    refused({ host: "h", port: 0 }, "got 0 (a number)");
    refused({ host: "h", port: 65_536 }, "got 65536 (a number)");
    refused({ host: "h", port: 1.5 }, "got 1.5 (a number)");
    refused({ host: "h", port: NaN }, "got NaN (a number)");
    refused({ host: "h", port: null }, "port must be", "got null");
    assert.equal(resolve({ host: "h", port: 65_535 }).port, "65535");
    // Port 0 in a URL names no server (a socket would take it as port 80): refused, unless port overrides it.
    refused("ws://127.0.0.1:0/echo", /^url must be a URL whose port is from 1 to 65535; got "ws:\/\/127\.0\.0\.1:0\/echo" \(a string\)$/);
    refused({ url: "wss://[::1]:0/" }, "url must be a URL whose port is from 1 to 65535");
    assert.equal(resolve({ url: "ws://h:0/", port: URL_PORT }).port, String(URL_PORT));
  });

  test("path: a string without a fragment, whitespace or a scheme (a full URL points at url); \"echo\" is \"/echo\"; \"//a/b\" stays a path", () => {
    refused({ path: "ws://h/x" }, "path must be", "pass a URL as url", '"ws://h/x"');
    refused({ path: "room:1" }, "path must be", "scheme room:");
    refused({ path: "/a b" }, "path must be", "whitespace");
    refused({ path: "/a\nb" }, "path must be");
    refused({ path: "/a\\b" }, "path must be");
    refused({ path: "/room#section" }, "path must be", "fragment");
    refused({ path: 5 }, "path must be", "got 5 (a number)");
    refused({ path: ["/a"] }, "path must be", "got an array of 1");
    refused({ path: "ws://user:s3cret@h/x" }, "***@");
    assert.throws(() => resolve({ path: "ws://user:s3cret@h/x" }), (error: Error) => !error.message.includes("s3cret"));
    // What was taken before is taken still: "echo" is "/echo", "//a/b" stays a path, a query is kept.
    assert.equal(resolve({ host: "h", path: "echo" }).pathname, "/echo");
    assert.equal(resolve({ host: "h", path: "//a/b" }).href, "ws://h//a/b");
    assert.equal(resolve({ host: "h", path: "/e?room=1" }).href, "ws://h/e?room=1");
  });

  test("method: GET in any case; other strings and non-strings are TypeErrors", () => {
    assert.equal(resolveTarget({ method: HttpMethod.Get }, { maxFrameSize: 1 }).method, "GET");
    assert.equal(resolveTarget({ method: "get" as HttpMethod }, { maxFrameSize: 1 }).method, "GET");
    refused({ method: "POST" as HttpMethod }, "GET", '"POST"');
    refused({ method: 1 }, /^method must be HttpMethod\.Get \("GET"\); got 1 \(a number\)$/);
    refused({ method: null }, "method must be", "got null");
  });
});

describe("target: url, protocols, signal, headers, unknown keys, the target itself", () => {
  test("url is a string or a URL; a bad one is quoted without credentials", () => {
    refused({ url: 5 }, "url must be", "got 5 (a number)");
    refused({ url: { href: "ws://h/" } }, "url must be", "an object with keys href");
    refused({ url: "just words" }, "url must be", '"just words"');
    refused({ url: "ftp://h/" }, "scheme");
    assert.throws(() => resolve({ url: "ws://user:s3cret@exa mple/" }), (error: Error) => error instanceof TypeError && !error.message.includes("s3cret"));
    assert.equal(resolve({ url: new URL("https://h/x") }).href, "wss://h/x");
  });

  test("protocols is a string or an array of strings", () => {
    refused({ protocols: 5 }, "protocols must be", "got 5 (a number)");
    refused({ protocols: new Set(["a"]) }, "protocols must be", "a Set");
    refused({ protocols: ["a", 1] }, "protocols[1] must be a string", "got 1 (a number)");
    refused({ protocols: ["a b"] }, "Invalid subprotocol");
    assert.deepEqual(resolveTarget({ protocols: "chat" }, { maxFrameSize: 1 }).protocols, ["chat"]);
  });

  test("signal is an AbortSignal; headers are an object", () => {
    refused({ signal: {} }, "signal must be an AbortSignal", "an empty object");
    refused({ signal: true }, "signal must be", "true (a boolean)");
    refused({ signal: { aborted: false, addEventListener() {} } }, "signal must be");
    refused({ headers: "x-a: 1" }, "headers must be", '"x-a: 1" (a string)');
    refused({ headers: 5 }, "headers must be", "5 (a number)");
    refused({ headers: null }, "headers must be", "got null");
    const signal = new AbortController().signal;
    assert.equal(resolveTarget({ signal }, { maxFrameSize: 1 }).signal, signal);
  });

  test("a target, a URL and a signal from another realm (a vm context, an iframe) are taken as this realm's", () => {
    // A vm context has JavaScript's own classes only, not URL or AbortSignal: classes of its own stand
    // in for another frame's, which `instanceof` does not recognise either.
    const realm = vm.createContext({});
    const options: unknown = vm.runInContext(`({ host: "example.com", port: ${URL_PORT}, path: "/x" })`, realm);
    assert.notEqual(Object.getPrototypeOf(options), Object.prototype);
    assert.equal(resolve(options).href, `ws://example.com:${URL_PORT}/x`);
    const url: unknown = vm.runInContext(
      'new (class URL { get href() { return "wss://example.com/y"; } get [Symbol.toStringTag]() { return "URL"; } })()',
      realm,
    );
    assert.ok(!(url instanceof URL));
    assert.equal(resolve(url).href, "wss://example.com/y");
    assert.equal(resolve({ url, path: "/z" }).href, "wss://example.com/z");
    const signal: unknown = vm.runInContext("new (class AbortSignal { aborted = false; addEventListener() {} removeEventListener() {} })()", realm);
    assert.equal(resolveTarget({ signal } as WebSocketRequestOptions, { maxFrameSize: 1 }).signal, signal);
  });

  test("unknown keys are TypeErrors naming the key and, where plain, the right one", () => {
    refused({ hostname: "h" }, '"hostname"', "did you mean host?");
    refused({ Host: "h" }, "did you mean host?");
    refused({ pathname: "/" }, "did you mean path?");
    refused({ protocol: "wss" }, "did you mean protocols", "url");
    refused({ header: {} }, "did you mean headers?");
    refused({ timeout: 5 }, '"timeout"', "connectTimeout");
    refused({ frobnicate: 1 }, '"frobnicate"', "the options are method, host, port, path, url, headers, protocols, signal");
    refused({ constructor: 1 }, '"constructor"');
  });

  test("a target that is not a string, a URL or an options object is a TypeError quoting it", () => {
    for (const [target, shown] of [
      [42, "42 (a number)"],
      [null, "null"],
      [undefined, "undefined"],
      [[], "an array of 0"],
      [() => "ws://h/", "a function"],
      [new Map(), "a Map"],
      [true, "true (a boolean)"],
    ] as const) {
      refused(target, "A WebSocket target must be a URL string, a URL or an options object", `got ${shown}`);
    }
  });

  test("the promise builders reject (they never throw synchronously); a block that is not a function is refused", T, async () => {
    const client = new HttpClient(CIO, (config) => config.install(WebSockets));
    try {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => (promise = client.webSocket(42 as unknown as string, () => 1)));
      await assert.rejects(promise!, /A WebSocket target must be/);
      await assert.rejects(client.webSocketSession(null as unknown as string), /got null/);
      await assert.rejects(client.webSocket("ws://127.0.0.1:1/", "block" as unknown as () => void), /^TypeError: webSocket\(target, block\): block must be a function/);
    } finally {
      client.close();
    }
  });
});

describe("target: properties", () => {
  const knownKeys = new Set(["method", "host", "port", "path", "url", "headers", "protocols", "signal"]);
  const threw = (error: unknown): boolean => error instanceof TypeError || error instanceof RangeError;

  test("any value as a target: a request that does what it said, or a TypeError / RangeError", () => {
    fc.assert(
      fc.property(fc.anything(), (target) => {
        let url: URL;
        try {
          url = resolve(target);
        } catch (error) {
          assert.ok(threw(error), String(error));
          return;
        }
        assert.ok(typeof target === "string" || (typeof target === "object" && target !== null && !Array.isArray(target)));
        if (typeof target === "object") {
          for (const key of Object.keys(target!)) assert.ok(knownKeys.has(key), `accepted the unknown key ${key}`);
        }
        assert.match(url.protocol, /^wss?:$/);
      }),
      { numRuns: 2_000 },
    );
  });

  test("any value as each part: accepted only as documented, or a TypeError / RangeError", () => {
    const parts = fc.record(
      {
        method: fc.oneof(fc.anything(), fc.constantFrom("GET", "get", "POST")),
        host: fc.oneof(fc.anything(), fc.domain(), fc.ipV4(), fc.ipV6(), fc.string()),
        port: fc.oneof(fc.anything(), fc.integer({ min: -1, max: 70_000 })),
        path: fc.oneof(fc.anything(), fc.webPath(), fc.string()),
        url: fc.oneof(fc.anything(), fc.webUrl()),
        headers: fc.anything(),
        protocols: fc.anything(),
        signal: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(parts, (target) => {
        let url: URL;
        try {
          url = resolve(target);
        } catch (error) {
          assert.ok(threw(error), String(error));
          return;
        }
        const { host, port, path, method } = target;
        if (host !== undefined) {
          assert.equal(typeof host, "string");
          const bracketed = /^[0-9a-f:.]+$/i.test(host as string) && (host as string).includes(":") ? `[${host as string}]` : (host as string);
          assert.equal(url.hostname, new URL(`ws://${bracketed}/`).hostname, `host ${JSON.stringify(host)}`);
        }
        if (port !== undefined) {
          assert.ok(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535, `port ${String(port)}`);
        }
        if (path !== undefined) assert.equal(typeof path, "string");
        if (method !== undefined) assert.equal(String(method).toUpperCase(), "GET");
        assert.equal(url.hash, "");
      }),
      { numRuns: 1_500 },
    );
  });

  test("a host string and a port: accepted ones connect to exactly that host and port", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.domain(), fc.ipV4(), fc.ipV6(), fc.constantFrom("a:1", "[::1]:2", "x@y", "1.2.3")), fc.integer({ min: 1, max: 65_535 }), (host, port) => {
        let url: URL;
        try {
          url = resolve({ url: "ws://origin.example:1234/base", host, port, path: "/p" });
        } catch (error) {
          assert.ok(error instanceof TypeError, String(error));
          assert.ok(error.message.startsWith("host must be"), error.message);
          return;
        }
        assert.notEqual(url.hostname, "origin.example", `host ${JSON.stringify(host)} was ignored`);
        assert.equal(url.port, port === 80 ? "" : String(port));
        assert.equal(url.pathname, "/p");
        assert.equal(url.username + url.password, "");
      }),
      { numRuns: 3_000 },
    );
  });
});
