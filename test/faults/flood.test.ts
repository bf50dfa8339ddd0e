// Floods, both directions, both sides. kite-ws runs in a child process (./flood-child.ts) so its
// resident memory is its own; this process is the peer that floods it, or the slow peer it floods.
// 1 GiB goes through each time, in 64 KiB frames whose every byte is checked. A reader that does not
// read must stop the peer through TCP (bounded memory), and get every byte in order once it reads; a
// writer facing a peer that does not read must wait in send(), its memory bounded by the outgoing
// channel and the socket's high-water mark.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork, type ChildProcess } from "node:child_process";
import { createServer, connect, type Socket, type AddressInfo } from "node:net";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createHash, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { WebSocket as WsClient, WebSocketServer } from "ws";
import { FRAME_BYTES, GIB_FRAMES, checkFloodFrame, clientFrameHeader, floodFrame, serverFrameHeader } from "./flood-pattern.js";
import type { Report } from "./flood-child.js";

const CHILD = fileURLToPath(new URL("./flood-child.js", import.meta.url));
const MiB = 1024 * 1024;
/** The bound the child's resident set stays under while its peer pushes and it does not read (or is not read). */
const RSS_LIMIT = 100 * MiB;
/**
 * The bound over the whole 1 GiB transfer, once the reader reads (or the peer reads). Nothing is
 * retained then either, but every 64 KiB frame passes through fresh buffers (a socket read, a copy
 * when a frame straddles two reads, the masked copy a client sends) and V8 frees such external
 * memory in steps of about 64 MiB: the peak is the start-up RSS (~52 MiB) plus that much garbage.
 * Anything retained per frame would pass this bound many times over (1 GiB went through).
 */
const TRANSFER_RSS_LIMIT = 160 * MiB;
const FRAMES = Number(process.env.FLOOD_FRAMES) || GIB_FRAMES;
const T = { timeout: 90_000 };

interface Child {
  readonly process: ChildProcess;
  next<M extends object>(type: string): Promise<M & { type: string }>;
  sample(): Promise<{ rss: number; maxRss: number; sent?: number }>;
}

function startChild(role: string): Child {
  const child = fork(CHILD, [role, String(FRAMES)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: { type: string }[] = [];
  const waiting: { type: string; resolve: (m: { type: string }) => void }[] = [];
  child.on("message", (message: { type: string }) => {
    const at = waiting.findIndex((w) => w.type === message.type);
    if (at >= 0) waiting.splice(at, 1)[0].resolve(message);
    else queue.push(message);
  });
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`the child exited (${code})`))));
  exited.catch(() => {});
  const next = <M extends object>(type: string): Promise<M & { type: string }> => {
    const at = queue.findIndex((m) => m.type === type);
    if (at >= 0) return Promise.resolve(queue.splice(at, 1)[0] as M & { type: string });
    return Promise.race([new Promise<M & { type: string }>((resolve) => waiting.push({ type, resolve: resolve as (m: { type: string }) => void })), exited]);
  };
  return {
    process: child,
    next,
    sample: async () => {
      child.send({ type: "sample" });
      return next<{ rss: number; maxRss: number; sent?: number }>("sample");
    },
  };
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

function report(t: { diagnostic(message: string): void }, what: string, figures: Record<string, string | number>): void {
  t.diagnostic(`${what}: ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(", ")}`);
}

/** Frame `seq` with its header in one buffer, ready to write. */
function wireFrame(header: Buffer, seq: number): Buffer {
  const out = Buffer.allocUnsafe(header.length + FRAME_BYTES);
  header.copy(out, 0);
  PATTERN_SOURCE.copy(out, header.length + 8, 8);
  out.writeBigUInt64BE(BigInt(seq), header.length);
  return out;
}
// One reference frame to copy the pattern from (the child checks it byte for byte).
const PATTERN_SOURCE = floodFrame(0);

