// `kite connect --verbose`, compiled, driven through pipes against an independent peer (the `ws`
// package): the Logging plugin's lines go to stderr, stdout stays the payloads alone.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };

after(killAll);

describe("kite connect --verbose", () => {
  it("logs the handshake, frames, pings and the close on stderr; stdout is unchanged", TEST, async () => {
    const peer = await startWsPeer();
    peer.server.on("headers", (headers) => headers.push("Set-Cookie: sid=cookie-s3cret"));
    try {
      const url = `ws://user:pass-s3cret@127.0.0.1:${peer.port}/echo?token=tok-s3cret`;
      const kite = spawnKite(["connect", "--verbose", "--ping", "50ms", "-H", "Authorization: Bearer auth-s3cret", url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", /connected to /);
      kite.write("hello\n");
      await kite.waitFor("stdout", "hello\n");
      await kite.waitFor("stderr", /<< PONG fin=true \d+ bytes "kite-ping \d+" rtt=\d+\.\d ms/);
      kite.end();
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "hello\n", "stdout has the payloads only");
      const err = kite.stderr;
      assert.match(err, /^ws#1 GET ws:\/\/127\.0\.0\.1:\d+\/echo\?token=\*\*\* via CIO$/m);
      assert.match(err, /^ws#1 > authorization: \*\*\*$/m);
      assert.match(err, /^ws#1 connected 101 Switching Protocols in \d+ ms$/m);
      assert.match(err, /^ws#1 < set-cookie: \*\*\*$/m);
      assert.match(err, /^ws#1 >> TEXT fin=true 5 bytes "hello"$/m);
      assert.match(err, /^ws#1 << TEXT fin=true 5 bytes "hello"$/m);
      assert.match(err, /^ws#1 >> PING fin=true \d+ bytes "kite-ping 1"$/m);
      assert.match(err, /^ws#1 >> CLOSE 1000 NORMAL$/m);
      assert.match(err, /^ws#1 << CLOSE 1000 NORMAL$/m);
      assert.match(err, /^ws#1 closed after .*: 1000 NORMAL$/m);
      assert.match(err, /closed: 1000/, "the usual status lines are still there");
      // The log lines; kite's own "connected to" line repeats the URL as it was typed.
      const logged = err.split("\n").filter((line) => line.startsWith("ws#"));
      assert.ok(logged.length > 10);
      assert.doesNotMatch(logged.join("\n"), /s3cret/);
      assert.equal(connection.request.headers.authorization, "Bearer auth-s3cret", "the secret was really sent");
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 1000, reason: "" });
    } finally {
      await peer.close();
    }
  });

  it("logs each connection of --reconnect", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["connect", "--verbose", "--reconnect", peer.url]);
      (await peer.nextConnection()).socket.terminate();
      await kite.waitFor("stderr", /^ws#1 closed after .*: 1006 CLOSED_ABNORMALLY/m);
      await kite.waitFor("stderr", /^ws#2 connected 101/m);
      kite.end();
      assert.equal(await kite.exited(), 0);
      assert.match(kite.stderr, /^ws#2 >> CLOSE 1000 NORMAL$/m);
    } finally {
      await peer.close();
    }
  });

  it("a refused handshake is logged with its status", TEST, async () => {
    const peer = await startWsPeer(undefined, { verifyClient: (_info: unknown, done: (ok: boolean, code?: number) => void) => done(false, 403) });
    try {
      const kite = spawnKite(["connect", "--verbose", peer.url]);
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, /^ws#1 handshake failed 403 Forbidden after \d+ ms: WebSocketHandshakeError: /m);
      assert.equal(kite.stdout, "");
    } finally {
      await peer.close();
    }
  });

  it("without --verbose nothing is logged", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["connect", peer.url]);
      kite.end("hi\n");
      assert.equal(await kite.exited(), 0);
      assert.doesNotMatch(kite.stderr, /ws#1/);
    } finally {
      await peer.close();
    }
  });

  it("is in the help; --verbose with --quiet is a usage error", TEST, async () => {
    const help = spawnKite(["connect", "--help"]);
    assert.equal(await help.exited(), 0);
    assert.match(help.stdout, /--verbose +Log the connection on stderr/);
    const both = spawnKite(["connect", "--verbose", "--quiet", "ws://127.0.0.1:1/"]);
    assert.equal(await both.exited(), 2);
    assert.match(both.stderr, /--verbose and --quiet cannot go together/);
  });
});
