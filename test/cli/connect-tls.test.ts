// `kite connect` over TLS: -k, --ca, --cert/--key and --servername against a server with a
// self-signed certificate (test/server/fixtures/tls.ts: TEST-ONLY, its key is public) that, in the
// client-certificate tests, asks for one and refuses connections without it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketServer } from "ws";
import { TEST_CERT, TEST_KEY } from "../server/fixtures/tls.js";
import { CLIENT_CA_CERT, CLIENT_CERT, CLIENT_KEY } from "../server/fixtures/client-pki.js";
import { killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };

let dir = "";
let certFile = "";
let clientCertFile = "";
let clientKeyFile = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kite-tls-"));
  certFile = join(dir, "cert.pem");
  clientCertFile = join(dir, "client.pem");
  clientKeyFile = join(dir, "client.key");
  writeFileSync(certFile, TEST_CERT);
  writeFileSync(clientCertFile, CLIENT_CERT);
  writeFileSync(clientKeyFile, CLIENT_KEY);
});
after(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A wss echo server with the self-signed certificate. With `clientCertificates`, it asks for a client
 * certificate and refuses connections without one signed by CLIENT_CA_CERT; `subjects` gets the CN
 * of each client certificate it accepted.
 */
async function tlsEcho(clientCertificates: boolean): Promise<{ port: number; subjects: string[]; close(): Promise<void> }> {
  const server: Server = createServer({ key: TEST_KEY, cert: TEST_CERT, ...(clientCertificates ? { requestCert: true, rejectUnauthorized: true, ca: CLIENT_CA_CERT } : {}) });
  const wss = new WebSocketServer({ server });
  const subjects: string[] = [];
  wss.on("connection", (socket, request) => {
    const peer = (request.socket as import("node:tls").TLSSocket).getPeerCertificate();
    if (peer?.subject?.CN !== undefined) subjects.push(String(peer.subject.CN));
    socket.on("message", (data, binary) => socket.send(data, { binary }));
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    subjects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function roundTrip(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const kite = spawnKite(args);
  kite.end("over tls\n");
  const code = await kite.exited();
  return { code, stdout: kite.stdout, stderr: kite.stderr };
}

describe("kite connect over TLS", () => {
  it("a self-signed certificate fails (exit 1) and the error names --ca and -k", TEST, async () => {
    const server = await tlsEcho(false);
    try {
      const { code, stderr } = await roundTrip([`wss://127.0.0.1:${server.port}/`]);
      assert.equal(code, 1);
      assert.match(stderr, /cannot connect to wss:\/\/127\.0\.0\.1:\d+\/: .*self[- ]signed/i);
      assert.match(stderr, /--ca <file>/);
      assert.match(stderr, /-k to skip verification/);
    } finally {
      await server.close();
    }
  });

  it("-k connects without verifying, with one warning on stderr", TEST, async () => {
    const server = await tlsEcho(false);
    try {
      const { code, stdout, stderr } = await roundTrip(["-k", `wss://127.0.0.1:${server.port}/`]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, "over tls\n");
      assert.equal(stderr.match(/warning/g)?.length, 1, stderr);
      assert.match(stderr, /-k: the server's certificate is not verified/);
    } finally {
      await server.close();
    }
  });

  it("--ca trusts the server's certificate (no warning); --servername names the host to check", TEST, async () => {
    const server = await tlsEcho(false);
    try {
      const trusted = await roundTrip(["--ca", certFile, `wss://127.0.0.1:${server.port}/`]);
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(trusted.stdout, "over tls\n");
      assert.doesNotMatch(trusted.stderr, /warning/);
      const named = await roundTrip(["--ca", certFile, "--servername", "localhost", `wss://127.0.0.1:${server.port}/`]);
      assert.equal(named.code, 0, named.stderr);
      const wrong = await roundTrip(["--ca", certFile, "--servername", "elsewhere.example", `wss://127.0.0.1:${server.port}/`]);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /--servername <name>/);
    } finally {
      await server.close();
    }
  });

  it("a server that verifies client certificates: refused without --cert (the error names --cert/--key), accepted with it", TEST, async () => {
    const server = await tlsEcho(true);
    try {
      const without = await roundTrip(["--ca", certFile, `wss://127.0.0.1:${server.port}/`]);
      assert.notEqual(without.code, 0);
      assert.match(without.stderr, /--cert <file> --key <file>/);
      assert.deepEqual(server.subjects, []);
      const withCert = await roundTrip(["--ca", certFile, "--cert", clientCertFile, "--key", clientKeyFile, `wss://127.0.0.1:${server.port}/`]);
      assert.equal(withCert.code, 0, withCert.stderr);
      assert.equal(withCert.stdout, "over tls\n");
      assert.deepEqual(server.subjects, ["kite test client"]);
    } finally {
      await server.close();
    }
  });
});