/**
 * Writes frames from `from` until `until` (exclusive) as fast as the socket takes them. With
 * `stallMillis`, stops and returns as soon as no 'drain' came for that long: the reader pushed back.
 */
async function pump(socket: Socket, header: Buffer, from: number, until: number, stallMillis?: number): Promise<{ next: number; stalled: boolean }> {
  let seq = from;
  while (seq < until) {
    if (socket.write(wireFrame(header, seq++))) continue;
    const drained = once(socket, "drain").then(() => true);
    if (stallMillis === undefined) {
      await drained;
      continue;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ok = await Promise.race([drained, new Promise<boolean>((resolve) => (timer = setTimeout(resolve, stallMillis, false)))]);
    clearTimeout(timer);
    if (!ok) return { next: seq, stalled: true };
  }
  return { next: seq, stalled: false };
}

/** Runs the "a reader that does not read" scenario against a socket already upgraded, frames written with `header`. */
async function floodReader(t: { diagnostic(message: string): void }, child: Child, socket: Socket, header: Buffer, what: string): Promise<void> {
  const started = Date.now();
  const first = await pump(socket, header, 0, FRAMES, 500);
  assert.ok(first.stalled, "the reader that does not read stopped the flood through TCP");
  const pushed = first.next * FRAME_BYTES;
  // Still stalled a while later, and the child's memory stays bounded while the peer pushes.
  const before = await child.sample();
  const still = await pump(socket, header, first.next, FRAMES, 300);
  assert.ok(still.stalled && still.next - first.next <= 1, "no progress while the reader does not read");
  const during = await child.sample();
  child.process.send({ type: "go" });
  const rest = await pump(socket, header, still.next, FRAMES);
  assert.equal(rest.next, FRAMES);
  const done = await child.next<Report>("done");
  report(t, what, {
    "pushed before the stall": mib(pushed),
    "child RSS at start": mib(done.baselineRss),
    "child RSS while stalled": `${mib(before.rss)} / ${mib(during.rss)}`,
    "child max RSS not reading": mib(during.maxRss),
    "child max RSS over the transfer": mib(done.maxRss),
    "frames read": done.frames,
    "read time": `${done.millis} ms`,
    total: `${Date.now() - started} ms`,
  });
  assert.equal(done.error, null);
  assert.equal(done.frames, FRAMES);
  assert.equal(done.bytes, FRAMES * FRAME_BYTES);
  assert.ok(pushed < 64 * MiB, `only socket buffers and the incoming budget were filled (${mib(pushed)})`);
  assert.ok(during.maxRss < RSS_LIMIT, `child RSS while flooded and not reading ${mib(during.maxRss)}`);
  assert.ok(done.maxRss < TRANSFER_RSS_LIMIT, `child max RSS over the transfer ${mib(done.maxRss)}`);
}

/** Checks `count` messages from a `ws` peer, in order, byte for byte. */
function verifyMessages(ws: WsClient | import("ws").WebSocket, count: number): { done: Promise<{ frames: number; error: string | null }> } {
  let frames = 0;
  let error: string | null = null;
  const done = new Promise<{ frames: number; error: string | null }>((resolve) => {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) error ??= `message ${frames} is not binary`;
      error ??= checkFloodFrame(data, frames);
      frames++;
      if (frames === count) resolve({ frames, error });
    });
    ws.on("close", () => resolve({ frames, error: error ?? (frames === count ? null : `closed after ${frames} messages`) }));
  });
  return { done };
}

