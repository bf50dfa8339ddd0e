// What `send` takes: a string, an ArrayBuffer, any ArrayBufferView (its exact bytes) or a Frame, as
// WebSocket.send does; anything else rejects with a TypeError from `send` itself, on every kind of
// session, and the session stays usable. Property tests throw arbitrary JS values at client and
// server sessions over real sockets and check the bytes that arrive.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { HttpClient, CIO, WebSockets, Frame, type DefaultWebSocketSession } from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { serve, type DefaultWebSocketServerSession, type WebSocketServer } from "../../src/server/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 60_000 };
const MARKER = "\u0000end-of-value";

/** What arrives for a value `send` accepts: the frame type and its exact bytes; null when it must be refused. */
function expected(value: unknown): { text: boolean; bytes: Uint8Array } | null {
  if (typeof value === "string") return { text: true, bytes: new TextEncoder().encode(value) };
  if (value instanceof Frame.Text) return { text: true, bytes: value.data };
  if (value instanceof Frame.Binary) return { text: false, bytes: value.data };
  if (value instanceof ArrayBuffer) return { text: false, bytes: new Uint8Array(value) };
  if (ArrayBuffer.isView(value)) return { text: false, bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  return null;
}

/** Views of every kind over bytes that sit at an offset inside a larger buffer. */
const views = fc
  .record({
    kind: fc.constantFrom("Uint8Array", "Int8Array", "Uint8ClampedArray", "Uint16Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array", "DataView", "Buffer"),
    elements: fc.nat({ max: 40 }),
    offsetElements: fc.nat({ max: 4 }),
    fill: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ kind, elements, offsetElements, fill }): ArrayBufferView => {
    const size = kind === "DataView" || kind === "Buffer" || kind.includes("8") ? 1 : kind.includes("16") ? 2 : kind.includes("32") ? 4 : 8;
    const buffer = new ArrayBuffer((elements + offsetElements + 3) * size);
    new Uint8Array(buffer).forEach((_, i, all) => (all[i] = (fill + i * 7) & 0xff));
    const offset = offsetElements * size;
    switch (kind) {
      case "DataView":
        return new DataView(buffer, offset, elements);
      case "Buffer":
        return Buffer.from(buffer, offset, elements);
      default: {
        const View = (globalThis as unknown as Record<string, new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView>)[kind];
        return new View(buffer, offset, elements);
      }
    }
  });

const sendable = fc.oneof(
  fc.anything({ withTypedArray: true, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true }),
  fc.string({ unit: "binary" }),
  views,
  fc.uint8Array({ maxLength: 300 }).map((bytes) => bytes.buffer as ArrayBuffer),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => new Frame.Binary(bytes)),
  fc.string().map((text) => new Frame.Text(text)),
  fc.constantFrom<unknown>(42, true, false, null, undefined, { a: 1 }, Symbol("s"), () => 1, new SharedArrayBuffer(4), [1, 2, 3], new Date(0)),
);

/** Frames up to the marker that ends each value, as [isText, bytes]. */
async function framesUntilMarker(incoming: AsyncIterator<Frame>): Promise<{ text: boolean; bytes: Uint8Array }[]> {
  const seen: { text: boolean; bytes: Uint8Array }[] = [];
  for (;;) {
    const next = await within(incoming.next(), 5_000, "a frame");
    assert.equal(next.done, false, "the session ended");
    const frame = next.value as Frame;
    if (frame instanceof Frame.Text && frame.readText() === MARKER) return seen;
    seen.push({ text: frame instanceof Frame.Text, bytes: frame.readBytes() });
  }
}

/** Sends `value`; checks it was refused with a TypeError exactly when `expected` says so. */
async function sendOne(send: (value: unknown) => Promise<void>, value: unknown): Promise<boolean> {
  const want = expected(value);
  try {
    await send(value);
  } catch (error) {
    assert.equal(want, null, `a sendable value was refused: ${String(error)}`);
    assert.ok(error instanceof TypeError, `not a TypeError: ${String(error)}`);
    assert.match(error.message, /^send\(content\): content must be a string, an ArrayBuffer, an ArrayBufferView/);
    return false;
  }
  assert.notEqual(want, null, "a value send does not take was accepted");
  return true;
}

function checkArrived(value: unknown, sent: boolean, arrived: { text: boolean; bytes: Uint8Array }[]): void {
  const want = expected(value);
  if (!sent) {
    assert.equal(arrived.length, 0);
    return;
  }
  assert.equal(arrived.length, 1);
  assert.equal(arrived[0].text, want!.text);
  assert.deepEqual(Buffer.from(arrived[0].bytes), Buffer.from(want!.bytes));
}

