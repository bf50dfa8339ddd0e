// Failures to connect, over real sockets on 127.0.0.1 (ports picked by the system), as CIO reports
// them: ConnectError / TlsError with Node's code as `systemCode`, the original as `cause`, and a
// message that says what to do.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { HttpClient, CIO, WebSockets, ConnectError, TlsError, type CioEngineConfig } from "../../../src/index.js";
import { serve } from "../../../src/server/index.js";
import { failure, assertWrapped } from "../helpers/connect-failures.js";
import { startRawServer } from "../../helpers/raw-server.js";
import { startConnectProxy } from "../helpers/connect-proxy.js";
import { TEST_CERT, TEST_KEY } from "../../server/fixtures/tls.js";

const T = { timeout: 15_000 };

function newClient(engine: (cio: CioEngineConfig) => void = () => {}): HttpClient<CioEngineConfig> {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets);
    config.engine((cio) => {
      cio.proxy = null; // whatever the environment says
      engine(cio);
    });
  });
}

/**
 * What Node 20 fails a TLS handshake with when the server answers in plain HTTP: EPROTO ("write EPROTO
 * ...wrong version number") since the upgrade request waits to be written; ERR_SSL_WRONG_VERSION_NUMBER
 * when nothing was being written.
 */
const PLAIN_TEXT_CODE = /^(EPROTO|ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG|ERR_SSL_HTTP_REQUEST)$/;

