// kite-ws/node's toDuplex: a 100 MiB file piped to a ws echo server and back, byte for byte; object
// and byte modes; how ends, destroys and failures map, on CIO, a server's session, MockEngine and a
// reconnecting session; and its options.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomFillSync } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CloseReason, ClosedSendChannelError, ConnectionClosedError, Frame, FrameTooBigError, HttpClient, WebSockets } from "../../src/index.js";
import { toDuplex } from "../../src/node/index.js";
import { serve } from "../../src/server/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { deferred } from "../helpers/deferred.js";
import { startWsPeer, echo, within, type WsPeer } from "../helpers/ws-peer.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { cioClient } from "../streams/helpers.js";

const T = { timeout: 30_000 };

function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  return pipeline(createReadStream(path), hash).then(() => hash.digest("hex"));
}

/** Everything `readable` gives until it ends, within `millis`. */
function collect<T>(readable: Readable, millis = 5_000): Promise<T[]> {
  return within(readable.toArray() as Promise<T[]>, millis, "the readable side to end");
}

describe("toDuplex against a ws echo server", () => {
  let peer: WsPeer;
  let dir: string;
  before(async () => {
    peer = await startWsPeer((socket) => {
      echo(socket);
      socket.on("message", (data, isBinary) => {
        if (!isBinary && data.toString() === "terminate") socket.terminate();
      });
    });
    dir = mkdtempSync(join(tmpdir(), "kite-duplex-"));
  });
  after(async () => {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("pipeline(file, toDuplex(session), file) of 100 MiB comes back byte for byte; the end closes with 1000", { timeout: 60_000 }, async (t) => {
    const input = join(dir, "in.bin");
    const output = join(dir, "out.bin");
    const block = Buffer.allocUnsafe(1024 * 1024);
    writeFileSync(input, "");
    const out = createWriteStream(input);
    for (let i = 0; i < 100; i++) {
      randomFillSync(block);
      if (!out.write(Buffer.from(block))) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const session = await cioClient().webSocketSession(peer.url);
    const connection = await peer.nextConnection();
    const started = performance.now();
    await within(pipeline(createReadStream(input), toDuplex(session), createWriteStream(output)), 50_000, "the pipeline");
    t.diagnostic(`100 MiB there and back in ${Math.round(performance.now() - started)} ms`);
    assert.equal(await sha256File(output), await sha256File(input));
    assert.deepEqual(await connection.closed, { code: 1000, reason: "" });
    assert.equal((await session.closeReason)?.code, 1000);
  });

  test("object mode: a string per Text message, a Buffer per Binary one; binary: false sends bytes as Text", T, async () => {
    for (const binary of [true, false]) {
      const session = await cioClient().webSocketSession(peer.url);
      await peer.nextConnection();
      const duplex = toDuplex(session, { objectMode: true, binary });
      duplex.write("héllo");
      duplex.write(Buffer.from("bytes"));
      duplex.write(new Uint8Array([104, 105]));
      duplex.end();
      const got = await collect<unknown>(duplex);
      if (binary) assert.deepEqual(got, ["héllo", Buffer.from("bytes"), Buffer.from("hi")]);
      else assert.deepEqual(got, ["héllo", "bytes", "hi"]);
    }
  });

  test("byte mode with binary: false: a character split between writes is sent whole, as Text", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const duplex = toDuplex(session, { binary: false });
    const snowman = Buffer.from("a☃b");
    duplex.write(snowman.subarray(0, 2));
    duplex.write(snowman.subarray(2));
    duplex.end();
    // Messages come back as bytes in byte mode: "a☃" then "b", each whole.
    assert.equal(Buffer.concat(await collect<Buffer>(duplex)).toString(), "a☃b");
  });

  test("object mode, binary: false: bytes that are not UTF-8 fail the write with a TypeError; the error closes the session with 1011", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    const connection = await peer.nextConnection();
    const duplex = toDuplex(session, { objectMode: true, binary: false });
    const failed = new Promise<Error>((resolve) => duplex.once("error", resolve));
    duplex.write(new Uint8Array([0xff]));
    const error = await within(failed, 5_000, "the error");
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /^toDuplex\(session, \{ binary: false, objectMode: true \}\)\.write\(chunk\): chunk must be valid UTF-8 .*; got an? Uint8Array of 1 byte$/);
    assert.deepEqual(await connection.closed, { code: 1011, reason: "" });
  });

  test("a chunk that cannot be a message fails with a TypeError quoting it", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const duplex = toDuplex(session, { objectMode: true });
    const failed = new Promise<Error>((resolve) => duplex.once("error", resolve));
    duplex.write(42);
    const error = await within(failed, 5_000, "the error");
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "toDuplex(session).write(chunk): chunk must be a string, a Buffer, an ArrayBuffer or an ArrayBufferView; got 42 (a number)");
  });

  test("a lost connection destroys the stream with ConnectionClosedError", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const duplex = toDuplex(session, { objectMode: true });
    duplex.write("terminate");
    const error = await within(collect(duplex).then(() => null, (e: unknown) => e), 5_000, "the error");
    assert.ok(error instanceof ConnectionClosedError, `got ${String(error)}`);
  });

  const destroys: { what: string; error: Error | undefined; expect: { code: number; reason: string } }[] = [
    { what: "destroy()", error: undefined, expect: { code: 1000, reason: "" } },
    { what: "destroy(error)", error: new Error("secret"), expect: { code: 1011, reason: "" } },
    { what: "destroy(CloseReason)", error: new CloseReason(4003, "forbidden") as unknown as Error, expect: { code: 4003, reason: "forbidden" } },
  ];
  for (const { what, error, expect } of destroys) {
    test(`${what} closes the session with ${expect.code}`, T, async () => {
      const session = await cioClient().webSocketSession(peer.url);
      const connection = await peer.nextConnection();
      const duplex = toDuplex(session);
      duplex.on("error", () => {});
      duplex.destroy(error);
      assert.deepEqual(await connection.closed, expect);
      await within(session.closeReason, 5_000, "the session's end");
    });
  }

  test("the options and the session are checked: a TypeError naming the parameter and quoting the value", async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const cases: [unknown, string][] = [
      [null, "toDuplex(session, options): options must be an object such as { binary: true, objectMode: false }; got null"],
      [{ binary: "yes" }, 'toDuplex(session, options): options.binary must be a boolean; got "yes" (a string)'],
      [{ objectMode: 1 }, "toDuplex(session, options): options.objectMode must be a boolean; got 1 (a number)"],
      [{ objectmode: true }, "toDuplex(session, options): options has no option \"objectmode\": did you mean objectMode? (the options are binary, objectMode)"],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => toDuplex(session, options as never), (error: unknown) => error instanceof TypeError && error.message === message);
    }
    assert.throws(() => toDuplex("ws://x" as never), /^TypeError: toDuplex\(session\): session must be a WebSocket session .*; got "ws:\/\/x" \(a string\)$/);
    await session.close();
  });
});

