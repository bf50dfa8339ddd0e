// Failures to connect through the ws engine, over real sockets on 127.0.0.1: the same ConnectError /
// TlsError as CIO's, with hints that name ws.preconfigured.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { HttpClient, WebSockets, ConnectError, TlsError } from "../../../src/index.js";
import { WsEngine, type WsEngineConfig } from "../../../src/engine/ws/index.js";
import { serve } from "../../../src/server/index.js";
import { startWsPeer, TEST_CA } from "../../helpers/ws-peer.js";
import { failure, assertWrapped } from "../helpers/connect-failures.js";

const T = { timeout: 15_000 };

function wsClient(engine: (ws: WsEngineConfig) => void = () => {}): HttpClient<WsEngineConfig> {
  return new HttpClient(WsEngine, (config) => {
    config.engine(engine);
    config.install(WebSockets);
  });
}

describe("the ws engine: failures to connect are ConnectError / TlsError", () => {
  test("nothing listening, and a name that does not resolve", T, async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const client = wsClient();
    try {
      let error = assertWrapped(await failure(client, `ws://user:secret@127.0.0.1:${port}/`), ConnectError, "ECONNREFUSED");
      assert.equal(
        error.message,
        `Could not connect to 127.0.0.1:${port}: connection refused (ECONNREFUSED): nothing listens there; is the server running, and are the host and port right?`,
      );
      error = assertWrapped(await failure(client, "ws://kite-ws-test.invalid/"), ConnectError, "ENOTFOUND");
      assert.match(error.message, /^Could not connect to kite-ws-test\.invalid:80: the host name kite-ws-test\.invalid did not resolve \(ENOTFOUND\)/);
    } finally {
      client.close();
    }
  });

  test("an untrusted certificate and another host's: TlsError naming ws.preconfigured", T, async () => {
    const peer = await startWsPeer(undefined, { tls: true });
    const untrusting = wsClient();
    const wrongName = wsClient((ws) => (ws.preconfigured = { ca: TEST_CA, servername: "other.example" }));
    try {
      let error = assertWrapped(await failure(untrusting, `${peer.url}/`), TlsError, "DEPTH_ZERO_SELF_SIGNED_CERT");
      assert.match(error.message, /its TLS certificate is not trusted \(self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT\)/);
      for (const hint of ["ws.preconfigured.ca", "ws.preconfigured = { ca }", "NODE_EXTRA_CA_CERTS", "rejectUnauthorized: false", "for testing only"]) assert.ok(error.message.includes(hint), hint);
      error = assertWrapped(await failure(wrongName, `${peer.url}/`), TlsError, "ERR_TLS_CERT_ALTNAME_INVALID");
      assert.match(error.message, /its TLS certificate is for 127\.0\.0\.1, localhost, not other\.example .*ws\.preconfigured = \{ servername \}/);
      assert.equal(peer.connections.length, 0);
    } finally {
      untrusting.close();
      wrongName.close();
      await peer.close();
    }
  });

  test("wss: to a plain ws: server: TlsError, the server answered in plain text", T, async () => {
    const server = await serve({ host: "127.0.0.1", port: 0 }, (routes) => routes.webSocket("/echo", (session) => session.close()));
    const client = wsClient();
    try {
      const error = assertWrapped(await failure(client, `wss://127.0.0.1:${server.port}/echo`), TlsError, /^(EPROTO|ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG)$/);
      assert.match(error.message, new RegExp(`^Could not connect to 127\\.0\\.0\\.1:${server.port}: the server answered in plain text, not TLS .*is the URL ws: rather than wss:\\?$`));
    } finally {
      client.close();
      await server.close();
    }
  });
});
