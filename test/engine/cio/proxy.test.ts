import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets, Frame, ProxyConnectError, WebSocketHandshakeError, type CioEngineConfig } from "../../../src/index.js";
import { matchesNoProxy, parseProxyUrl, resolveProxy } from "../../../src/engine/cio/proxy-selection.js";
import { startConnectProxy } from "../helpers/connect-proxy.js";
import { startEngineTestServer, type EngineTestServer } from "../helpers/servers.js";
import { TEST_CERT, TEST_KEY } from "../../server/fixtures/tls.js";

const T = { timeout: 15_000 };

function cioClient(engine: (cio: CioEngineConfig) => void): HttpClient<CioEngineConfig> {
  return new HttpClient(CIO, (config) => {
    config.engine(engine);
    config.install(WebSockets);
  });
}

async function echoOnce(client: HttpClient<CioEngineConfig>, url: string, text = "through the proxy"): Promise<string> {
  return client.webSocket(url, async (session) => {
    await session.send(text);
    return ((await session.incoming.receive()) as Frame.Text).readText();
  });
}

/** Runs `block` with process.env changed as given (undefined deletes), then restores it. */
async function withEnv<R>(changes: Record<string, string | undefined>, block: () => Promise<R>): Promise<R> {
  const saved: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(changes)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await block();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY"];
const noProxyEnv = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, undefined]));

