import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets, Frame, TlsError, type CioTlsConfig } from "../../../src/index.js";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { WebSocketServer } from "ws";
import { startWsPeer, TEST_CA, type WsPeer } from "../../helpers/ws-peer.js";
import { TEST_CERT, TEST_KEY } from "../../server/fixtures/tls.js";
import { CLIENT_CA_CERT, CLIENT_CERT, CLIENT_KEY } from "../../server/fixtures/client-pki.js";

const T = { timeout: 10_000 };

function newClient(tls: CioTlsConfig): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets);
    config.engine((cio) => (cio.tls = tls));
  });
}

async function echoOver(peer: WsPeer, client: HttpClient): Promise<string> {
  return client.webSocket(`${peer.url}/tls`, async (session) => {
    await session.send("secret");
    return ((await session.incoming.receive()) as Frame.Text).readText();
  });
}

describe("CIO over TLS", () => {
  test("the server certificate is verified by default: a self-signed one is refused", T, async () => {
    const peer = await startWsPeer(undefined, { tls: true });
    const client = newClient({});
    try {
      await assert.rejects(echoOver(peer, client), (error: unknown) => {
        assert.ok(error instanceof TlsError, String(error));
        assert.match(String(error.systemCode), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
        return true;
      });
      assert.equal(peer.connections.length, 0);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("trusting the certificate through tls.ca, or turning verification off, connects", T, async () => {
    const peer = await startWsPeer(undefined, { tls: true });
    const trusting = newClient({ ca: TEST_CA });
    const careless = newClient({ rejectUnauthorized: false });
    try {
      assert.equal(await echoOver(peer, trusting), "secret");
      assert.equal(await echoOver(peer, careless), "secret");
    } finally {
      trusting.close();
      careless.close();
      await peer.close();
    }
  });

  test("the name is checked: servername localhost matches, another name is refused", T, async () => {
    const peer = await startWsPeer(undefined, { tls: true });
    const right = newClient({ ca: TEST_CA, servername: "localhost" });
    const wrong = newClient({ ca: TEST_CA, servername: "not-this-host.example" });
    try {
      assert.equal(await echoOver(peer, right), "secret");
      await assert.rejects(echoOver(peer, wrong), (error: unknown) => {
        assert.ok(error instanceof TlsError, String(error));
        assert.match(`${error.systemCode} ${error.message}`, /ALTNAME|not in the cert|does not match/i);
        return true;
      });
    } finally {
      right.close();
      wrong.close();
      await peer.close();
    }
  });

  test("client certificates (mutual TLS): a server that requires one refuses us without cert/key, accepts us with them", T, async () => {
    const server = createServer({ key: TEST_KEY, cert: TEST_CERT, requestCert: true, rejectUnauthorized: true, ca: CLIENT_CA_CERT });
    const wss = new WebSocketServer({ server });
    const subjects: string[] = [];
    wss.on("connection", (socket, request) => {
      subjects.push(String((request.socket as TLSSocket).getPeerCertificate().subject?.CN));
      socket.on("message", (data) => socket.send(data, { binary: false }));
    });
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}/mtls`;
    const without = newClient({ ca: TEST_CERT, servername: "localhost" });
    const withCert = newClient({ ca: TEST_CERT, servername: "localhost", cert: CLIENT_CERT, key: new TextEncoder().encode(CLIENT_KEY) });
    try {
      await assert.rejects(
        without.webSocket(url, async () => {}),
        (error: unknown) => error instanceof Error && /certificate|handshake|socket|ECONNRESET|closed/i.test(`${(error as TlsError).systemCode ?? ""} ${error.message}`),
      );
      const echoed = await withCert.webSocket(url, async (session) => {
        await session.send("mine");
        return ((await session.incoming.receive()) as Frame.Text).readText();
      });
      assert.equal(echoed, "mine");
      assert.deepEqual(subjects, ["kite test client"]);
    } finally {
      without.close();
      withCert.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test("cert and key are checked: PEM only, and together", () => {
    assert.throws(() => newClient({ cert: CLIENT_CERT } as CioTlsConfig), /cio.tls.cert and cio.tls.key go together/);
    assert.throws(() => newClient({ cert: 42, key: CLIENT_KEY } as unknown as CioTlsConfig), /cio.tls.cert must be PEM text.*42/);
    assert.throws(() => newClient({ cert: CLIENT_CERT, key: CLIENT_KEY, passphrase: 1 } as unknown as CioTlsConfig), /cio.tls.passphrase/);
    assert.throws(() => newClient({ pfx: "x" } as unknown as CioTlsConfig), /CIO takes PEM: cert and key/);
  });
});
