// permessage-deflate's synchronous path: small jobs run at once on the stream's native handle, large
// ones (and the rest of a small frame that inflates to a lot) on the thread pool. Both paths must give
// the same bytes, keep the limits, and keep messages in order.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { constants, createDeflateRaw, deflateRawSync } from "node:zlib";
import { WebSocket as WsClient, type PerMessageDeflateOptions } from "ws";
import { Inflater } from "../../src/extensions/permessage-deflate/inflater.js";
import { Deflater } from "../../src/extensions/permessage-deflate/deflater.js";
import { SYNC_MAX_INPUT, SYNC_MAX_OUTPUT, useSyncZlib } from "../../src/extensions/permessage-deflate/zlib-sync.js";
import { FrameTooBigError, ProtocolViolationError, Frame, WebSocketDeflateExtension, type WebSocketDeflateConfig } from "../../src/index.js";
import { serve } from "../../src/server/index.js";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { compress, deflateClient } from "./helpers.js";

const T = { timeout: 60_000 };

function json(size: number, seed = 0): Buffer {
  let text = "[";
  for (let i = seed; text.length < size; i++) text += `{"id":${i},"name":"item-${i % 97}","tags":["a","b"],"n":${i % 50}},`;
  return Buffer.from(text.slice(0, size));
}

/** Runs `body` with the synchronous path off: contexts opened meanwhile use the thread pool only. */
async function withoutSync<T>(body: () => Promise<T>): Promise<T> {
  useSyncZlib(false);
  try {
    return await body();
  } finally {
    useSyncZlib(true);
  }
}

/** A peer's deflate context with context takeover: each call is one message, trailer removed. */
function peerDeflater(): { message(data: Uint8Array): Promise<Buffer>; close(): void } {
  const deflate = createDeflateRaw();
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  return {
    message: (data) =>
      new Promise((resolve) => {
        deflate.write(data);
        deflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0)).subarray(0, -4)));
      }),
    close: () => deflate.close(),
  };
}

/** Frames of several messages: small and large, whole and in fragments. */
const FRAMES: [payload: Buffer, fin: boolean][] = [
  [Buffer.alloc(0), true],
  [Buffer.from("tiny"), true],
  [json(4096), true],
  [json(4096), true],
  [Buffer.from(randomBytes(SYNC_MAX_INPUT).toString("hex")), true],
  [json(3000, 7), false],
  [json(70_000, 3), false],
  [json(10), true],
  [Buffer.alloc(300_000, 0x61), true],
  [json(9000, 11), true],
];

async function deflateAll(deflater: Deflater): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const [payload, fin] of FRAMES) out.push(Buffer.from(await deflater.deflate(payload, fin)));
  return out;
}

describe("zlib jobs run synchronously when small", () => {
  test("a small job returns its output at once; a large one, or any with the synchronous path off, a promise", async () => {
    const deflater = new Deflater(6, 15, false);
    const inflater = new Inflater(15);
    try {
      const small = deflater.deflate(json(SYNC_MAX_INPUT), true);
      assert.ok(small instanceof Uint8Array);
      const large = deflater.deflate(json(SYNC_MAX_INPUT + 1), true);
      assert.ok(large instanceof Promise);
      const back = inflater.inflate(small, true, Infinity, "maxMessageSize");
      assert.ok(back instanceof Uint8Array);
      assert.deepEqual(Buffer.from(back), json(SYNC_MAX_INPUT));
      assert.deepEqual(Buffer.from(await inflater.inflate(await large, true, Infinity, "maxMessageSize")), json(SYNC_MAX_INPUT + 1));
    } finally {
      deflater.close();
      inflater.close();
    }
    await withoutSync(async () => {
      const off = new Deflater(6, 15, false);
      const result = off.deflate(Buffer.from("x"), true);
      assert.ok(result instanceof Promise);
      await result;
      off.close();
    });
  });

  for (const [level, windowBits, noContextTakeover] of [
    [6, 15, false],
    [1, 9, false],
    [9, 15, true],
    [0, 12, false],
  ] as const) {
    test(`both paths write the same bytes${level === 0 ? " (but level 0)" : ""} (level ${level}, window ${windowBits}, ${noContextTakeover ? "no " : ""}context takeover), and inflate back`, async () => {
      const fast = new Deflater(level, windowBits, noContextTakeover);
      const sync = await deflateAll(fast);
      fast.close();
      const pooled = await withoutSync(async () => {
        const slow = new Deflater(level, windowBits, noContextTakeover);
        const out = await deflateAll(slow);
        slow.close();
        return out;
      });
      assert.equal(sync.length, pooled.length);
      // Level 0 writes stored blocks as large as the output space zlib is given, which the paths size differently.
      if (level > 0) for (let i = 0; i < sync.length; i++) assert.ok(sync[i].equals(pooled[i]), `frame ${i}: ${sync[i].length} vs ${pooled[i].length} bytes`);
      const inflateAll = async (inflater: Inflater): Promise<Buffer> => {
        const out: Uint8Array[] = [];
        for (let i = 0; i < FRAMES.length; i++) out.push(await inflater.inflate(sync[i], FRAMES[i][1], Infinity, "maxMessageSize"));
        inflater.close();
        return Buffer.concat(out);
      };
      const expected = Buffer.concat(FRAMES.map(([payload]) => payload));
      assert.ok((await inflateAll(new Inflater(windowBits))).equals(expected));
      assert.ok((await withoutSync(() => inflateAll(new Inflater(windowBits)))).equals(expected));
    });
  }
});

