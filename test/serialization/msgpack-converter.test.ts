// MessagePackConverter without sockets: the wire format against byte vectors written out by hand from
// the MessagePack specification (github.com/msgpack/msgpack/blob/master/spec.md), errors, options,
// its public types, and that nothing but its own subpath loads @msgpack/msgpack.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expectTypeOf } from "expect-type";
import { ExtensionCodec, decode } from "@msgpack/msgpack";
import { Frame, JsonConverter, type WebSocketContentConverter } from "../../src/index.js";
import { MessagePackConverter, type MessagePackConverterOptions } from "../../src/serialization/msgpack/index.js";
import { deserializeFrame } from "../../src/serialization/frame-conversion.js";
import { DeserializationError } from "../../src/serialization/serialization-errors.js";

/** Bytes from hex pairs, spaces ignored: `hex("81 a1 61 01")`. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  assert.equal(digits.length % 2, 0, `whole bytes in ${text}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

const repeat = (pair: string, count: number): string => ` ${pair}`.repeat(count);
const bytes = (count: number, byte: number): Uint8Array => new Uint8Array(count).fill(byte);

/**
 * Value, and the bytes the specification gives for it in its shortest format (the one an encoder
 * picks). Every entry is checked both ways: encoding gives exactly these bytes, decoding them gives
 * the value back.
 */
const SPEC_VECTORS: readonly (readonly [name: string, value: unknown, wire: string])[] = [
  ["positive fixint 0 (0xxxxxxx)", 0, "00"],
  ["positive fixint 127", 127, "7f"],
  ["negative fixint -1 (111xxxxx)", -1, "ff"],
  ["negative fixint -32", -32, "e0"],
  ["uint 8 (0xcc) 200", 200, "cc c8"],
  ["uint 16 (0xcd) 1000", 1000, "cd 03 e8"],
  ["uint 32 (0xce) 70000", 70_000, "ce 00 01 11 70"],
  ["int 8 (0xd0) -100", -100, "d0 9c"],
  ["int 16 (0xd1) -1000", -1000, "d1 fc 18"],
  ["nil (0xc0)", null, "c0"],
  ["false (0xc2)", false, "c2"],
  ["true (0xc3)", true, "c3"],
  ["float 64 (0xcb) 1.5", 1.5, "cb 3f f8 00 00 00 00 00 00"],
  ["float 64 -0.1", -0.1, "cb bf b9 99 99 99 99 99 9a"],
  ["fixstr empty (101xxxxx)", "", "a0"],
  ["fixstr abc", "abc", "a3 61 62 63"],
  ["fixstr counts UTF-8 bytes, not characters: é", "é", "a2 c3 a9"],
  ["str 8 (0xd9) of 32 bytes", "x".repeat(32), "d9 20" + repeat("78", 32)],
  ["fixarray (1001xxxx)", [1, 2, 3], "93 01 02 03"],
  ["fixarray empty", [], "90"],
  ["fixmap (1000xxxx)", { a: 1 }, "81 a1 61 01"],
  ["fixmap empty", {}, "80"],
  ["the spec's example {compact: true, schema: 0}", { compact: true, schema: 0 }, "82 a7 63 6f 6d 70 61 63 74 c3 a6 73 63 68 65 6d 61 00"],
  ["nested maps and arrays", { a: [1, { b: null }], c: { d: [] } }, "82 a1 61 92 01 81 a1 62 c0 a1 63 81 a1 64 90"],
  ["bin 8 (0xc4)", new Uint8Array([1, 2, 3]), "c4 03 01 02 03"],
  ["bin 8 empty", new Uint8Array(0), "c4 00"],
  ["bin 16 (0xc5) of 256 bytes", bytes(256, 0xab), "c5 01 00" + repeat("ab", 256)],
  ["bin inside a map", { id: 7, blob: new Uint8Array([0xde, 0xad]) }, "82 a2 69 64 07 a4 62 6c 6f 62 c4 02 de ad"],
  ["array 16 (0xdc) of 16 items", Array.from({ length: 16 }, () => 0), "dc 00 10" + repeat("00", 16)],
  ["timestamp 32 (fixext 4, type -1)", new Date(1_700_000_000_000), "d6 ff 65 53 f1 00"],
];

