// `kite connect -b raw` and `-0`: bytes in, bytes out; NUL-separated records; one message per line.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWsPeer } from "../helpers/ws-peer.js";
import { killAll, runKiteWithFiles, spawnKite } from "./kite-process.js";

const TEST = { timeout: 60_000 };
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "kite-binary-"))));
after(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe("kite connect -b raw", () => {
  it("a 10 MiB random file round-trips byte for byte through the ws package's echo server", TEST, async () => {
    const sizes: number[] = [];
    const peer = await startWsPeer((socket) => socket.on("message", (data: Buffer, isBinary) => {
      sizes.push(data.length);
      assert.ok(isBinary, "raw input is sent as Binary messages");
      socket.send(data, { binary: true });
    }));
    try {
      const original = randomBytes(10 * 1024 * 1024);
      writeFileSync(join(dir, "in.bin"), original);
      const { code, stderr } = await runKiteWithFiles(["-b", "raw", `${peer.url}/echo`], join(dir, "in.bin"), join(dir, "out.bin"));
      assert.equal(code, 0, stderr);
      const copy = readFileSync(join(dir, "out.bin"));
      assert.equal(copy.length, original.length);
      assert.equal(sha256(copy), sha256(original));
      // One message per read, each at most --chunk (64 KiB by default).
      assert.ok(sizes.length >= 160, `${sizes.length} messages`);
      assert.ok(Math.max(...sizes) <= 64 * 1024, `largest ${Math.max(...sizes)}`);
    } finally {
      await peer.close();
    }
  });

  it("--chunk bounds each message; received text is written as its bytes, with nothing added", TEST, async () => {
    const sizes: number[] = [];
    const peer = await startWsPeer((socket) => {
      socket.on("message", (data: Buffer) => sizes.push(data.length));
      socket.send("text\nas is");
      socket.send(Buffer.from([0, 1, 2, 0xff]), { binary: true });
    });
    try {
      writeFileSync(join(dir, "small.bin"), randomBytes(10_000));
      const { code, stderr } = await runKiteWithFiles(["-b", "raw", "--chunk", "1k", "-w", "300ms", peer.url], join(dir, "small.bin"), join(dir, "small.out"));
      assert.equal(code, 0, stderr);
      assert.equal(sizes.reduce((a, b) => a + b, 0), 10_000);
      assert.ok(Math.max(...sizes) <= 1024, `largest ${Math.max(...sizes)}`);
      assert.deepEqual([...readFileSync(join(dir, "small.out"))], [...Buffer.from("text\nas is"), 0, 1, 2, 0xff]);
    } finally {
      await peer.close();
    }
  });
});

describe("kite connect: one message, one record", () => {
  it("in a pipe a received message's newlines are escaped, so each message is one line", TEST, async () => {
    const peer = await startWsPeer((socket) => {
      socket.send("two\nlines");
      socket.send("cr\r\nlf");
      socket.send("plain");
    });
    try {
      const kite = spawnKite(["-w", "300ms", peer.url]);
      kite.end();
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.equal(kite.stdout, "two\\nlines\ncr\\r\\nlf\nplain\n");
    } finally {
      await peer.close();
    }
  });

  it("-0 reads NUL-separated messages (newlines inside kept) and writes each message NUL-terminated", TEST, async () => {
    const received: string[] = [];
    const peer = await startWsPeer((socket) => socket.on("message", (data) => {
      received.push(String(data));
      socket.send(String(data));
    }));
    try {
      const kite = spawnKite(["-0", peer.url]);
      kite.end("first\nline\0second\0last without NUL");
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.deepEqual(received, ["first\nline", "second", "last without NUL"]);
      assert.equal(kite.stdout, "first\nline\0second\0last without NUL\0");
    } finally {
      await peer.close();
    }
  });
});