describe("inflating synchronously keeps the limits", () => {
  test("a small frame that inflates past its limit throws FrameTooBigError (1009) at once; the context is released", () => {
    const bomb = compress(Buffer.alloc(8 << 20));
    assert.ok(bomb.length <= SYNC_MAX_INPUT, `${bomb.length} bytes`);
    const inflater = new Inflater(15);
    let error: unknown = null;
    try {
      inflater.inflate(bomb, true, 100_000, "maxFrameSize");
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof FrameTooBigError, String(error));
    assert.equal(error.closeCode, 1009);
    assert.equal(error.limit, 100_000);
    assert.ok(error.size > 100_000 && error.size <= 100_000 + 64 * 1024, `stopped at ${error.size}`);
    assert.match(error.message, /maxFrameSize/);
    assert.equal(inflater.isOpen, false);
    inflater.close();
  });

  test("a small frame that inflates to more than the synchronous share finishes on the thread pool, limit still kept", async () => {
    const bomb = compress(Buffer.alloc(8 << 20));
    const inflater = new Inflater(15);
    const pending = inflater.inflate(bomb, true, 1 << 20, "maxMessageSize");
    assert.ok(pending instanceof Promise, "handed to the thread pool");
    const error = await pending.catch((e: unknown) => e);
    assert.ok(error instanceof FrameTooBigError, String(error));
    assert.ok(error.size > 1 << 20 && error.size <= (1 << 20) + 64 * 1024, `stopped at ${error.size}`);
    assert.equal(inflater.isOpen, false);
    inflater.close();
  });

  test("a frame handed over midway inflates whole, and the context goes on to the next messages", async () => {
    const peer = peerDeflater();
    const inflater = new Inflater(15);
    try {
      const big = Buffer.alloc(SYNC_MAX_OUTPUT * 8 + 123, 0x20);
      big.write("the end", big.length - 7);
      const messages = [json(500), big, json(600), big, Buffer.from("after")];
      for (const message of messages) {
        const compressed = await peer.message(message);
        const result = inflater.inflate(compressed, true, Infinity, "maxMessageSize");
        assert.equal(result instanceof Promise, message.length > SYNC_MAX_OUTPUT, `${message.length} bytes`);
        assert.ok(Buffer.from(await result).equals(message), `${message.length} bytes inflated`);
      }
      // A message in two frames whose first frame is handed over: the trailer follows the second.
      const whole = await peer.message(big);
      const first = inflater.inflate(whole.subarray(0, whole.length - 20), false, Infinity, "maxFrameSize");
      assert.ok(first instanceof Promise);
      const head = await first;
      const second = inflater.inflate(whole.subarray(whole.length - 20), true, Infinity, "maxFrameSize");
      assert.ok(Buffer.concat([head, await second]).equals(big));
    } finally {
      peer.close();
      inflater.close();
    }
  });

  test("corrupt data throws ProtocolViolationError (1007) at once; a final block ends the stream on both paths", async () => {
    const inflater = new Inflater(15);
    assert.throws(() => inflater.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff]), true, Infinity, "maxMessageSize"), (e: unknown) => {
      return e instanceof ProtocolViolationError && e.closeCode === 1007;
    });
    assert.equal(inflater.isOpen, false);
    inflater.close();
    const final = deflateRawSync(Buffer.from("first")); // BFINAL set
    for (const run of [(body: () => Promise<void>) => body(), withoutSync]) {
      await run(async () => {
        const fresh = new Inflater(15);
        assert.equal(Buffer.from(await fresh.inflate(final, true, Infinity, "maxMessageSize")).toString(), "first");
        assert.equal(Buffer.from(await fresh.inflate(compress("second"), true, Infinity, "maxMessageSize")).toString(), "second");
        fresh.close();
      });
    }
  });
});