/** Formats an encoder may use but ours does not pick (not the shortest): read them all the same. */
const DECODE_ONLY_VECTORS: readonly (readonly [name: string, wire: string, value: unknown])[] = [
  ["uint 8 holding a fixint's value", "cc 05", 5],
  ["float 32 (0xca) 1.5", "ca 3f c0 00 00", 1.5],
  ["str 8 holding one byte", "d9 01 61", "a"],
  ["array 16 holding two items", "dc 00 02 01 02", [1, 2]],
  ["map 16 holding one entry", "de 00 01 a1 61 c0", { a: null }],
  ["uint 64 (0xcf) 2^32", "cf 00 00 00 01 00 00 00 00", 2 ** 32],
  ["int 64 (0xd3) -1", "d3 ff ff ff ff ff ff ff ff", -1],
  ["bin 32 (0xc6) of one byte", "c6 00 00 00 01 ff", new Uint8Array([0xff])],
  ["str 16 (0xda) of 3 bytes", "da 00 03 61 62 63", "abc"],
];

const binary = (wire: string | Uint8Array): Frame.Binary => new Frame.Binary(typeof wire === "string" ? hex(wire) : wire);

describe("MessagePackConverter: the wire format", () => {
  const converter = new MessagePackConverter();

  for (const [name, value, wire] of SPEC_VECTORS) {
    test(`encodes ${name} as the spec's bytes, and decodes them back`, () => {
      const frame = converter.serialize(value);
      assert.ok(frame instanceof Frame.Binary, "a Binary frame");
      assert.equal(frame.fin, true);
      assert.deepEqual(frame.data, hex(wire));
      assert.deepEqual(converter.deserialize(binary(wire)), value);
    });
  }

  for (const [name, wire, value] of DECODE_ONLY_VECTORS) {
    test(`decodes ${name}`, () => {
      assert.deepEqual(converter.deserialize(binary(wire)), value);
    });
  }

  test("the frame holds the encoder's output itself: a buffer of its own, not a view of a shared one", () => {
    const first = converter.serialize({ n: 1 });
    const second = converter.serialize({ n: 2 });
    assert.equal(first.data.byteOffset, 0);
    assert.equal(first.data.buffer.byteLength, first.data.byteLength, "no larger buffer behind it");
    assert.notEqual(first.data.buffer, second.data.buffer, "a later encode does not overwrite an earlier frame");
    assert.deepEqual(first.data, hex("81 a1 6e 01"));
  });

  test("reads a frame whose payload is a Buffer view into a larger buffer (as CIO's received frames are)", () => {
    const chunk = Buffer.from(hex("ff ff 81 a1 61 c4 02 09 08 ff"));
    const frame = new Frame.Binary(chunk.subarray(2, 9));
    const value = converter.deserialize(frame) as { a: Uint8Array };
    assert.deepEqual(value, { a: new Uint8Array([9, 8]) });
    assert.equal(Object.getPrototypeOf(value.a), Uint8Array.prototype, "a plain Uint8Array, not a Buffer");
    assert.equal(value.a.buffer, chunk.buffer, "bin values are views of the frame's payload, not copies");
  });

  test("isApplicable: Binary frames only", () => {
    assert.equal(converter.isApplicable(new Frame.Binary(hex("c0"))), true);
    assert.equal(converter.isApplicable(new Frame.Text("c0")), false);
    assert.equal(converter.isApplicable(new Frame.Ping()), false);
    assert.equal(converter.isApplicable(new Frame.Close()), false);
  });
});

