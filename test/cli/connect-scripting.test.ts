// Scripting `kite connect`: -x and -w, --preamble on every connection, -1, --close-code/--close-reason.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };
after(killAll);

describe("kite connect scripting", () => {
  it("-x sends each message in order without reading stdin, -w waits for the answers, then we close with 1000", TEST, async () => {
    // The server answers late: without -w the answers would be missed.
    const peer = await startWsPeer((socket) => socket.on("message", (data) => setTimeout(() => socket.send(`re: ${String(data)}`), 200)));
    try {
      const kite = spawnKite(["-x", "one", "--execute", "two", "-w", "1s", peer.url]);
      // stdin stays open: -x must not wait for it.
      const connection = await peer.nextConnection();
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.equal(kite.stdout, "re: one\nre: two\n");
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 1000, reason: "" });
    } finally {
      await peer.close();
    }
  });

  it("--close-code and --close-reason are the Close we send at the end of input", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite(["--close-code", "4321", "--close-reason", "all done", peer.url]);
      const connection = await peer.nextConnection();
      kite.end("x\n");
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 4321, reason: "all done" });
    } finally {
      await peer.close();
    }
  });

  it("-1 closes after the first message received, and prints only it", TEST, async () => {
    const peer = await startWsPeer((socket) => {
      socket.send("first");
      socket.send("second");
    });
    try {
      // stdin stays open: the first message alone ends the run.
      const kite = spawnKite(["-1", peer.url]);
      const connection = await peer.nextConnection();
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.equal(kite.stdout, "first\n");
      assert.equal((await within(connection.closed, 5_000, "the close")).code, 1000);
    } finally {
      await peer.close();
    }
  });

  it("-1 with -x: the run waits for the answer, and ends with it", TEST, async () => {
    const peer = await startWsPeer((socket) => socket.on("message", (data) => setTimeout(() => socket.send(`token for ${String(data)}`), 300)));
    try {
      const kite = spawnKite(["-1", "-x", "alice", peer.url]);
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.equal(kite.stdout, "token for alice\n");
    } finally {
      await peer.close();
    }
  });

  it("--preamble is sent first on every connection, reconnects included, before lines queued meanwhile", TEST, async () => {
    const received: string[][] = [];
    const peer = await startWsPeer((socket) => {
      const mine: string[] = [];
      received.push(mine);
      socket.on("message", (data) => mine.push(String(data)));
    });
    try {
      const kite = spawnKite(["--reconnect", "--preamble", "AUTH token", "--preamble", "SUB feed", peer.url]);
      const first = await peer.nextConnection();
      kite.write("hello\n");
      await waitUntil(() => received[0]?.length === 3);
      first.socket.terminate();
      await kite.waitFor("stderr", "connection lost");
      kite.write("while away\n");
      await peer.nextConnection(10_000);
      await waitUntil(() => received[1]?.length === 3);
      kite.end();
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.deepEqual(received[0], ["AUTH token", "SUB feed", "hello"]);
      assert.deepEqual(received[1], ["AUTH token", "SUB feed", "while away"]);
    } finally {
      await peer.close();
    }
  });
});

/** Polls `condition` every 10 ms; fails after `millis`. */
async function waitUntil(condition: () => boolean, millis = 5_000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
