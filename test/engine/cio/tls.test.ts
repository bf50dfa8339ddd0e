import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets, Frame, TlsError, type CioTlsConfig } from "../../../src/index.js";
import { startWsPeer, TEST_CA, type WsPeer } from "../../helpers/ws-peer.js";

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
});
