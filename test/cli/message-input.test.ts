// Where `kite connect`'s messages come from: -x, -b raw chunks, -0 records.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { executeInput, nulInput, rawInput, type MessageInput } from "../../src/cli/message-input.js";

async function all(input: MessageInput): Promise<(string | Uint8Array)[]> {
  const items: (string | Uint8Array)[] = [];
  for (let item = await input.next(); item !== null; item = await input.next()) items.push(item);
  return items;
}

/** A stream that gives `chunks` one read each, then ends. */
function stream(chunks: (string | Uint8Array)[]): Readable {
  return Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
}

describe("message inputs", () => {
  test("-x: the messages in order, then the end; close() ends it early", async () => {
    assert.deepEqual(await all(executeInput(["a", "b"])), ["a", "b"]);
    const input = executeInput(["a", "b"]);
    assert.equal(await input.next(), "a");
    input.close();
    assert.equal(await input.next(), null);
  });

  test("-b raw: a read over the chunk size is cut; the bytes are all there, in order", async () => {
    const bytes = Uint8Array.from({ length: 2500 }, (_, i) => i % 251);
    const items = (await all(rawInput(stream([bytes.subarray(0, 2100), bytes.subarray(2100)]), 1000))) as Uint8Array[];
    assert.deepEqual(items.map((item) => item.length), [1000, 1000, 100, 400]);
    assert.deepEqual(Buffer.concat(items), Buffer.from(bytes));
  });

  test("-b raw: close() ends a pending read with null", async () => {
    const open = new PassThrough();
    const input = rawInput(open, 10);
    const pending = input.next();
    input.close();
    assert.equal(await pending, null);
  });

  test("-0: records split on NUL across and within chunks; empty records kept; text after the last NUL is one more", async () => {
    assert.deepEqual(await all(nulInput(stream(["a\nb\0c", "d\0\0", "e", "f\0g"]))), ["a\nb", "cd", "", "ef", "g"]);
    assert.deepEqual(await all(nulInput(stream(["only\0"]))), ["only"]);
    assert.deepEqual(await all(nulInput(stream([]))), []);
    // A record split inside a UTF-8 character is decoded whole.
    const snowman = Buffer.from("☃\0");
    assert.deepEqual(await all(nulInput(stream([snowman.subarray(0, 1), snowman.subarray(1)]))), ["☃"]);
  });
});