/** A port on 127.0.0.1 that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function listen<S extends Server | TlsServer>(server: S): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A TLS server with the self-signed test certificate that accepts and drops connections. */
async function startTlsServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: TEST_KEY, cert: TEST_CERT }, (socket) => socket.destroy());
  server.on("connection", (socket: Socket) => (sockets.add(socket), socket.on("close", () => sockets.delete(socket))));
  server.on("tlsClientError", () => {});
  const port = await listen(server);
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("CIO: failures to connect are ConnectError / TlsError", () => {
  test("nothing listening: ConnectError ECONNREFUSED naming host:port, not the URL's credentials", T, async () => {
    const port = await closedPort();
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, `ws://user:secret@127.0.0.1:${port}/path?token=abc`), ConnectError, "ECONNREFUSED");
      assert.ok(!(error instanceof TlsError));
      assert.equal(
        error.message,
        `Could not connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED): nothing listens there; is the server running, and are the host and port right?`,
      );
      assert.doesNotMatch(error.message, /secret|token/);
    } finally {
      client.close();
    }
  });

  test("a host name that does not resolve (.invalid): ConnectError ENOTFOUND", T, async () => {
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, "ws://kite-ws-test.invalid:8080/"), ConnectError, "ENOTFOUND");
      assert.equal(error.message, "Could not connect to kite-ws-test.invalid:8080: the host name kite-ws-test.invalid did not resolve (ENOTFOUND): check its spelling, or this machine's DNS");
    } finally {
      client.close();
    }
  });

  test("a connection reset during the handshake: ConnectError ECONNRESET", T, async () => {
    const raw = await startRawServer(async (conn) => {
      await conn.request;
      conn.socket.resetAndDestroy();
    });
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, raw.url), ConnectError, "ECONNRESET");
      assert.match(error.message, new RegExp(`^Could not connect to 127\\.0\\.0\\.1:${raw.port}: the connection was reset before the handshake completed \\(ECONNRESET\\)`));
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("a self-signed certificate: TlsError naming cio.tls.ca, NODE_EXTRA_CA_CERTS and rejectUnauthorized: false for testing", T, async () => {
    const server = await startTlsServer();
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, `wss://127.0.0.1:${server.port}/`), TlsError, "DEPTH_ZERO_SELF_SIGNED_CERT");
      assert.match(error.message, new RegExp(`^Could not connect to 127\\.0\\.0\\.1:${server.port}: its TLS certificate is not trusted \\(self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT\\)`));
      for (const hint of ["cio.tls.ca", "cio.tls = { ca }", "NODE_EXTRA_CA_CERTS", "rejectUnauthorized: false", "for testing only"]) assert.ok(error.message.includes(hint), hint);
    } finally {
      client.close();
      await server.close();
    }
  });

  test("a certificate for another name: TlsError saying which names it is for, and cio.tls.servername", T, async () => {
    const server = await startTlsServer();
    const client = newClient((cio) => (cio.tls = { ca: TEST_CERT, servername: "other.example" }));
    try {
      const error = assertWrapped(await failure(client, `wss://127.0.0.1:${server.port}/`), TlsError, "ERR_TLS_CERT_ALTNAME_INVALID");
      assert.equal(
        error.message,
        `Could not connect to 127.0.0.1:${server.port}: its TLS certificate is for localhost, 127.0.0.1, ::1, not other.example (ERR_TLS_CERT_ALTNAME_INVALID): ` +
          "connect by a name the certificate is for, or set the name to check with cio.tls.servername",
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  test("wss: to a plain ws: server (kite-ws's own): TlsError, the server answered in plain text", T, async () => {
    const server = await serve({ host: "127.0.0.1", port: 0 }, (routes) => routes.webSocket("/echo", (session) => session.close()));
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, `wss://127.0.0.1:${server.port}/echo`), TlsError, PLAIN_TEXT_CODE);
      assert.match(
        error.message,
        new RegExp(`^Could not connect to 127\\.0\\.0\\.1:${server.port}: the server answered in plain text, not TLS \\((wrong version number, )?${error.systemCode}\\): is the URL ws: rather than wss:\\?$`),
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  test("wss: to a plain server that hangs up on the ClientHello: ConnectError ECONNRESET with a TLS hint", T, async () => {
    const raw = await startRawServer(async (conn) => {
      await conn.firstBytes;
      conn.end();
    });
    const client = newClient();
    try {
      const error = assertWrapped(await failure(client, `wss://127.0.0.1:${raw.port}/`), ConnectError, "ECONNRESET");
      assert.ok(!(error instanceof TlsError));
      assert.match(error.message, /reset before the handshake completed, during TLS \(ECONNRESET\): does the server speak TLS on that port\? A plain ws: server needs a ws: URL, not wss:/);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("through a proxy tunnel: the target's certificate and a plain target are TlsErrors; an unreachable proxy says what happened", T, async () => {
    const proxy = await startConnectProxy();
    const tlsServer = await startTlsServer();
    const plain = await serve({ host: "127.0.0.1", port: 0 }, (routes) => routes.webSocket("/echo", (session) => session.close()));
    const client = newClient((cio) => (cio.proxy = proxy.url));
    try {
      let error = assertWrapped(await failure(client, `wss://localhost:${tlsServer.port}/`), TlsError, "DEPTH_ZERO_SELF_SIGNED_CERT");
      assert.match(error.message, new RegExp(`^Could not connect to localhost:${tlsServer.port}: its TLS certificate is not trusted`));
      error = assertWrapped(await failure(client, `wss://localhost:${plain.port}/echo`), TlsError, PLAIN_TEXT_CODE);
      assert.match(error.message, /plain text, not TLS .*is the URL ws: rather than wss:\?/);
      assert.deepEqual(proxy.requests.map((r) => r.status), [200, 200], "both went through the tunnel");
    } finally {
      client.close();
      await plain.close();
      await tlsServer.close();
      await proxy.close();
    }
    const gonePort = await closedPort();
    const unreachable = newClient((cio) => (cio.proxy = `http://user:pw@127.0.0.1:${gonePort}`));
    try {
      const error = await failure(unreachable, "ws://127.0.0.1:9/");
      assert.equal(
        (error as Error).message,
        `Could not reach the proxy 127.0.0.1:${gonePort}: connection refused (ECONNREFUSED): nothing listens there; is the proxy running, and are the host and port right?`,
      );
    } finally {
      unreachable.close();
    }
  });

  test("across a redirect: the failure names the host:port redirected to", T, async () => {
    const port = await closedPort();
    const raw = await startRawServer(async (conn) => {
      await conn.request;
      conn.write(`HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:${port}/elsewhere\r\nContent-Length: 0\r\n\r\n`);
    });
    const client = newClient((cio) => (cio.followRedirects = true));
    try {
      const error = assertWrapped(await failure(client, `${raw.url}/start`), ConnectError, "ECONNREFUSED");
      assert.match(error.message, new RegExp(`^Could not connect to 127\\.0\\.0\\.1:${port}: connection refused`));
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("an aborted connect rejects with the signal's reason, before and during the TLS handshake", T, async () => {
    // A TCP server that accepts and never answers: the TLS handshake (or the upgrade) waits.
    const silent = new Set<Socket>();
    const tcp = createTcpServer((socket) => (silent.add(socket), socket.on("error", () => {})));
    const port = await listen(tcp);
    const client = newClient();
    try {
      for (const url of [`ws://127.0.0.1:${port}/`, `wss://127.0.0.1:${port}/`]) {
        const controller = new AbortController();
        const reason = new Error(`stop ${url}`);
        const opening = failure(client, { url, signal: controller.signal });
        setTimeout(() => controller.abort(reason), 50);
        assert.equal(await opening, reason, url);
      }
      const aborted = AbortSignal.abort();
      assert.equal(await failure(client, { url: `ws://127.0.0.1:${port}/`, signal: aborted }), aborted.reason, "an already aborted signal");
    } finally {
      client.close();
      for (const socket of silent) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });
});
