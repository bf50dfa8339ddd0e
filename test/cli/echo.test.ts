// `kite echo`, compiled, with `ws` clients.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocket } from "ws";
import { within } from "../helpers/ws-peer.js";
import { killAll, spawnKite, type KiteProcess } from "./kite-process.js";

const TEST = { timeout: 20_000 };

after(killAll);

/** Starts `kite echo` with `args` and resolves with its URL once it listens. */
async function startEcho(args: readonly string[]): Promise<{ kite: KiteProcess; url: string }> {
  const kite = spawnKite(["echo", ...args]);
  const stderr = await kite.waitFor("stderr", /listening on (ws:\/\/\S+)\n/);
  return { kite, url: /listening on (ws:\/\/\S+)\n/.exec(stderr)![1] };
}

/** A `ws` client that collects what it receives. */
async function open(url: string, protocols?: string[]): Promise<{ socket: WebSocket; next(): Promise<{ data: Buffer; isBinary: boolean }> }> {
  const socket = new WebSocket(url, protocols);
  const queue: { data: Buffer; isBinary: boolean }[] = [];
  const waiting: ((message: { data: Buffer; isBinary: boolean }) => void)[] = [];
  socket.on("message", (data, isBinary) => {
    const message = { data: data as Buffer, isBinary };
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await within(new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject)), 5_000, "the connection");
  return {
    socket,
    next: () => within(queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve)), 5_000, "a message"),
  };
}

function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return within(
    new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: String(reason) }))),
    5_000,
    "the close",
  );
}

describe("kite echo", () => {
  it("--port 0 prints its address, echoes text and binary, and stops on SIGINT (exit 0)", TEST, async () => {
    const { kite, url } = await startEcho(["--port", "0"]);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
    const client = await open(url);
    client.socket.send("hello");
    assert.deepEqual(await client.next(), { data: Buffer.from("hello"), isBinary: false });
    client.socket.send(Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(await client.next(), { data: Buffer.from([0, 1, 2, 255]), isBinary: true });
    const clientClosed = closed(client.socket);
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
    // Stopping closes open sessions with 1001 (going away).
    assert.equal((await clientClosed).code, 1001);
  });

  it("--path and --greet: the greeting comes first, and other paths are refused", TEST, async () => {
    const { kite, url } = await startEcho(["--port", "0", "--path", "/ws", "--greet", "hi there"]);
    assert.match(url, /\/ws$/);
    const client = await open(url);
    assert.equal(String((await client.next()).data), "hi there");
    client.socket.send("ping?");
    assert.equal(String((await client.next()).data), "ping?");
    const clientClosed = closed(client.socket);
    client.socket.close(1000);
    assert.equal((await clientClosed).code, 1000);
    await assert.rejects(open(url.replace(/\/ws$/, "/echo")));
    kite.signal("SIGTERM");
    assert.equal(await kite.exited(), 0);
  });

  it("kite connect talks to kite echo", TEST, async () => {
    const { kite, url } = await startEcho(["--port", "0"]);
    const client = spawnKite(["connect", url]);
    await client.waitFor("stderr", "connected");
    client.write("one\n");
    await client.waitFor("stdout", "one\n");
    client.write("two\n");
    await client.waitFor("stdout", "one\ntwo\n");
    client.end();
    assert.equal(await client.exited(), 0);
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
  });

  it("a port in use: a clear message and exit 1", TEST, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const kite = spawnKite(["echo", "--port", String(port)]);
      assert.equal(await kite.exited(), 1);
      assert.equal(kite.stderr, `kite echo: port ${port} is in use: pass --port <n>, or --port 0 for any free port\n`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