describe("which proxy a CIO connection uses", () => {
  const ws = new URL("ws://example.com/chat");
  const wss = new URL("wss://example.com/chat");

  test("an explicit proxy is used for every target; null means none", T, () => {
    assert.equal(resolveProxy("http://user:pw@10.1.2.3:3128", wss, {})?.href, "http://user:pw@10.1.2.3:3128/");
    assert.equal(resolveProxy(new URL("http://p:8080"), new URL("ws://127.0.0.1:1/"), {})?.host, "p:8080");
    assert.equal(resolveProxy(null, ws, { HTTP_PROXY: "http://p:1" }), null);
    assert.throws(() => resolveProxy("socks5://p:1080", ws, {}), /http: or https: proxy URL/);
    assert.throws(() => resolveProxy("http://[bad", ws, {}), /cio.proxy is not a valid proxy URL/);
    assert.equal(parseProxyUrl("proxy.local:3128", "x").href, "http://proxy.local:3128/", "no scheme means http:");
  });

  test("HTTPS_PROXY for wss:, HTTP_PROXY for ws:, lowercase names first, empty values ignored", T, () => {
    const env = { HTTP_PROXY: "http://plain:1", HTTPS_PROXY: "http://secure:2" };
    assert.equal(resolveProxy("env", ws, env)?.host, "plain:1");
    assert.equal(resolveProxy("env", wss, env)?.host, "secure:2");
    assert.equal(resolveProxy("env", ws, { ...env, http_proxy: "http://lower:3" })?.host, "lower:3");
    assert.equal(resolveProxy("env", wss, { ...env, https_proxy: "http://lower:4" })?.host, "lower:4");
    assert.equal(resolveProxy("env", wss, { HTTP_PROXY: "http://plain:1" }), null, "HTTP_PROXY is not used for wss:");
    assert.equal(resolveProxy("env", ws, { http_proxy: "", HTTP_PROXY: "http://upper:5" })?.host, "upper:5");
    assert.equal(resolveProxy("env", ws, {}), null);
    assert.throws(() => resolveProxy("env", ws, { HTTP_PROXY: "ftp://x" }), /HTTP_PROXY must be an http: or https: proxy URL/);
  });

  test("a variable the runtime forbids reading (Deno without --allow-env) counts as unset", T, () => {
    const read: string[] = [];
    // Deno's process.env throws NotCapable on each read it was not allowed.
    const forbidding = new Proxy({} as Record<string, string | undefined>, {
      get(_target, name) {
        read.push(String(name));
        if (name === "HTTPS_PROXY") return "http://allowed:1";
        throw Object.assign(new Error(`Requires env access to "${String(name)}"`), { name: "NotCapable" });
      },
    });
    assert.equal(resolveProxy("env", ws, forbidding), null);
    assert.equal(resolveProxy("env", wss, forbidding)?.host, "allowed:1", "a readable variable still counts");
    assert.deepEqual(read.slice(0, 2), ["http_proxy", "HTTP_PROXY"]);
  });

  test("loopback targets never go through an environment proxy", T, () => {
    const env = { HTTP_PROXY: "http://p:1" };
    for (const host of ["127.0.0.1", "127.8.9.10", "localhost", "app.localhost", "[::1]"]) {
      assert.equal(resolveProxy("env", new URL(`ws://${host}:8080/`), env), null, host);
    }
    assert.equal(resolveProxy("http://p:1", new URL("ws://127.0.0.1:8080/"), env)?.host, "p:1", "an explicit proxy is used even so");
  });

  test("NO_PROXY: hosts, domains, leading dots, ports, * and CIDR ranges", T, () => {
    const cases: [string, number, string, boolean][] = [
      ["example.com", 80, "example.com", true],
      ["api.example.com", 80, "example.com", true],
      ["notexample.com", 80, "example.com", false],
      ["example.com", 80, ".example.com", false],
      ["api.example.com", 80, ".example.com", true],
      ["a.b.example.com", 443, "*.example.com", true],
      ["EXAMPLE.com", 80, "Example.COM", true],
      ["example.com", 8080, "example.com:8080", true],
      ["example.com", 80, "example.com:8080", false],
      ["other.org", 80, "*", true],
      ["other.org", 80, "example.com, other.org", true],
      ["other.org", 80, "example.com other.org", true],
      ["other.org", 80, " , ,", false],
      ["10.2.3.4", 80, "10.0.0.0/8", true],
      ["11.2.3.4", 80, "10.0.0.0/8", false],
      ["10.2.3.4", 80, "10.2.3.4", true],
      ["[2001:db8::1]", 443, "[2001:db8::1]:443", true],
      ["[2001:db8::1]", 80, "2001:db8::1", true],
      ["[2001:db8::1]", 80, "[2001:db8::1]:443", false],
    ];
    for (const [host, port, noProxy, expected] of cases) {
      assert.equal(matchesNoProxy(host, port, noProxy), expected, `${host}:${port} against ${JSON.stringify(noProxy)}`);
    }
    const env = { HTTPS_PROXY: "http://p:1", NO_PROXY: ".internal", no_proxy: "example.com" };
    assert.equal(resolveProxy("env", wss, env), null, "lowercase no_proxy first");
    assert.equal(resolveProxy("env", new URL("wss://svc.internal/"), env)?.host, "p:1");
    assert.equal(resolveProxy("env", new URL("wss://example.com:8443/"), { HTTPS_PROXY: "http://p:1", NO_PROXY: "example.com:443" })?.host, "p:1");
    assert.equal(resolveProxy("env", new URL("wss://example.com/"), { HTTPS_PROXY: "http://p:1", NO_PROXY: "example.com:443" }), null, "wss: default port 443");
  });
});

