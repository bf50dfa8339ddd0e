// The zlib side of permessage-deflate: the shared limiter, inflating with a running limit, deflating
// with the trailer removed, and releasing contexts.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { JobLimiter, zlibLimiter, ZLIB_CONCURRENCY } from "../../src/extensions/permessage-deflate/zlib-limiter.js";
import { Inflater } from "../../src/extensions/permessage-deflate/inflater.js";
import { Deflater } from "../../src/extensions/permessage-deflate/deflater.js";
import { ContextClosedError, liveZlibStreams } from "../../src/extensions/permessage-deflate/zlib-context.js";
import { FrameTooBigError, ProtocolViolationError } from "../../src/index.js";
import { compress, decompress, zipBomb } from "./helpers.js";

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >> 9)) & 0x3f;
  return out;
}

describe("the zlib job limiter", () => {
  test("runs at most `concurrency` jobs at once, in the order they came", async () => {
    const limiter = new JobLimiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) =>
      limiter.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1 + (i % 3)));
        running--;
        return i;
      }),
    );
    assert.equal(limiter.active, 3);
    assert.equal(limiter.queued, 17);
    assert.deepEqual(await Promise.all(jobs), Array.from({ length: 20 }, (_, i) => i));
    assert.equal(peak, 3);
    assert.deepEqual(started, Array.from({ length: 20 }, (_, i) => i));
    assert.equal(limiter.active, 0);
  });

  test("a failing job (thrown or rejected) frees its slot and rejects", async () => {
    const limiter = new JobLimiter(1);
    const first = limiter.run(() => {
      throw new Error("sync");
    });
    const second = limiter.run(() => Promise.reject(new Error("async")));
    const third = limiter.run(() => Promise.resolve(3));
    await assert.rejects(first, /sync/);
    await assert.rejects(second, /async/);
    assert.equal(await third, 3);
  });

  test("the process-wide limiter runs 10 jobs at once, as ws does", async () => {
    assert.equal(ZLIB_CONCURRENCY, 10);
    const inflaters = Array.from({ length: 30 }, () => new Inflater(15));
    const payload = compress(pattern(256 * 1024));
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, zlibLimiter.active)), 0);
    try {
      const results = await Promise.all(inflaters.map((inflater) => inflater.inflate(payload, true, Infinity, "maxMessageSize")));
      for (const result of results) assert.equal(result.length, 256 * 1024);
    } finally {
      clearInterval(watch);
      for (const inflater of inflaters) inflater.close();
    }
    assert.ok(peak <= ZLIB_CONCURRENCY, `peak ${peak}`);
    assert.equal(zlibLimiter.active, 0);
  });
});