/** Messages pipelined: small ones (run at once), large ones (thread pool) and small frames that inflate to a lot. */
function mixed(): (string | Buffer)[] {
  const list: (string | Buffer)[] = [];
  for (let i = 0; i < 6; i++) {
    list.push(json(4096, i).toString(), json(100, i), json(40_000, i).toString(), Buffer.alloc(2 << 20, i), "x".repeat(i * 10));
  }
  return list;
}

function same(frame: Frame, expected: string | Buffer, index: number): void {
  if (typeof expected === "string") {
    assert.ok(frame instanceof Frame.Text, `message ${index}: ${String(frame)}`);
    assert.equal(frame.readText(), expected, `message ${index}`);
  } else {
    assert.ok(frame instanceof Frame.Binary, `message ${index}: ${String(frame)}`);
    assert.ok(Buffer.from(frame.data).equals(expected), `message ${index}`);
  }
}

describe("mixed small and large messages, pipelined, arrive in order", () => {
  const cases: [string, PerMessageDeflateOptions, ((d: WebSocketDeflateConfig) => void) | undefined][] = [
    ["context takeover", {}, undefined],
    ["no context takeover", { serverNoContextTakeover: true, clientNoContextTakeover: true }, (d) => ((d.clientNoContextTakeover = true), (d.serverNoContextTakeover = true))],
  ];
  for (const sync of [true, false]) {
    for (const [name, wsOptions, configure] of cases) {
      const label = `${name}, synchronous path ${sync ? "on" : "off"}`;

      test(`our client → ws echo server → our client (${label})`, T, async () => {
        if (!sync) useSyncZlib(false);
        const peer = await startWsPeer(undefined, { perMessageDeflate: { threshold: 0, ...wsOptions } });
        const client = deflateClient(configure);
        try {
          const session = await client.webSocketSession(`ws://127.0.0.1:${peer.port}/`);
          const list = mixed();
          for (const message of list) await session.send(message);
          for (let i = 0; i < list.length; i++) same(await within(session.incoming.receive(), 10_000, `echo ${i}`), list[i], i);
          await session.close();
        } finally {
          useSyncZlib(true);
          client.close();
          await peer.close();
        }
      });

      test(`ws client → our echo server → ws client (${label})`, T, async () => {
        if (!sync) useSyncZlib(false);
        const server = await serve({ port: 0, host: "127.0.0.1", extensions: (e) => e.install(WebSocketDeflateExtension, configure) }, (routes) =>
          routes.webSocket("/echo", async (session) => {
            for await (const frame of session.incoming) await session.send(frame);
          }),
        );
        const ws = new WsClient(`ws://127.0.0.1:${server.port}/echo`, { perMessageDeflate: { threshold: 0, ...wsOptions } });
        ws.on("error", () => {});
        try {
          await within(new Promise((resolve) => ws.once("open", resolve)), 5_000, "ws to open");
          const list = mixed();
          const received: { data: Buffer; binary: boolean }[] = [];
          const all = new Promise<void>((resolve) =>
            ws.on("message", (data: Buffer, binary: boolean) => {
              received.push({ data, binary });
              if (received.length === list.length) resolve();
            }),
          );
          for (const message of list) ws.send(message);
          await within(all, 20_000, "every echo");
          for (let i = 0; i < list.length; i++) {
            assert.equal(received[i].binary, typeof list[i] !== "string", `message ${i}`);
            assert.ok(received[i].data.equals(Buffer.from(list[i])), `message ${i}`);
          }
        } finally {
          useSyncZlib(true);
          ws.terminate();
          await server.close();
        }
      });
    }
  }
});
