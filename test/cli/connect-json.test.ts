// `kite connect --json`: one JSON object per event, one a line (JSON Lines), as docs/cli.md documents.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startWsPeer } from "../helpers/ws-peer.js";
import { deafServer, killAll, spawnKite, unusedPort } from "./kite-process.js";

const TEST = { timeout: 20_000 };
after(killAll);

/** Every line of stdout, parsed; a line that is not one JSON object fails the test. */
function events(stdout: string): Record<string, unknown>[] {
  assert.ok(stdout.endsWith("\n"), "the last event ends its line");
  return stdout.slice(0, -1).split("\n").map((line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    assert.equal(typeof event.event, "string", line);
    return event;
  });
}

describe("kite connect --json", () => {
  it("open, messages (text as is, binary in base64), a ping from the server, our pongs with their round trip, close", TEST, async () => {
    const peer = await startWsPeer((socket) => {
      socket.send("multi\nline");
      socket.send(Buffer.from([0, 255]), { binary: true });
      socket.ping("are you there");
      socket.on("message", (data) => {
        if (String(data) === "bye") socket.close(4001, "done");
      });
    }, { handleProtocols: () => "v1" });
    try {
      const kite = spawnKite(["--json", "-s", "v1", "--ping", "100ms", peer.url]);
      // Wait for one of our pings to be answered, then ask the server to close.
      await kite.waitFor("stdout", /"event":"pong"/);
      kite.write("bye\n");
      assert.equal(await kite.exited(), 3, kite.stderr);
      const all = events(kite.stdout);
      assert.deepEqual(all[0], { event: "open", url: `${peer.url}/`, protocol: "v1" });
      assert.deepEqual(all.filter((e) => e.event === "message"), [
        { event: "message", type: "text", data: "multi\nline" },
        { event: "message", type: "binary", data: "AP8=" },
      ]);
      assert.deepEqual(all.find((e) => e.event === "ping"), { event: "ping", data: "are you there" });
      const pong = all.find((e) => e.event === "pong")!;
      assert.equal(typeof pong.rttMs, "number");
      assert.ok((pong.rttMs as number) >= 0 && (pong.rttMs as number) < 5_000);
      assert.deepEqual(all.at(-1), { event: "close", code: 4001, reason: "done", by: "server", exitCode: 3 });
    } finally {
      await peer.close();
    }
  });

  it("a connection that cannot be made is an error event with its code", TEST, async () => {
    const kite = spawnKite(["--json", `ws://127.0.0.1:${await unusedPort()}/`]);
    kite.end();
    assert.equal(await kite.exited(), 1);
    const [error, ...rest] = events(kite.stdout);
    assert.deepEqual(rest, []);
    assert.equal(error.event, "error");
    assert.equal(error.code, "ECONNREFUSED");
    assert.match(String(error.message), /ECONNREFUSED/);
  });

  it("a server that never answers our Close: an error event for the close-handshake timeout, then close (exit 4)", TEST, async () => {
    const deaf = await deafServer();
    try {
      const kite = spawnKite(["--json", "--close-timeout", "300ms", deaf.url]);
      kite.end();
      assert.equal(await kite.exited(), 4);
      const all = events(kite.stdout);
      assert.deepEqual(all.map((e) => e.event), ["open", "error", "close"]);
      assert.equal(all[1].error, "CloseTimeoutError");
      assert.deepEqual(all[2], { event: "close", code: 1006, reason: all[2].reason, by: "us", exitCode: 4 });
      assert.match(kite.stderr, /close handshake timed out after 300 ms/);
    } finally {
      await deaf.close();
    }
  });
});