/** Runs the "a writer facing a peer that does not read" scenario: `ws` is the slow peer, paused. */
async function floodWriter(t: { diagnostic(message: string): void }, child: Child, ws: WsClient | import("ws").WebSocket, what: string): Promise<void> {
  const started = Date.now();
  const verify = verifyMessages(ws, FRAMES);
  ws.pause();
  child.process.send({ type: "go" });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const stalled = await child.sample();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const later = await child.sample();
  const queued = (later.sent ?? 0) * FRAME_BYTES;
  ws.resume();
  const received = await verify.done;
  const done = await child.next<Report>("done");
  report(t, what, {
    "child RSS at start": mib(done.baselineRss),
    "child RSS while the peer does not read": `${mib(stalled.rss)} / ${mib(later.rss)}`,
    "child max RSS not read": mib(later.maxRss),
    "child max RSS over the transfer": mib(done.maxRss),
    "sent before send() blocked": mib(queued),
    "frames checked": received.frames,
    "write time": `${done.millis} ms`,
    total: `${Date.now() - started} ms`,
  });
  assert.equal(received.error, null);
  assert.equal(received.frames, FRAMES);
  assert.equal(done.error, null);
  assert.equal(later.sent, stalled.sent, "send() stays blocked while the peer does not read");
  assert.ok(queued < 64 * MiB, `only the outgoing channel and socket buffers were filled (${mib(queued)})`);
  assert.ok(later.maxRss < RSS_LIMIT, `child RSS while the peer does not read ${mib(later.maxRss)}`);
  assert.ok(done.maxRss < TRANSFER_RSS_LIMIT, `child max RSS over the transfer ${mib(done.maxRss)}`);
}

test("client reader: a server floods 1 GiB at a session that does not read; memory stays bounded, then every byte arrives in order", T, async (t) => {
  const child = startChild("client-reader");
  await child.next("ready");
  const server = createServer();
  const sockets: Socket[] = [];
  const upgraded = new Promise<Socket>((resolve) =>
    server.on("connection", (socket: Socket) => {
      sockets.push(socket);
      socket.on("error", () => {});
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onData);
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString("latin1"))?.[1] ?? "";
        const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.resume(); // the client's frames (none until the end) are read and dropped
        resolve(socket);
      };
      socket.on("data", onData);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    child.process.send({ type: "connect", url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/flood` });
    const socket = await upgraded;
    await child.next("connected");
    await floodReader(t, child, socket, serverFrameHeader(), "client reader");
  } finally {
    child.process.kill();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("server reader: a client floods 1 GiB at a handler that does not read; memory stays bounded, then every byte arrives in order", T, async (t) => {
  const child = startChild("server-reader");
  const { port } = await child.next<{ port: number }>("ready");
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  try {
    await once(socket, "connect");
    socket.write(
      `GET /flood HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    const [head] = (await once(socket, "data")) as [Buffer];
    assert.match(head.toString("latin1"), /^HTTP\/1\.1 101 /);
    socket.resume();
    await child.next("connected");
    await floodReader(t, child, socket, clientFrameHeader(), "server reader");
  } finally {
    socket.destroy();
    child.process.kill();
  }
});

test("client writer: a session writes 1 GiB to a server that does not read; send() waits, memory stays bounded, then every byte arrives in order", T, async (t) => {
  const child = startChild("client-writer");
  await child.next("ready");
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, maxPayload: 2 * FRAME_BYTES });
  await once(server, "listening");
  const connected = new Promise<import("ws").WebSocket>((resolve) => server.once("connection", (ws) => resolve(ws)));
  try {
    child.process.send({ type: "connect", url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/flood` });
    const ws = await connected;
    ws.on("error", () => {});
    await child.next("connected");
    await floodWriter(t, child, ws, "client writer");
  } finally {
    child.process.kill();
    for (const ws of server.clients) ws.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("server writer: a handler writes 1 GiB to a client that does not read; send() waits, memory stays bounded, then every byte arrives in order", T, async (t) => {
  const child = startChild("server-writer");
  const { port } = await child.next<{ port: number }>("ready");
  const ws = new WsClient(`ws://127.0.0.1:${port}/flood`, { perMessageDeflate: false, maxPayload: 2 * FRAME_BYTES });
  ws.on("error", () => {});
  try {
    await once(ws, "open");
    await child.next("connected");
    await floodWriter(t, child, ws, "server writer");
  } finally {
    ws.terminate();
    child.process.kill();
  }
});
