// `kite connect` against a peer that completes the upgrade and never answers our Close frame: the
// close handshake times out after --close-timeout, kite says so (not "connection lost") and exits 4.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startRawServer, type RawServer } from "../helpers/raw-server.js";
import { killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };

after(killAll);

/** A raw TCP peer on 127.0.0.1, port 0, that answers the upgrade and then ignores every frame. */
function deafPeer(): Promise<RawServer> {
  return startRawServer(async (connection) => {
    await connection.accept();
  });
}

describe("kite connect: a close handshake that times out", () => {
  for (const mode of [[], ["--reconnect"]] as const) {
    const flags = ["--close-timeout", "300ms", ...mode];
    it(`kite connect ${flags.join(" ")}: end of input, no answer to our Close: "close handshake timed out after 300 ms", exit 4`, TEST, async () => {
      const peer = await deafPeer();
      try {
        const kite = spawnKite(["connect", ...flags, `${peer.url}/`]);
        const connection = await peer.nextConnection();
        await kite.waitFor("stderr", "connected");
        const started = performance.now();
        kite.end(); // kite closes with 1000 and waits for an answer that never comes
        assert.equal((await connection.expectClose()).code, 1000);
        assert.equal(await kite.exited(5_000), 4);
        const waited = performance.now() - started;
        assert.ok(waited >= 250, `kite gave up after ${Math.round(waited)} ms, before the 300 ms close timeout`);
        assert.match(kite.stderr, /kite: close handshake timed out after 300 ms: the server did not answer our Close frame/);
        assert.doesNotMatch(kite.stderr, /connection lost/);
        assert.equal(kite.stdout, "");
        await connection.closed; // kite cut the connection
      } finally {
        await peer.close();
      }
    });
  }

  it("with --ping (whose default close deadline is twice the interval), --close-timeout still bounds the close", TEST, async () => {
    // The peer answers pings but never the Close: the close must give up after 300 ms, not 2 × 2 s.
    const peer = await startRawServer(async (connection) => {
      await connection.accept();
      for (;;) {
        const frame = await connection.readFrame(10_000).catch(() => null);
        if (frame === null) return;
        if (frame.opcode === 0x9) connection.sendFrame({ opcode: 0xa, payload: frame.payload });
      }
    });
    try {
      const kite = spawnKite(["connect", "--ping", "2s", "--close-timeout", "300ms", `${peer.url}/`]);
      await kite.waitFor("stderr", "connected");
      const started = performance.now();
      kite.end();
      assert.equal(await kite.exited(3_000), 4);
      assert.ok(performance.now() - started < 2_500, "the close waited for the ping-derived timeout");
      assert.match(kite.stderr, /close handshake timed out after 300 ms/);
    } finally {
      await peer.close();
    }
  });

  for (const [value, message] of [
    ["soon", /--close-timeout takes milliseconds or a duration/],
    ["0", /--close-timeout must be more than 0/],
    ["-5s", /--close-timeout takes milliseconds or a duration/],
  ] as const) {
    it(`usage error (exit 2): kite connect --close-timeout=${value}`, TEST, async () => {
      const kite = spawnKite(["connect", `--close-timeout=${value}`, "ws://127.0.0.1:1/"]);
      assert.equal(await kite.exited(), 2);
      assert.match(kite.stderr, message);
      assert.equal(kite.stdout, "");
    });
  }
});
