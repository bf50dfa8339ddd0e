// `kite listen`, compiled, on port 0 (its port is read from its own output), with `ws` clients and
// `kite connect` as its peers.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { within } from "../helpers/ws-peer.js";
import { killAll, runKiteWithFiles, spawnKite, type KiteProcess } from "./kite-process.js";

const TEST = { timeout: 60_000 };

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "kite-listen-"))));
after(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `kite listen --port 0 ...args` and resolves with it and the URL it printed. */
async function startListen(args: string[]): Promise<{ kite: KiteProcess; url: string }> {
  const kite = spawnKite(["listen", "--port", "0", ...args]);
  const stderr = await kite.waitFor("stderr", /listening on (ws:\/\/\S+)\n/);
  return { kite, url: /listening on (ws:\/\/\S+)\n/.exec(stderr)![1] };
}

/** A `ws` client that keeps what it receives. */
async function client(url: string): Promise<{ socket: WebSocket; received: string[]; closed: Promise<number> }> {
  const socket = new WebSocket(url);
  const received: string[] = [];
  socket.on("message", (data) => received.push(String(data)));
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  await within(new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject)), 5_000, "the client's open");
  return { socket, received, closed };
}

async function until(condition: () => boolean, millis = 5_000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("kite listen", () => {
  it("prints each client's messages after its id, sends each stdin line to every client, stops on SIGINT (exit 0, clients get 1001)", TEST, async () => {
    const { kite, url } = await startListen(["--path", "/chat"]);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/chat$/);
    const one = await client(url);
    await kite.waitFor("stderr", /#1 connected from 127\.0\.0\.1:\d+/);
    const two = await client(url);
    await kite.waitFor("stderr", "#2 connected");
    one.socket.send("hello from one");
    await kite.waitFor("stdout", "#1 hello from one\n");
    two.socket.send("two\nlines");
    await kite.waitFor("stdout", "#2 two\\nlines\n");
    kite.write("to everyone\n");
    await until(() => one.received.length === 1 && two.received.length === 1);
    assert.deepEqual([one.received, two.received], [["to everyone"], ["to everyone"]]);
    two.socket.close(4000, "leaving");
    await kite.waitFor("stderr", "#2 closed: 4000 leaving");
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
    assert.equal(await within(one.closed, 5_000, "client one's close"), 1001);
  });

  it("--to sends stdin's lines to one client only; a line with no client to take it is reported", TEST, async () => {
    const { kite, url } = await startListen(["--to", "2"]);
    kite.write("nobody yet\n");
    await kite.waitFor("stderr", /client #2 is not connected: not sent: "nobody yet"/);
    const one = await client(url);
    const two = await client(url);
    await kite.waitFor("stderr", "#2 connected");
    kite.write("only two\n");
    await until(() => two.received.length === 1);
    assert.deepEqual(two.received, ["only two"]);
    assert.deepEqual(one.received, []);
    kite.signal("SIGTERM");
    assert.equal(await kite.exited(), 0);
  });

  it("--json: listening, open, message and close events with client ids", TEST, async () => {
    const { kite, url } = await startListen(["--json", "--echo"]);
    const one = await client(url);
    one.socket.send(Buffer.from([1, 2, 3]));
    one.socket.send("text");
    await until(() => one.received.length === 2);
    one.socket.close(1000);
    await kite.waitFor("stdout", '"event":"close"');
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
    const events = kite.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(events[0], { event: "listening", url });
    assert.equal(events[1].event, "open");
    assert.equal(events[1].client, 1);
    assert.match(String(events[1].remote), /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(events.slice(2), [
      { event: "message", client: 1, type: "binary", data: "AQID" },
      { event: "message", client: 1, type: "text", data: "text" },
      { event: "close", client: 1, code: 1000, reason: "" },
    ]);
  });

  it("--echo: a 10 MiB random file round-trips byte for byte from kite connect -b raw", TEST, async () => {
    const { kite, url } = await startListen(["--echo", "-q"]);
    const original = randomBytes(10 * 1024 * 1024);
    writeFileSync(join(dir, "in.bin"), original);
    const { code, stderr } = await runKiteWithFiles(["-b", "raw", url], join(dir, "in.bin"), join(dir, "out.bin"));
    assert.equal(code, 0, stderr);
    const copy = readFileSync(join(dir, "out.bin"));
    const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
    assert.equal(sha256(copy), sha256(original));
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
    // The messages were shown too (in hex, one a line): listen prints what it echoes.
    assert.ok(kite.stdout.startsWith(`#1 ${original.subarray(0, 16).toString("hex")}`));
  });

  it("usage errors exit 2; a port in use exits 1 and says how to pick another", TEST, async () => {
    const bad = spawnKite(["listen", "--port", "http"]);
    assert.equal(await bad.exited(), 2);
    assert.match(bad.stderr, /--port takes a port number from 0 to 65535, got "http"/);
    const { kite, url } = await startListen([]);
    const port = new URL(url).port;
    const second = spawnKite(["listen", "--port", port]);
    assert.equal(await second.exited(), 1);
    assert.match(second.stderr, new RegExp(`port ${port} is in use: pass --port <n>, or --port 0`));
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
  });
});
