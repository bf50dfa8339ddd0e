// `kite connect --proxy`, `--no-proxy` and `-L`, against a small HTTP CONNECT proxy and redirecting
// servers on 127.0.0.1.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { startWsPeer } from "../helpers/ws-peer.js";
import { TEST_CERT, TEST_KEY } from "../server/fixtures/tls.js";
import { killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };
after(killAll);

/**
 * An HTTP CONNECT proxy that wants `user:secret` and tunnels every CONNECT to `port` on 127.0.0.1,
 * whatever host it names (so a name that resolves nowhere still reaches the test's server).
 */
async function proxy(port: number): Promise<{ url: string; requests: { target: string; auth: string | undefined }[]; close(): Promise<void> }> {
  const requests: { target: string; auth: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer();
  server.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("error", () => {});
    const auth = request.headers["proxy-authorization"];
    requests.push({ target: request.url ?? "", auth });
    if (auth !== `Basic ${Buffer.from("user:secret").toString("base64")}`) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const upstream = connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("kite connect --proxy / --no-proxy", () => {
  it("--proxy tunnels through HTTP CONNECT with the URL's credentials; wrong ones fail with the proxy's 407", TEST, async () => {
    const peer = await startWsPeer();
    const tunnel = await proxy(peer.port);
    try {
      const withAuth = tunnel.url.replace("http://", "http://user:secret@");
      const kite = spawnKite(["--proxy", withAuth, `${peer.url}/via`]);
      kite.end("through the proxy\n");
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.equal(kite.stdout, "through the proxy\n");
      assert.equal(tunnel.requests[0].target, `127.0.0.1:${peer.port}`);
      assert.ok(!kite.stderr.includes("secret"), "the proxy's password is never printed");
      const refused = spawnKite(["--proxy", tunnel.url.replace("http://", "http://user:wrong@"), peer.url]);
      refused.end();
      assert.equal(await refused.exited(), 1);
      assert.match(refused.stderr, /407/);
      assert.ok(!refused.stderr.includes("wrong"), "the proxy's password is never printed");
    } finally {
      await tunnel.close();
      await peer.close();
    }
  });

  it("HTTP_PROXY is used by default; --no-proxy ignores it", TEST, async () => {
    const peer = await startWsPeer();
    const tunnel = await proxy(peer.port);
    try {
      const env = { HTTP_PROXY: tunnel.url.replace("http://", "http://user:secret@"), http_proxy: "", NO_PROXY: "", no_proxy: "" };
      // A name that resolves nowhere: only the proxy can reach it.
      const viaEnv = spawnKite(["ws://kite-proxy-test.invalid/"], { env });
      viaEnv.end("hi\n");
      assert.equal(await viaEnv.exited(), 0, viaEnv.stderr);
      assert.equal(viaEnv.stdout, "hi\n");
      assert.deepEqual(tunnel.requests.map((r) => r.target), ["kite-proxy-test.invalid:80"]);
      const direct = spawnKite(["--no-proxy", "ws://kite-proxy-test.invalid/"], { env });
      direct.end();
      assert.equal(await direct.exited(), 1);
      assert.match(direct.stderr, /ENOTFOUND|EAI_AGAIN/);
      assert.equal(tunnel.requests.length, 1, "--no-proxy went through the proxy");
    } finally {
      await tunnel.close();
      await peer.close();
    }
  });
});

describe("kite connect -L", () => {
  it("without -L a redirect fails and names -L; with -L it is followed", TEST, async () => {
    const peer = await startWsPeer();
    const redirecting = createServer((_, response) => response.end());
    redirecting.on("upgrade", (_request, socket: Socket) => {
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${peer.url}/moved\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    const url = `ws://127.0.0.1:${(redirecting.address() as AddressInfo).port}/old`;
    try {
      const refused = spawnKite([url]);
      refused.end();
      assert.equal(await refused.exited(), 1);
      assert.match(refused.stderr, /302/);
      assert.match(refused.stderr, /pass -L to follow it/);
      const followed = spawnKite(["-L", url]);
      followed.end("moved\n");
      assert.equal(await followed.exited(), 0, followed.stderr);
      assert.equal(followed.stdout, "moved\n");
      assert.equal((await peer.nextConnection()).request.url, "/moved");
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await peer.close();
    }
  });

  it("-L never follows a redirect from wss: to ws:", TEST, async () => {
    const peer = await startWsPeer();
    const redirecting = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (_, response) => response.end());
    redirecting.on("upgrade", (_request, socket: Socket) => {
      socket.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: ${peer.url}/plain\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const kite = spawnKite(["-L", "-k", `wss://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`]);
      kite.end();
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, /from wss: to ws: is refused/);
      assert.equal(peer.connections.length, 0);
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
      await peer.close();
    }
  });
});