describe("MessagePackConverter: errors", () => {
  const converter = new MessagePackConverter();

  test("a value MessagePack cannot represent throws a TypeError naming the problem", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [value, detail] of [
      [{ callback: () => 1 }, /Function/],
      [Symbol("s"), /Symbol/],
      [10n, /BigInt/],
      [cyclic, /depth/],
    ] as const) {
      assert.throws(
        () => converter.serialize(value),
        (error: unknown) =>
          error instanceof TypeError && /^MessagePack cannot encode this value: /.test(error.message) && detail.test(error.message) && error.cause instanceof Error,
      );
    }
  });

  for (const [name, wire] of [
    ["a type byte the spec never uses (0xc1)", "c1"],
    ["an array cut short", "92 01"],
    ["a str 8 longer than the frame", "d9 05 61"],
    ["an empty payload", ""],
    ["two values in one frame", "01 02"],
    ["a map key that is itself a map", "81 80 01"],
  ] as const) {
    test(`a frame holding ${name} gives DeserializationError with the frame, through receiveDeserialized's path`, () => {
      const frame = binary(wire);
      assert.throws(() => converter.deserialize(frame), (error: unknown) => error instanceof TypeError && /^Not a valid MessagePack value/.test(error.message));
      assert.throws(
        () => deserializeFrame(converter, frame),
        (error: unknown) =>
          error instanceof DeserializationError &&
          error.frame === frame &&
          /Frame could not be deserialized: Not a valid MessagePack value/.test(error.message) &&
          error.cause instanceof TypeError,
      );
    });
  }

  test("a Text frame is not read: DeserializationError through receiveDeserialized's path, TypeError from deserialize", () => {
    const frame = new Frame.Text("{}");
    assert.throws(() => deserializeFrame(converter, frame), (error: unknown) => error instanceof DeserializationError && error.frame === frame);
    assert.throws(() => converter.deserialize(frame), /Binary frames only/);
  });

  test("the decoder's limits apply: maxStrLength", () => {
    const limited = new MessagePackConverter({ maxStrLength: 4 });
    assert.equal(limited.deserialize(binary("a4 61 62 63 64")), "abcd");
    assert.throws(() => limited.deserialize(binary("a5 61 62 63 64 65")), /Not a valid MessagePack value.*max length/i);
  });
});

describe("MessagePackConverter: options reach @msgpack/msgpack", () => {
  test("useBigInt64: bigint as uint 64 / int 64 and back", () => {
    const converter = new MessagePackConverter({ useBigInt64: true });
    assert.deepEqual(converter.serialize(2n ** 40n).data, hex("cf 00 00 01 00 00 00 00 00"));
    assert.deepEqual(converter.serialize(-2n).data, hex("d3 ff ff ff ff ff ff ff fe"));
    assert.equal(converter.deserialize(binary("cf 00 00 01 00 00 00 00 00")), 2n ** 40n);
    assert.equal(new MessagePackConverter().deserialize(binary("cf 00 00 01 00 00 00 00 00")), 2 ** 40, "a number without it");
  });

  test("an extension codec, with its context, in both directions", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    interface Units {
      scale: number;
      seen: string[];
    }
    const codec = new ExtensionCodec<Units>();
    codec.register({
      type: 7,
      encode: (input, units) => {
        if (!(input instanceof Point)) return null;
        units.seen.push("encode");
        return new Uint8Array([input.x * units.scale, input.y * units.scale]);
      },
      decode: (data, _type, units) => {
        units.seen.push("decode");
        return new Point(data[0] / units.scale, data[1] / units.scale);
      },
    });
    const units: Units = { scale: 2, seen: [] };
    const converter = new MessagePackConverter({ extensionCodec: codec, context: units });
    // fixext 2 (0xd5), type 7, the two scaled bytes: inside a fixmap.
    assert.deepEqual(converter.serialize({ p: new Point(3, 4) }).data, hex("81 a1 70 d5 07 06 08"));
    assert.deepEqual(converter.deserialize(binary("81 a1 70 d5 07 06 08")), { p: new Point(3, 4) });
    assert.deepEqual(units.seen, ["encode", "decode"]);
  });

  test("sortKeys and ignoreUndefined", () => {
    const converter = new MessagePackConverter({ sortKeys: true, ignoreUndefined: true });
    assert.deepEqual(converter.serialize({ b: 1, a: 2, u: undefined }).data, hex("82 a1 61 02 a1 62 01"));
  });
});