test("a server's session: toDuplex on each side, piped into each other's", T, async () => {
  const serverEnd = deferred<CloseReason | null>();
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/echo", async (session) => {
      const duplex = toDuplex(session);
      // An echo: what comes in goes out; the client's Close ends both.
      await pipeline(duplex, duplex);
      serverEnd.resolve(await session.closeReason);
    }),
  );
  const session = await cioClient().webSocketSession(`${server.url}/echo`);
  const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(10_000, i));
  const sink: Buffer[] = [];
  await within(
    pipeline(Readable.from(chunks), toDuplex(session), new Writable({ write: (chunk: Buffer, _e, done) => (sink.push(chunk), done()) })),
    10_000,
    "the pipeline",
  );
  assert.deepEqual(Buffer.concat(sink), Buffer.concat(chunks));
  assert.deepEqual(await within(serverEnd.promise, 5_000, "the server's end"), new CloseReason(1000, ""));
});

test("MockEngine: a message over maxFrameSize destroys the client's stream with FrameTooBigError; a write after the end fails with ClosedSendChannelError", T, async () => {
  const engine = new MockEngine(async (server) => {
    await server.send(new Uint8Array(64));
    await server.closeReason;
  });
  const client = new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.maxFrameSize = 32)));
  const session = await client.webSocketSession("ws://mock/");
  const error = await within(collect(toDuplex(session)).then(() => null, (e: unknown) => e), 5_000, "the error");
  assert.ok(error instanceof FrameTooBigError, `got ${String(error)}`);
  const late = toDuplex(session);
  const failed = new Promise<Error>((resolve) => late.once("error", resolve));
  late.write("late");
  assert.ok((await within(failed, 5_000, "the write's error")) instanceof ClosedSendChannelError);
});

test("a reconnecting session: one duplex across connections, ended by end()", T, async () => {
  let connections = 0;
  const servers: { terminate(): void }[] = [];
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/", async (session) => {
      servers.push(session);
      await session.send(`hello ${++connections}`);
      for await (const frame of session.incoming) await session.send(frame instanceof Frame.Text ? frame.readText() : frame.readBytes());
    }),
  );
  const reconnecting = reconnectClient().reconnectingSession(server.url);
  const duplex = toDuplex(reconnecting, { objectMode: true });
  const next = (): Promise<unknown> => within(new Promise((resolve) => duplex.once("data", resolve)), 5_000, "a message");
  assert.equal(await next(), "hello 1");
  servers[0].terminate();
  assert.equal(await next(), "hello 2");
  duplex.write("again");
  assert.equal(await next(), "again");
  duplex.end();
  await within(new Promise((resolve) => duplex.once("close", resolve)), 5_000, "the stream's close");
  assert.equal(reconnecting.state, "closed");
});
