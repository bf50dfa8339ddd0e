// `kite connect --reconnect`, compiled, driven through pipes against `ws` servers that drop
// connections, restart on the same port, or are not there at all.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startWsPeer, echo, within } from "../helpers/ws-peer.js";
import { killAll, spawnKite, unusedPort } from "./kite-process.js";

const TEST = { timeout: 30_000 };

after(killAll);

describe("kite connect --reconnect", () => {
  it("reconnects after the connection is lost, says so on stderr, and keeps sending and printing", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["connect", "--reconnect", `${peer.url}/echo`]);
      const first = await peer.nextConnection();
      await kite.waitFor("stderr", /connected to ws:\/\/127\.0\.0\.1:\d+\/echo/);
      kite.write("one\n");
      await kite.waitFor("stdout", "one\n");
      first.socket.terminate(); // no close handshake: 1006
      await kite.waitFor("stderr", /connection lost: 1006 .*\(ConnectionClosedError\)/);
      // It had been up less than minUptime (5 s), so this counts as attempt 2 of a streak.
      await kite.waitFor("stderr", /reconnecting in (\d+ ms|\d+\.\d+s) \(attempt 2\)/);
      await kite.waitFor("stderr", /reconnected to ws:\/\/127\.0\.0\.1:\d+\/echo \(attempt 2\)/);
      const second = await peer.nextConnection();
      assert.equal(second.request.url, "/echo");
      kite.write("two\n");
      await kite.waitFor("stdout", "two\n");
      kite.end();
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "one\ntwo\n");
      assert.deepEqual(await within(second.closed, 5_000, "the close"), { code: 1000, reason: "" });
    } finally {
      await peer.close();
    }
  });

  it("survives a server restart on the same port; lines typed while it is down are sent after", TEST, async () => {
    let peer = await startWsPeer();
    const port = peer.port;
    try {
      const kite = spawnKite(["connect", "--reconnect", peer.url]);
      await kite.waitFor("stderr", "connected");
      await peer.close();
      await kite.waitFor("stderr", /reconnecting in .*ECONNREFUSED/, 10_000);
      kite.write("while down\n");
      peer = await startWsPeer(echo, { port });
      await kite.waitFor("stderr", "reconnected", 10_000);
      await kite.waitFor("stdout", "while down\n", 5_000);
      kite.end();
      assert.equal(await kite.exited(), 0);
    } finally {
      await peer.close();
    }
  });

  it("--max-attempts: gives up, and exits 1 when it never connected", TEST, async () => {
    const port = await unusedPort();
    const kite = spawnKite(["connect", "--reconnect", "--max-attempts", "2", `ws://127.0.0.1:${port}/`]);
    assert.equal(await kite.exited(), 1);
    assert.match(kite.stderr, /reconnecting in .* \(attempt 2\): .*ECONNREFUSED/);
    assert.match(kite.stderr, /kite: cannot connect to ws:\/\/127\.0\.0\.1:\d+\/: gave up after 2 attempts: .*ECONNREFUSED/);
    assert.equal(kite.stderr.match(/reconnecting in/g)?.length, 1);
  });

  it("a refused handshake (403) is not retried: exit 1 with the status", TEST, async () => {
    const server = createServer();
    server.on("upgrade", (_request, socket) => socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\ngo away"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const kite = spawnKite(["connect", "--reconnect", `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`]);
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, /403/);
      assert.doesNotMatch(kite.stderr, /reconnecting/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("a server that closes with 1000 ends the run normally (no reconnect, exit 0)", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["connect", "--reconnect", peer.url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", "connected");
      connection.socket.close(1000, "done");
      assert.equal(await kite.exited(), 0);
      assert.match(kite.stderr, /closed: 1000 done/);
      assert.doesNotMatch(kite.stderr, /reconnect/);
    } finally {
      await peer.close();
    }
  });

  it("Ctrl-C while waiting to reconnect stops at once (exit 0)", TEST, async () => {
    const port = await unusedPort();
    const kite = spawnKite(["connect", "--reconnect", `ws://127.0.0.1:${port}/`]);
    await kite.waitFor("stderr", "reconnecting in");
    kite.signal("SIGINT");
    assert.equal(await kite.exited(3_000), 0);
  });

  it("-q keeps the reconnect lines quiet", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["connect", "-q", "--reconnect", peer.url]);
      const first = await peer.nextConnection();
      first.socket.terminate();
      await peer.nextConnection(10_000);
      kite.write("hi\n");
      await kite.waitFor("stdout", "hi\n");
      kite.end();
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stderr, "");
    } finally {
      await peer.close();
    }
  });

  it("usage: --max-attempts needs --reconnect and a whole number; --help tells of both", TEST, async () => {
    const alone = spawnKite(["connect", "--max-attempts", "3", "ws://127.0.0.1:1/"]);
    assert.equal(await alone.exited(), 2);
    assert.match(alone.stderr, /--max-attempts goes with --reconnect/);
    const zero = spawnKite(["connect", "--reconnect", "--max-attempts", "0", "ws://127.0.0.1:1/"]);
    assert.equal(await zero.exited(), 2);
    assert.match(zero.stderr, /--max-attempts takes a whole number from 1 up/);
    const help = spawnKite(["connect", "--help"]);
    assert.equal(await help.exited(), 0);
    assert.match(help.stdout, /--reconnect/);
    assert.match(help.stdout, /--max-attempts <n>/);
  });
});