describe("Inflater", () => {
  test("inflates messages frame by frame, keeping the context between messages", async () => {
    const inflater = new Inflater(15);
    try {
      const text = (await import("node:crypto")).randomBytes(1000).toString("hex");
      // One deflate stream for two messages, as a peer with context takeover sends them.
      const { createDeflateRaw, constants } = await import("node:zlib");
      const deflate = createDeflateRaw();
      const chunks: Buffer[] = [];
      deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
      const flush = (data: string): Promise<Buffer> =>
        new Promise((resolve) => {
          deflate.write(data);
          deflate.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(chunks.splice(0)).subarray(0, -4)));
        });
      const first = await flush(text);
      const second = await flush(text);
      deflate.close();
      assert.ok(second.length < first.length / 4, "the second message refers back to the first");
      assert.equal(Buffer.from(await inflater.inflate(first, true, Infinity, "maxMessageSize")).toString(), text);
      assert.equal(Buffer.from(await inflater.inflate(second, true, Infinity, "maxMessageSize")).toString(), text);
      // A message in two frames: the trailer goes after the last one only.
      const whole = compress(text);
      const fresh = new Inflater(15);
      const a = await fresh.inflate(whole.subarray(0, 10), false, Infinity, "maxMessageSize");
      const b = await fresh.inflate(whole.subarray(10), true, Infinity, "maxMessageSize");
      fresh.close();
      assert.equal(Buffer.concat([a, b]).toString(), text);
    } finally {
      inflater.close();
    }
  });

  test("stops as soon as the output passes the limit: FrameTooBigError (1009), the context released", async () => {
    const bomb = await zipBomb(1024); // 1 GiB of zeros in about 1 MiB
    assert.ok(bomb.length < 1.1 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
    const inflater = new Inflater(15);
    const before = process.memoryUsage();
    const started = performance.now();
    const error = await Promise.resolve(bomb).then((input) => inflater.inflate(input, true, 8 * 1024 * 1024, "maxMessageSize")).then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    const after = process.memoryUsage();
    assert.ok(error instanceof FrameTooBigError, String(error));
    assert.equal(error.closeCode, 1009);
    assert.equal(error.limit, 8 * 1024 * 1024);
    assert.ok(error.size <= 8 * 1024 * 1024 + 64 * 1024, `stopped at ${error.size}`);
    assert.match(error.message, /maxMessageSize/);
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    // `external` includes every Buffer; the 8 MiB limit plus one 16 KiB output chunk, and some slack.
    const grown = after.external - before.external;
    assert.ok(grown < 24 * 1024 * 1024, `external memory grew by ${grown} bytes`);
    assert.equal(inflater.isOpen, false);
    inflater.close();
  });

  test("corrupt data is a ProtocolViolationError with 1007", async () => {
    const inflater = new Inflater(15);
    const error = await Promise.resolve(Buffer.from([0xff, 0xff, 0xff, 0xff]))
      .then((input) => inflater.inflate(input, true, Infinity, "maxMessageSize"))
      .catch((e: unknown) => e);
    inflater.close();
    assert.ok(error instanceof ProtocolViolationError, String(error));
    assert.equal(error.closeCode, 1007);
  });

  test("a peer that ends its DEFLATE stream (a final block) starts a new one for the next message", async () => {
    const { deflateRawSync } = await import("node:zlib");
    const inflater = new Inflater(15);
    try {
      const final = deflateRawSync(Buffer.from("first")); // BFINAL set
      assert.equal(Buffer.from(await inflater.inflate(final, true, Infinity, "maxMessageSize")).toString(), "first");
      assert.equal(Buffer.from(await inflater.inflate(compress("second"), true, Infinity, "maxMessageSize")).toString(), "second");
    } finally {
      inflater.close();
    }
  });

  test("close() rejects the job in progress with ContextClosedError, and later jobs too", async () => {
    const inflater = new Inflater(15);
    const pending = inflater.inflate(compress(pattern(4 << 20)), true, Infinity, "maxMessageSize");
    inflater.close();
    assert.ok(pending instanceof Promise, "4 MiB is inflated on the thread pool");
    await assert.rejects(pending, ContextClosedError);
    await assert.rejects(async () => inflater.inflate(compress("x"), true, Infinity, "maxMessageSize"), ContextClosedError);
    assert.equal(zlibLimiter.active, 0);
  });
});