/** Fails the test if the process saw an uncaught exception or an unhandled rejection while `run` ran. */
async function noUncaught(run: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const record = (error: unknown): void => void seen.push(error);
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off("uncaughtException", record);
    process.off("unhandledRejection", record);
  }
  assert.deepEqual(seen, []);
}

describe("send takes what WebSocket.send takes, and nothing else", () => {
  let server: WebSocketServer;
  let serverSide: DefaultWebSocketServerSession | null = null;
  let client: HttpClient;

  async function open(): Promise<DefaultWebSocketSession> {
    serverSide = null;
    const session = await client.webSocketSession(`${server.url}/echo`);
    return session;
  }

  test.before(async () => {
    server = await serve({ port: 0 }, (routes) => {
      routes.webSocket("/echo", async (session) => {
        for await (const frame of session.incoming) await session.send(frame);
      });
      routes.webSocket("/push", async (session) => {
        serverSide = session;
        await session.closeReason;
      });
    });
    client = new HttpClient(CIO, (config) => config.install(WebSockets));
  });

  test.after(async () => {
    client.close();
    await server.close();
  });

  test("a client session: the exact bytes arrive, or send rejects with TypeError", T, async () => {
    await noUncaught(async () => {
      const session = await open();
      const echoes = session.incoming[Symbol.asyncIterator]();
      await fc.assert(
        fc.asyncProperty(sendable, async (value) => {
          const sent = await sendOne((v) => session.send(v as string), value);
          await session.send(MARKER);
          checkArrived(value, sent, await framesUntilMarker(echoes));
        }),
        { numRuns: 300 },
      );
      await session.close();
    });
  });

  test("a server session: the exact bytes arrive, or send rejects with TypeError", T, async () => {
    await noUncaught(async () => {
      const session = await client.webSocketSession(`${server.url}/push`);
      const arrivals = session.incoming[Symbol.asyncIterator]();
      const pushing = await within(
        (async () => {
          while (serverSide === null) await new Promise((resolve) => setTimeout(resolve, 5));
          return serverSide;
        })(),
        3_000,
        "the server's session",
      );
      await fc.assert(
        fc.asyncProperty(sendable, async (value) => {
          const sent = await sendOne((v) => pushing.send(v as string), value);
          await pushing.send(MARKER);
          checkArrived(value, sent, await framesUntilMarker(arrivals));
        }),
        { numRuns: 300 },
      );
      await session.close();
    });
  });

  test("views send their exact bytes: byteOffset and byteLength, not the whole buffer or one byte per element", T, async () => {
    const session = await open();
    const echoes = session.incoming[Symbol.asyncIterator]();
    const buffer = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]).buffer;
    const cases: [unknown, number[]][] = [
      [new Float32Array([1.5]), [...new Uint8Array(new Float32Array([1.5]).buffer)]],
      [new ArrayBuffer(4), [0, 0, 0, 0]],
      [new DataView(buffer, 2, 3), [2, 3, 4]],
      [new Uint16Array(buffer, 4, 2), [4, 5, 6, 7]],
      [Buffer.from(buffer, 10, 4), [10, 11, 12, 13]],
      [new Frame.Binary(true, new ArrayBuffer(2)), [0, 0]],
      [new Frame.Binary(new DataView(buffer, 1, 2)), [1, 2]],
    ];
    for (const [value, bytes] of cases) {
      await session.send(value as Uint8Array);
      const frame = (await within(echoes.next(), 2_000, "an echo")).value as Frame;
      assert.ok(frame instanceof Frame.Binary);
      assert.deepEqual([...frame.data], bytes);
    }
    await session.close();
  });

  test("outgoing.send takes frames only; the session stays usable after a refusal", T, async () => {
    const session = await open();
    for (const bad of [42, "text", new Uint8Array(1), null, { frameType: 1, data: new Uint8Array(1) }]) {
      await assert.rejects(session.outgoing.send(bad as Frame), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^outgoing\.send\(frame\): frame must be a Frame/);
        return true;
      });
      assert.throws(() => session.outgoing.trySend(bad as Frame), TypeError);
    }
    await session.send("still here");
    const frame = await within(session.incoming.receive(), 2_000, "a frame");
    assert.equal((frame as Frame.Text).readText(), "still here");
    await session.close();
  });
});