describe("CIO through an HTTP CONNECT proxy", () => {
  let server: EngineTestServer;
  let tlsServer: EngineTestServer;
  before(async () => {
    server = await startEngineTestServer();
    tlsServer = await startEngineTestServer({ tls: true });
  });
  after(async () => {
    await server.close();
    await tlsServer.close();
  });

  test("ws: through an explicit proxy: CONNECT to the target, then the upgrade inside the tunnel", T, async () => {
    const proxy = await startConnectProxy();
    const client = cioClient((cio) => (cio.proxy = proxy.url));
    try {
      assert.equal(await echoOnce(client, `${server.url}/echo`), "through the proxy");
      assert.equal(proxy.requests.length, 1);
      assert.equal(proxy.requests[0].authority, `127.0.0.1:${server.port}`);
      assert.equal(proxy.requests[0].headers.host, `127.0.0.1:${server.port}`);
      assert.equal(proxy.requests[0].headers["proxy-authorization"], undefined, "no credentials, no header");
    } finally {
      client.close();
      await proxy.close();
    }
  });

  test("credentials in the proxy URL go as Proxy-Authorization: Basic", T, async () => {
    const proxy = await startConnectProxy({ credentials: { user: "kite user", password: "p@ss:wörd" } });
    const proxyUrl = new URL(proxy.url);
    proxyUrl.username = encodeURIComponent("kite user");
    proxyUrl.password = encodeURIComponent("p@ss:wörd");
    const client = cioClient((cio) => (cio.proxy = proxyUrl.href));
    try {
      assert.equal(await echoOnce(client, `${server.url}/echo`), "through the proxy");
      assert.equal(proxy.requests[0].status, 200);
      assert.equal(proxy.requests[0].headers["proxy-authorization"], `Basic ${Buffer.from("kite user:p@ss:wörd").toString("base64")}`);
      // The target never sees the proxy's credentials.
      assert.equal(server.requests.at(-1)!.headers.get("proxy-authorization"), null);
    } finally {
      client.close();
      await proxy.close();
    }
  });

  test("a 407 answer is a clear ProxyConnectError, with and without credentials", T, async () => {
    const proxy = await startConnectProxy({ credentials: { user: "u", password: "right" } });
    try {
      for (const [url, pattern] of [
        [proxy.url, /wants authentication \(407 Proxy Authentication Required\): give credentials in the proxy URL/],
        [proxy.url.replace("http://", "http://u:wrong@"), /refused the credentials of the proxy URL/],
      ] as const) {
        const client = cioClient((cio) => (cio.proxy = url));
        await assert.rejects(echoOnce(client, `${server.url}/echo`), (error: unknown) => {
          assert.ok(error instanceof ProxyConnectError, String(error));
          assert.ok(error instanceof WebSocketHandshakeError, "a kind of handshake error");
          assert.equal(error.status, 407);
          assert.equal(error.headers.get("proxy-authenticate"), 'Basic realm="kite-test"');
          assert.equal(error.proxy, `127.0.0.1:${proxy.port}`);
          assert.match(error.message, pattern);
          assert.doesNotMatch(error.message, /wrong/, "the password is never repeated");
          return true;
        });
        client.close();
      }
    } finally {
      await proxy.close();
    }
  });

  test("a proxy that refuses the tunnel, or cannot be reached, fails with ProxyConnectError", T, async () => {
    const refusing = await startConnectProxy({ refuseWith: 502 });
    const client = cioClient((cio) => (cio.proxy = refusing.url));
    try {
      await assert.rejects(echoOnce(client, `${server.url}/echo`), (error: unknown) => {
        assert.ok(error instanceof ProxyConnectError);
        assert.equal(error.status, 502);
        assert.match(error.message, new RegExp(`refused CONNECT 127\\.0\\.0\\.1:${server.port}: 502 Bad Gateway`));
        return true;
      });
    } finally {
      client.close();
      await refusing.close();
    }
    const gone = await startConnectProxy();
    const goneUrl = gone.url;
    await gone.close();
    const unreachable = cioClient((cio) => (cio.proxy = goneUrl));
    try {
      await assert.rejects(echoOnce(unreachable, `${server.url}/echo`), (error: unknown) => {
        assert.ok(error instanceof ProxyConnectError);
        assert.match(error.message, /Could not reach the proxy/);
        return true;
      });
    } finally {
      unreachable.close();
    }
  });

  test("wss: through the proxy runs TLS to the target inside the tunnel, with the target's name", T, async () => {
    const proxy = await startConnectProxy();
    const client = cioClient((cio) => {
      cio.proxy = proxy.url;
      cio.tls = { ca: TEST_CERT };
    });
    try {
      assert.equal(await echoOnce(client, `wss://localhost:${tlsServer.port}/echo`), "through the proxy");
      assert.equal(proxy.requests[0].authority, `localhost:${tlsServer.port}`);
      assert.equal(tlsServer.servernames.at(-1), "localhost", "SNI names the target, not the proxy");
      // The certificate is checked against the target: a wrong name fails even through a good tunnel.
      const wrongName = cioClient((cio) => {
        cio.proxy = proxy.url;
        cio.tls = { ca: TEST_CERT, servername: "not-the-target.example" };
      });
      await assert.rejects(echoOnce(wrongName, `wss://localhost:${tlsServer.port}/echo`), /not-the-target|altnames|Hostname/i);
      wrongName.close();
      // And an untrusted certificate fails too.
      const untrusted = cioClient((cio) => (cio.proxy = proxy.url));
      await assert.rejects(echoOnce(untrusted, `wss://localhost:${tlsServer.port}/echo`), /self[- ]signed|certificate/i);
      untrusted.close();
    } finally {
      client.close();
      await proxy.close();
    }
  });

  test("an https: proxy: TLS to the proxy, then the tunnel (and TLS to a wss: target inside it)", T, async () => {
    const proxy = await startConnectProxy({ tls: { key: TEST_KEY, cert: TEST_CERT }, credentials: { user: "u", password: "p" } });
    const client = cioClient((cio) => {
      cio.proxy = proxy.url.replace("https://", "https://u:p@");
      cio.tls = { ca: TEST_CERT };
    });
    try {
      assert.equal(await echoOnce(client, `${server.url}/echo`), "through the proxy");
      assert.equal(await echoOnce(client, `wss://localhost:${tlsServer.port}/echo`, "TLS in TLS"), "TLS in TLS");
      assert.deepEqual(proxy.requests.map((r) => r.status), [200, 200]);
      // The proxy's certificate is checked too.
      const untrusted = cioClient((cio) => (cio.proxy = proxy.url));
      await assert.rejects(echoOnce(untrusted, `${server.url}/echo`), (error: unknown) => error instanceof ProxyConnectError && /certificate/i.test(error.message));
      untrusted.close();
    } finally {
      client.close();
      await proxy.close();
    }
  });

  test("HTTP_PROXY and HTTPS_PROXY from the environment, with NO_PROXY", T, async () => {
    const proxy = await startConnectProxy();
    try {
      // The proxy tunnels any name to 127.0.0.1, so these names need no DNS (and are not loopback).
      await withEnv({ ...noProxyEnv, HTTP_PROXY: proxy.url, NO_PROXY: "kite-target.test:1, other.test" }, async () => {
        const client = cioClient(() => {});
        try {
          assert.equal(await echoOnce(client, `ws://kite-target.test:${server.port}/echo`), "through the proxy");
          assert.equal(proxy.requests.at(-1)!.authority, `kite-target.test:${server.port}`);
          // Loopback stays direct.
          const before = proxy.connections;
          assert.equal(await echoOnce(client, `${server.url}/echo`, "direct"), "direct");
          assert.equal(proxy.connections, before);
        } finally {
          client.close();
        }
      });
      await withEnv({ ...noProxyEnv, https_proxy: proxy.url }, async () => {
        const client = cioClient((cio) => (cio.tls = { ca: TEST_CERT, servername: "localhost" }));
        try {
          assert.equal(await echoOnce(client, `wss://kite-target.test:${tlsServer.port}/echo`), "through the proxy");
          assert.equal(proxy.requests.at(-1)!.authority, `kite-target.test:${tlsServer.port}`);
        } finally {
          client.close();
        }
      });
      // proxy = null turns the environment off.
      await withEnv({ ...noProxyEnv, HTTP_PROXY: "http://127.0.0.1:1" }, async () => {
        const client = cioClient((cio) => (cio.proxy = null));
        try {
          assert.equal(await echoOnce(client, `${server.url}/echo`, "no proxy"), "no proxy");
        } finally {
          client.close();
        }
      });
    } finally {
      await proxy.close();
    }
  });

  test("the connect timeout covers the tunnel: a proxy that never answers times out", T, async () => {
    const { createServer } = await import("node:net");
    const held: import("node:net").Socket[] = [];
    const mute = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    const port = (mute.address() as { port: number }).port;
    const client = cioClient((cio) => {
      cio.proxy = `http://127.0.0.1:${port}`;
      cio.connectTimeoutMillis = 200;
    });
    try {
      const started = Date.now();
      await assert.rejects(echoOnce(client, `${server.url}/echo`), { name: "ConnectTimeoutError" });
      assert.ok(Date.now() - started < 2_000);
      const abort = new AbortController();
      const opening = client.webSocketSession({ url: `${server.url}/echo`, signal: abort.signal });
      abort.abort(new Error("not now"));
      await assert.rejects(opening, /not now/);
    } finally {
      client.close();
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => mute.close(resolve));
    }
  });
});