describe("MessagePackConverter: its public types", () => {
  test("are a WebSocketContentConverter with no any in them, and infer the codec's context", () => {
    expectTypeOf<MessagePackConverter>().toMatchTypeOf<WebSocketContentConverter>();
    expectTypeOf<MessagePackConverter["serialize"]>().returns.toEqualTypeOf<Frame.Binary>();
    expectTypeOf<MessagePackConverter["deserialize"]>().returns.toBeUnknown();
    expectTypeOf<MessagePackConverterOptions>().not.toBeAny();
    expectTypeOf<MessagePackConverterOptions["useBigInt64"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<MessagePackConverterOptions["maxStrLength"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ConstructorParameters<typeof MessagePackConverter>[0]>().not.toBeAny();

    const codec = new ExtensionCodec<{ scale: number }>();
    const withContext = new MessagePackConverter({ extensionCodec: codec, context: { scale: 1 } });
    expectTypeOf(withContext).toEqualTypeOf<MessagePackConverter<{ scale: number }>>();
    // @ts-expect-error -- a codec that takes a context needs one
    new MessagePackConverter({ extensionCodec: codec });
    // @ts-expect-error -- of the codec's type
    new MessagePackConverter({ extensionCodec: codec, context: { scale: "1" } });
    // @ts-expect-error -- options are checked: no such option
    new MessagePackConverter({ useBigInt: true });
  });

  test("fits where JsonConverter does", () => {
    const converters: WebSocketContentConverter[] = [new JsonConverter(), new MessagePackConverter()];
    assert.equal(converters.length, 2);
  });

  test("decodes what @msgpack/msgpack's own decode reads identically", () => {
    const value = { list: [1, "two", 3.5, null, true], nested: { bin: new Uint8Array([1]) } };
    assert.deepEqual(decode(new MessagePackConverter().serialize(value).data), value);
  });
});

describe("the package root does not load @msgpack/msgpack", () => {
  // The compiled sources next to this compiled test (build-something/src/).
  const compiledSrc = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

  /** Every file reachable from `entry` through relative imports, and every bare specifier they import. */
  function graph(entry: string): { files: string[]; bare: Set<string> } {
    const files: string[] = [];
    const bare = new Set<string>();
    const pending = [entry];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (files.includes(file)) continue;
      files.push(file);
      for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
        if (fileName.startsWith("./") || fileName.startsWith("../")) pending.push(resolve(dirname(file), fileName));
        else bare.add(fileName);
      }
    }
    return { files, bare };
  }

  for (const entry of ["index.js", "browser.js", "server/index.js", "testing/index.js", "engine/ws/index.js", "engine/platform/index.js"]) {
    test(`nor does kite-ws's ${entry}`, (t) => {
      const path = resolve(compiledSrc, entry);
      if (!existsSync(path)) return t.skip(`${entry} is not compiled here`);
      const { files, bare } = graph(path);
      assert.ok(![...bare].some((specifier) => specifier.startsWith("@msgpack/")), `bare imports: ${[...bare].join(", ")}`);
      const reached = files.map((file) => relative(compiledSrc, file).replaceAll("\\", "/"));
      assert.ok(!reached.some((file) => file.startsWith("serialization/msgpack/")), reached.join(", "));
    });
  }

  test("while the subpath does, and exports only the converter", async () => {
    const { bare } = graph(resolve(compiledSrc, "serialization/msgpack/index.js"));
    assert.ok(bare.has("@msgpack/msgpack"));
    const module: Record<string, unknown> = await import("../../src/serialization/msgpack/index.js");
    assert.deepEqual(Object.keys(module), ["MessagePackConverter"]);
  });
});
