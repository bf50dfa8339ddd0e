import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { HttpClient, CIO, WebSockets, Frame, WebSocketHandshakeError, type CioEngineConfig } from "../../../src/index.js";
import { webSocketRoutes, type WebSocketRoutes } from "../../../src/server/index.js";
import { TEST_CERT, TEST_KEY } from "../../server/fixtures/tls.js";

const T = { timeout: 15_000 };

/**
 * A server whose upgrade requests to `/redirect?status=302&to=<location>` are answered with that
 * redirect, `/loop` redirects to itself, and whose `/echo` is a WebSocket echo route. It records every upgrade request it saw.
 */
interface RedirectServer {
  readonly origin: string;
  readonly port: number;
  readonly seen: { path: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

async function startRedirectServer(tls = false): Promise<RedirectServer> {
  const seen: RedirectServer["seen"] = [];
  const routes: WebSocketRoutes = webSocketRoutes((r) =>
    r.webSocket("/echo", async (session) => {
      for await (const frame of session.incoming) await session.send(frame);
    }),
  );
  const server: Server = tls ? createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }) : createHttpServer();
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://x");
    seen.push({ path: url.pathname + url.search, headers: request.headers });
    if (url.pathname === "/loop") {
      socket.end("HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    if (url.pathname === "/redirect") {
      const status = Number(url.searchParams.get("status") ?? 302);
      const location = url.searchParams.get("to");
      socket.end(`HTTP/1.1 ${status} Redirect\r\n${location === null ? "" : `Location: ${location}\r\n`}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    routes.handleUpgrade(request, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${tls ? "wss" : "ws"}://127.0.0.1:${port}`,
    port,
    seen,
    close: async () => {
      await routes.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function client(followRedirects: boolean | number, tls = false): HttpClient<CioEngineConfig> {
  return new HttpClient(CIO, (config) => {
    config.engine((cio) => {
      cio.followRedirects = followRedirects;
      if (tls) cio.tls = { ca: TEST_CERT };
    });
    config.install(WebSockets);
  });
}

function redirectPath(status: number, to: string): string {
  return `/redirect?status=${status}&to=${encodeURIComponent(to)}`;
}

async function echo(c: HttpClient<CioEngineConfig>, target: string | { url: string; headers?: Record<string, string> }): Promise<string> {
  return c.webSocket(target, async (session) => {
    await session.send("followed");
    return ((await session.incoming.receive()) as Frame.Text).readText();
  });
}

describe("CIO and redirects of the upgrade request", () => {
  let a: RedirectServer;
  let b: RedirectServer;
  let secure: RedirectServer;
  before(async () => {
    a = await startRedirectServer();
    b = await startRedirectServer();
    secure = await startRedirectServer(true);
  });
  after(async () => {
    await a.close();
    await b.close();
    await secure.close();
  });

  test("by default a 3xx answer is a WebSocketHandshakeError with its status and Location", T, async () => {
    const c = client(false);
    try {
      const seenBefore = a.seen.length;
      await assert.rejects(echo(c, a.origin + redirectPath(302, "/echo")), (error: unknown) => {
        assert.ok(error instanceof WebSocketHandshakeError);
        assert.equal(error.status, 302);
        assert.equal(error.headers.get("location"), "/echo");
        assert.match(error.message, /redirecting to \/echo: set cio.followRedirects/);
        return true;
      });
      assert.equal(a.seen.length, seenBefore + 1, "the redirect was not followed");
    } finally {
      c.close();
    }
  });

  for (const status of [301, 302, 303, 307, 308]) {
    test(`followRedirects follows ${status}`, T, async () => {
      const c = client(true);
      try {
        assert.equal(await echo(c, a.origin + redirectPath(status, `${b.origin}/echo`)), "followed");
        assert.equal(b.seen.at(-1)!.path, "/echo");
      } finally {
        c.close();
      }
    });
  }

  test("a relative Location resolves against the current URL; http: and https: become ws: and wss:", T, async () => {
    const c = client(true);
    try {
      assert.equal(await echo(c, a.origin + redirectPath(307, "/echo")), "followed");
      assert.equal(a.seen.at(-1)!.path, "/echo");
      assert.equal(await echo(c, a.origin + redirectPath(302, `http://127.0.0.1:${b.port}/echo`)), "followed");
      assert.equal(b.seen.at(-1)!.path, "/echo");
    } finally {
      c.close();
    }
  });

  test("a number of hops is a limit; a loop ends with a clear error", T, async () => {
    const twoHops = a.origin + redirectPath(302, redirectPath(302, "/echo"));
    const one = client(1);
    const two = client(2);
    try {
      await assert.rejects(echo(one, twoHops), (error: unknown) => {
        assert.ok(error instanceof WebSocketHandshakeError);
        assert.equal(error.status, 302);
        assert.match(error.message, /more than 1 redirects/);
        return true;
      });
      assert.equal(await echo(two, twoHops), "followed");
      const loop = client(true);
      const before = a.seen.length;
      await assert.rejects(echo(loop, `${a.origin}/loop`), /more than 5 redirects/);
      assert.equal(a.seen.length - before, 6, "the first request and 5 redirects");
      loop.close();
    } finally {
      one.close();
      two.close();
    }
  });

  test("never from wss: to ws:", T, async () => {
    const c = client(true, true);
    try {
      const before = a.seen.length;
      await assert.rejects(echo(c, secure.origin + redirectPath(302, `${a.origin}/echo`)), (error: unknown) => {
        assert.ok(error instanceof WebSocketHandshakeError);
        assert.match(error.message, /from wss: to ws: is refused/);
        return true;
      });
      await assert.rejects(echo(c, secure.origin + redirectPath(301, `http://127.0.0.1:${a.port}/echo`)), /from wss: to ws:/);
      assert.equal(a.seen.length, before, "the insecure target was never contacted");
      // wss: to wss: is fine.
      assert.equal(await echo(c, secure.origin + redirectPath(302, "/echo")), "followed");
    } finally {
      c.close();
    }
  });

  test("Authorization, Cookie and URL credentials go along within an origin and are dropped when it changes", T, async () => {
    const c = client(true);
    try {
      const headers = { authorization: "Bearer secret-token", cookie: "session=1", "x-other": "kept" };
      await echo(c, { url: a.origin + redirectPath(302, "/echo"), headers });
      const same = a.seen.at(-1)!;
      assert.equal(same.path, "/echo");
      assert.equal(same.headers.authorization, "Bearer secret-token");
      assert.equal(same.headers.cookie, "session=1");

      await echo(c, { url: a.origin + redirectPath(302, `${b.origin}/echo`), headers });
      const other = b.seen.at(-1)!;
      assert.equal(other.headers.authorization, undefined);
      assert.equal(other.headers.cookie, undefined);
      assert.equal(other.headers["x-other"], "kept");

      const withCredentials = `ws://user:pw@127.0.0.1:${a.port}`;
      await echo(c, withCredentials + redirectPath(302, "/echo"));
      assert.equal(a.seen.at(-1)!.headers.authorization, `Basic ${Buffer.from("user:pw").toString("base64")}`, "same origin: kept");
      await echo(c, withCredentials + redirectPath(302, `${b.origin}/echo`));
      assert.equal(b.seen.at(-1)!.headers.authorization, undefined, "another origin: dropped");
    } finally {
      c.close();
    }
  });

  test("redirects that cannot be followed say why", T, async () => {
    const c = client(true);
    try {
      await assert.rejects(echo(c, `${a.origin}/redirect?status=302`), /without a Location header/);
      await assert.rejects(echo(c, a.origin + redirectPath(302, "ftp://127.0.0.1/echo")), /cannot follow a redirect to ftp:/);
      await assert.rejects(echo(c, a.origin + redirectPath(302, `ws://evil:pw@127.0.0.1:${b.port}/echo`)), /another origin with credentials/);
      // Other statuses are not redirects.
      await assert.rejects(echo(c, a.origin + redirectPath(300, "/echo")), (error: unknown) => error instanceof WebSocketHandshakeError && error.status === 300);
    } finally {
      c.close();
    }
  });
});