describe("every kind of session refuses what send does not take", () => {
  const refused: unknown[] = [42, true, null, undefined, { a: 1 }, Symbol("s"), [1], new SharedArrayBuffer(4), () => 0];

  async function check(send: (value: unknown) => Promise<void>): Promise<void> {
    for (const value of refused) {
      const result = send(value); // a rejected promise, never a synchronous throw
      assert.ok(result instanceof Promise);
      await assert.rejects(result, TypeError);
    }
  }

  test("a MockEngine session, both ends", T, async () => {
    const engine = new MockEngine(async (server) => {
      await check((v) => server.send(v as string));
      for await (const frame of server.incoming) await server.send(frame);
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    try {
      await client.webSocket("ws://mock/echo", async (session) => {
        await check((v) => session.send(v as string));
        await session.send(new Float32Array([2.5]));
        const frame = await within(session.incoming.receive(), 2_000, "a frame");
        assert.deepEqual([...frame.data], [...new Uint8Array(new Float32Array([2.5]).buffer)]);
      });
    } finally {
      client.close();
    }
  });

  test("a reconnecting session", T, async () => {
    const server = await serve({ port: 0 }, (routes) =>
      routes.webSocket("/echo", async (session) => {
        for await (const frame of session.incoming) await session.send(frame);
      }),
    );
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets);
      config.install(Reconnect);
    });
    const session = client.reconnectingSession(`${server.url}/echo`);
    try {
      await check((v) => session.send(v as string));
      await session.send(new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2));
      const frame = await within(session.incoming.receive(), 3_000, "a frame");
      assert.deepEqual([...frame.data], [8, 9]);
      await assert.rejects(session.outgoing.send(42 as unknown as Frame), TypeError);
    } finally {
      await session.close();
      client.close();
      await server.close();
    }
  });
});

describe("Frame constructors check what they are given", () => {
  test("bad payloads and flags are a TypeError that names the parameter", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new Frame.Text(42 as unknown as string), /^new Frame\.Text\(text\) or new Frame\.Text\(fin, data\): the first argument must be a string or a boolean; got 42 \(a number\)$/],
      [() => new Frame.Text(true, 42 as unknown as string), /^new Frame\.Text\(fin, data\): data must be an ArrayBuffer or an ArrayBufferView .*; got 42 \(a number\)$/],
      [() => new Frame.Binary(42 as unknown as Uint8Array), /^new Frame\.Binary\(data\): data must be .*; got 42 \(a number\)$/],
      [() => new Frame.Binary(true, "text" as unknown as Uint8Array), /data must be .*; got "text" \(a string\)$/],
      [() => new Frame.Binary(true, new Uint8Array(1), "yes" as unknown as boolean), /^rsv1 must be a boolean; got "yes" \(a string\)$/],
      [() => new Frame.Ping("ping" as unknown as Uint8Array), /^new Frame\.Ping\(data\): data must be/],
      [() => new Frame.Pong(7 as unknown as Uint8Array), /^new Frame\.Pong\(data\): data must be/],
      [() => new Frame.Close("bye" as unknown as Uint8Array), /^new Frame\.Close\(reasonOrData\): reasonOrData must be/],
    ];
    for (const [make, message] of cases) assert.throws(make, (error: unknown) => error instanceof TypeError && message.test(error.message));
  });

  test("ArrayBuffers and any view are taken as their exact bytes", () => {
    const buffer = new Uint8Array([1, 2, 3, 4, 5, 6]).buffer;
    assert.deepEqual([...new Frame.Binary(new ArrayBuffer(3)).data], [0, 0, 0]);
    assert.deepEqual([...new Frame.Binary(true, new DataView(buffer, 1, 2)).data], [2, 3]);
    assert.deepEqual([...new Frame.Ping(new Uint16Array(buffer, 2, 1)).data], [3, 4]);
    assert.equal(new Frame.Text(true, new Uint8Array([104, 105]).buffer).readText(), "hi");
    assert.equal(new Frame.Text(false, "part").fin, false);
  });

  test("a property: any value is taken as documented or refused with a TypeError", () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withBoxedValues: true }), fc.anything(), (a, b) => {
        for (const make of [
          () => new Frame.Binary(a as Uint8Array),
          () => new Frame.Binary(true, a as Uint8Array),
          () => new Frame.Text(a as string),
          () => new Frame.Text(true, a as string),
          () => new Frame.Ping(a as Uint8Array),
          () => new Frame.Binary(true, new Uint8Array(0), b as boolean),
        ]) {
          try {
            const frame = make();
            assert.ok(frame.data instanceof Uint8Array);
          } catch (error) {
            assert.ok(error instanceof TypeError, String(error));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