describe("Deflater", () => {
  test("each message ends without 00 00 FF FF (§7.2.1) and inflates back; fragments keep it", async () => {
    const deflater = new Deflater(6, 15, false);
    try {
      const data = pattern(100_000);
      const whole = await deflater.deflate(data, true);
      assert.ok(!Buffer.from(whole.subarray(-4)).equals(Buffer.from([0, 0, 0xff, 0xff])));
      assert.deepEqual(decompress(whole), data);
      const part1 = await deflater.deflate(data.subarray(0, 50_000), false);
      assert.deepEqual([...part1.subarray(-4)], [0, 0, 0xff, 0xff], "a non-final fragment ends at a flush point");
      const part2 = await deflater.deflate(data.subarray(50_000), true);
      // The second message refers back to the first (context takeover): inflate both with one context.
      const inflater = new Inflater(15);
      assert.deepEqual(Buffer.from(await inflater.inflate(whole, true, Infinity, "maxMessageSize")), data);
      const got = Buffer.concat([
        await inflater.inflate(part1, false, Infinity, "maxMessageSize"),
        await inflater.inflate(part2, true, Infinity, "maxMessageSize"),
      ]);
      inflater.close();
      assert.deepEqual(got, data);
    } finally {
      deflater.close();
    }
  });

  test("an empty message compresses to the single byte 0x00 (RFC 7692 §7.2.3.6)", async () => {
    const deflater = new Deflater(6, 15, false);
    assert.deepEqual([...(await deflater.deflate(new Uint8Array(0), true))], [0x00]);
    deflater.close();
  });

  for (const [path, size] of [["at once", 100], ["on the thread pool", 100_000]] as const) {
    test(`an empty message after another, or an empty last fragment, is 0x00 too (deflated ${path})`, async () => {
      for (const noContextTakeover of [false, true]) {
        const deflater = new Deflater(6, 15, noContextTakeover);
        const inflater = new Inflater(15);
        const data = pattern(size);
        try {
          const sent = [await deflater.deflate(data, true), await deflater.deflate(new Uint8Array(0), true)];
          assert.deepEqual([...sent[1]], [0x00]);
          sent.push(await deflater.deflate(data, false), await deflater.deflate(new Uint8Array(0), true), await deflater.deflate(data, true));
          assert.deepEqual([...sent[3]], [0x00]);
          const got = [];
          for (const [i, payload] of sent.entries()) got.push(Buffer.from(await inflater.inflate(payload, i !== 2, Infinity, "maxMessageSize")));
          assert.deepEqual(got.map((b) => b.length), [size, 0, size, 0, size]);
          assert.ok(got[4].equals(data));
        } finally {
          deflater.close();
          inflater.close();
        }
      }
    });
  }

  test("no context takeover: every message inflates on its own", async () => {
    const deflater = new Deflater(6, 15, true);
    const text = "no context takeover ".repeat(20);
    const first = await deflater.deflate(Buffer.from(text), true);
    const second = await deflater.deflate(Buffer.from(text), true);
    deflater.close();
    assert.deepEqual(Buffer.from(second), Buffer.from(first));
    assert.equal(decompress(second).toString(), text);
  });

  test("window bits 9 to 15; 8 cannot be honoured by zlib", () => {
    assert.throws(() => new Deflater(6, 8, false), RangeError);
    new Deflater(6, 9, false).close();
  });

  test("compressing a large message does not block the event loop", async () => {
    const deflater = new Deflater(9, 15, false);
    const inflater = new Inflater(15);
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    const ticker = setInterval(() => {}, 1);
    const data = pattern(32 << 20);
    const started = performance.now();
    try {
      const compressed = await deflater.deflate(data, true);
      const back = await inflater.inflate(compressed, true, Infinity, "maxMessageSize");
      assert.equal(back.length, data.length);
    } finally {
      clearInterval(ticker);
      histogram.disable();
      deflater.close();
      inflater.close();
    }
    const elapsed = performance.now() - started;
    const maxMillis = histogram.max / 1e6;
    // Done synchronously, the loop would stall for about the whole time (mostly the level-9 deflate).
    assert.ok(maxMillis < Math.min(300, elapsed / 3), `the event loop stalled ${maxMillis.toFixed(0)} ms of ${elapsed.toFixed(0)} ms`);
  });

  test("streams are counted while open and released by close()", async () => {
    const before = liveZlibStreams();
    const deflater = new Deflater(6, 15, false);
    const inflater = new Inflater(15);
    assert.equal(liveZlibStreams(), before, "opened on first use only");
    await inflater.inflate(await deflater.deflate(Buffer.from("x"), true), true, Infinity, "maxMessageSize");
    assert.equal(liveZlibStreams(), before + 2);
    deflater.close();
    inflater.close();
    assert.equal(liveZlibStreams(), before);
  });
});
