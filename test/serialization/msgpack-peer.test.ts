// MessagePackConverter over real sockets on 127.0.0.1, against peers that speak MessagePack on their
// own: a `ws` server and a `ws` client that encode and decode with @msgpack/msgpack directly. What
// crosses the wire is compared with bytes written out by hand from the MessagePack specification.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { WebSocket, type RawData } from "ws";
import { ExtensionCodec, decode, encode } from "@msgpack/msgpack";
import {
  CIO,
  CloseReason,
  DeserializationError,
  Frame,
  HttpClient,
  WebSockets,
  type DefaultWebSocketSession,
  type WebSocketContentConverter,
} from "../../src/index.js";
import { serve } from "../../src/server/index.js";
import { MessagePackConverter, type MessagePackConverterOptions } from "../../src/serialization/msgpack/index.js";
import { startWsPeer, within, type WsPeer } from "../helpers/ws-peer.js";

const T = { timeout: 30_000 };

/** Bytes from hex pairs, spaces ignored: `hex("81 a1 61 01")`. */
function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** A message from `ws` as a plain Uint8Array (not a Buffer), so what @msgpack/msgpack decodes from it holds plain Uint8Arrays too. */
function toBytes(data: RawData): Uint8Array {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** What the peer got: the raw payload, its frame type, and what @msgpack/msgpack made of it. */
interface Received {
  readonly bytes: Uint8Array;
  readonly isBinary: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

interface MsgpackPeer {
  readonly peer: WsPeer;
  readonly received: Received[];
}

/** How the peer encodes and decodes: @msgpack/msgpack's own functions, with options of the test's choosing. */
interface PeerCodec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * A `ws` server that decodes every binary message with @msgpack/msgpack and, when `answer` is set,
 * answers `{ echo: value, size }` (or `{ error }`), encoded with @msgpack/msgpack.
 */
async function startMsgpackPeer(answer = true, codec: PeerCodec = { encode: (value) => encode(value), decode: (bytes) => decode(bytes) }): Promise<MsgpackPeer> {
  const received: Received[] = [];
  const peer = await startWsPeer((socket) => {
    socket.on("message", (data, isBinary) => {
      const bytes = toBytes(data);
      let entry: Received;
      if (!isBinary) entry = { bytes, isBinary, error: "a text frame" };
      else {
        try {
          entry = { bytes, isBinary, value: codec.decode(bytes) };
        } catch (error) {
          entry = { bytes, isBinary, error: (error as Error).message };
        }
      }
      received.push(entry);
      if (!answer) return;
      const reply = entry.error === undefined ? { echo: entry.value, size: bytes.length } : { error: entry.error };
      socket.send(codec.encode(reply), { binary: true });
    });
  });
  return { peer, received };
}


const receive = <T = unknown>(session: DefaultWebSocketSession): Promise<T> => within(session.receiveDeserialized<T>(), 10_000, "a message");

/** Runs `block` in a session to `url` with a MessagePack client, then closes everything. */
async function withSession<R>(
  url: string,
  block: (session: DefaultWebSocketSession) => Promise<R>,
  converter: WebSocketContentConverter = new MessagePackConverter(),
): Promise<R> {
  const client = new HttpClient(CIO, (config) =>
    config.install(WebSockets, (ws) => {
      ws.contentConverter = converter;
    }),
  );
  try {
    return await within(client.webSocket(url, block), 20_000, "the session");
  } finally {
    client.close();
  }
}

interface Units {
  readonly scale: number;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe("MessagePackConverter against a ws peer that speaks MessagePack", () => {
  test("client → peer: the spec's bytes on the wire, nested maps, arrays and binary values, and the peer's answers back", T, async () => {
    const { peer, received } = await startMsgpackPeer();
    try {
      await withSession(peer.url, async (session) => {
        // The spec's own example, and a map holding a bin 8: byte for byte, in a Binary frame.
        await session.sendSerialized({ compact: true, schema: 0 });
        assert.deepEqual(await receive(session), { echo: { compact: true, schema: 0 }, size: 18 });
        assert.deepEqual([...received[0].bytes], [...hex("82 a7 63 6f 6d 70 61 63 74 c3 a6 73 63 68 65 6d 61 00")]);
        assert.equal(received[0].isBinary, true);
        assert.deepEqual(received[0].value, { compact: true, schema: 0 });
        await session.sendSerialized({ id: 7, blob: new Uint8Array([0xde, 0xad]) });
        await receive(session);
        assert.deepEqual([...received[1].bytes], [...hex("82 a2 69 64 07 a4 62 6c 6f 62 c4 02 de ad")]);

        const nested = {
          user: { name: "Ada", tags: ["x", "y", ""], avatar: new Uint8Array(randomBytes(300)), since: new Date(1_700_000_000_000) },
          matrix: [[1, 2], [3, [4, { five: 5, empty: {} }]], []],
          nothing: null,
          pi: 3.141592653589793,
          negative: -123_456,
          big: 2 ** 53 - 1,
          text: "héllo, wörld — ✓",
        };
        await session.sendSerialized(nested);
        const answer = await receive<{ echo: unknown; size: number }>(session);
        assert.deepEqual(received[2].value, nested, "the peer decoded what was sent");
        assert.deepEqual(answer.echo, nested, "and what it sent back decodes to the same");
        assert.equal(answer.size, received[2].bytes.length);
        assert.equal(received.length, 3);
        assert.ok(received.every((entry) => entry.isBinary));
      });
    } finally {
      await peer.close();
    }
  });

  test("peer → client: frames written by hand from the spec decode, in every format an encoder may pick", T, async () => {
    const { peer } = await startMsgpackPeer(false);
    try {
      const vectors: [string, unknown][] = [
        ["81 a1 61 01", { a: 1 }],
        ["82 a1 61 92 01 81 a1 62 c0 a1 63 81 a1 64 90", { a: [1, { b: null }], c: { d: [] } }],
        ["c4 03 01 02 03", new Uint8Array([1, 2, 3])],
        ["81 a3 62 69 6e c5 00 02 ff 00", { bin: new Uint8Array([0xff, 0x00]) }],
        ["cb 3f f8 00 00 00 00 00 00", 1.5],
        ["ca 3f c0 00 00", 1.5],
        ["cc 05", 5],
        ["d9 01 61", "a"],
        ["de 00 01 a1 61 dc 00 02 c2 c3", { a: [false, true] }],
        ["d6 ff 65 53 f1 00", new Date(1_700_000_000_000)],
      ];
      await withSession(peer.url, async (session) => {
        const { socket } = await peer.nextConnection();
        for (const [wire] of vectors) socket.send(hex(wire), { binary: true });
        for (const [wire, value] of vectors) assert.deepEqual(await receive(session), value, wire);
      });
    } finally {
      await peer.close();
    }
  });

  test("large messages (> 64 KiB) both ways, and one the peer sends in fragments", T, async () => {
    const { peer, received } = await startMsgpackPeer();
    try {
      const blob = new Uint8Array(randomBytes(200_000));
      const value = { blob, items: Array.from({ length: 5_000 }, (_, i) => ({ i, s: `item-${i}` })) };
      await withSession(peer.url, async (session) => {
        await session.sendSerialized(value);
        const answer = await receive<{ echo: typeof value; size: number }>(session);
        // fixmap of 2, "blob", then bin 32 (0xc6) with the length 200000 = 0x00030d40.
        assert.deepEqual([...received[0].bytes.subarray(0, 11)], [...hex("82 a4 62 6c 6f 62 c6 00 03 0d 40")]);
        assert.ok(received[0].bytes.length > 250_000, `${received[0].bytes.length} bytes`);
        assert.deepEqual(received[0].value, value);
        assert.deepEqual(answer.echo, value);

        // 300 KB in three frames (Binary, Continuation, Continuation): one message once reassembled.
        const { socket } = await peer.nextConnection();
        const big = encode({ parts: [new Uint8Array(randomBytes(150_000)), "x".repeat(150_000)] });
        const third = Math.floor(big.length / 3);
        socket.send(big.subarray(0, third), { binary: true, fin: false });
        socket.send(big.subarray(third, 2 * third), { binary: true, fin: false });
        socket.send(big.subarray(2 * third), { binary: true, fin: true });
        assert.deepEqual(await receive(session), decode(big));
      });
    } finally {
      await peer.close();
    }
  });

  test("a frame that does not decode gives DeserializationError, and the session stays usable", T, async () => {
    const { peer, received } = await startMsgpackPeer(false);
    try {
      await withSession(peer.url, async (session) => {
        const { socket } = await peer.nextConnection();
        socket.send(hex("c1"), { binary: true }); // a type byte the spec never uses
        socket.send(hex("92 01"), { binary: true }); // an array of 2 that holds 1
        socket.send("hello", { binary: false }); // a Text frame: not MessagePack
        socket.send(hex("81 a1 61 01"), { binary: true });
        for (const [payload, FrameClass] of [
          [hex("c1"), Frame.Binary],
          [hex("92 01"), Frame.Binary],
          [new TextEncoder().encode("hello"), Frame.Text],
        ] as const) {
          await assert.rejects(receive(session), (error: unknown) => {
            assert.ok(error instanceof DeserializationError, String(error));
            assert.ok(error.frame instanceof FrameClass);
            assert.deepEqual([...error.frame.data], [...payload]);
            return true;
          });
        }
        assert.deepEqual(await receive(session), { a: 1 });
        // Still usable both ways.
        await session.sendSerialized(["still", "here"]);
        await within(
          (async () => {
            while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          })(),
          5_000,
          "the peer to receive",
        );
        assert.deepEqual(received[0].value, ["still", "here"]);
        socket.send(encode({ bye: true }), { binary: true });
        assert.deepEqual(await receive(session), { bye: true });
      });
      const { closed } = peer.connections[0];
      assert.deepEqual(await within(closed, 5_000, "the close"), { code: CloseReason.Codes.NORMAL, reason: "" });
    } finally {
      await peer.close();
    }
  });

  test("a value that cannot be encoded: sendSerialized rejects with a TypeError, and nothing is sent", T, async () => {
    const { peer, received } = await startMsgpackPeer();
    try {
      await withSession(peer.url, async (session) => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        for (const bad of [{ callback: () => 1 }, [1, Symbol("s")], { id: 10n }, cyclic]) {
          await assert.rejects(session.sendSerialized(bad), (error: unknown) => error instanceof TypeError && /MessagePack cannot encode this value/.test(error.message));
        }
        await session.sendSerialized({ ok: 1 });
        assert.deepEqual(await receive(session), { echo: { ok: 1 }, size: 5 });
        assert.equal(received.length, 1, "only the good message reached the peer");
        assert.deepEqual([...received[0].bytes], [...hex("81 a2 6f 6b 01")]);
      });
    } finally {
      await peer.close();
    }
  });

  test("options on both sides: useBigInt64 and an extension codec with a context", T, async () => {
    const codec = new ExtensionCodec<Units>();
    codec.register({
      type: 1,
      encode: (input, units) => (input instanceof Point ? new Uint8Array([input.x * units.scale, input.y * units.scale]) : null),
      decode: (data, _type, units) => new Point(data[0] / units.scale, data[1] / units.scale),
    });
    const options: MessagePackConverterOptions<Units> = { useBigInt64: true, extensionCodec: codec, context: { scale: 10 } };
    const { peer, received } = await startMsgpackPeer(true, {
      encode: (value) => encode(value, options),
      decode: (bytes) => decode(bytes, options),
    });
    try {
      await withSession(
        peer.url,
        async (session) => {
          await session.sendSerialized({ n: 2n ** 60n, p: new Point(1, 2) });
          const answer = await receive(session);
          // fixmap 2; "n", uint 64 2^60; "p", fixext 2 of type 1 holding the scaled bytes 10, 20.
          assert.deepEqual([...received[0].bytes], [...hex("82 a1 6e cf 10 00 00 00 00 00 00 00 a1 70 d5 01 0a 14")]);
          assert.deepEqual(received[0].value, { n: 2n ** 60n, p: new Point(1, 2) });
          assert.deepEqual(answer, { echo: { n: 2n ** 60n, p: new Point(1, 2) }, size: 18 });
        },
        new MessagePackConverter(options),
      );
    } finally {
      await peer.close();
    }
  });
});

describe("MessagePackConverter on a kite-ws server", () => {
  test("a ws client speaking MessagePack, and a kite-ws client, talk to a kite-ws server using the converter", T, async () => {
    const server = await serve({ host: "127.0.0.1", port: 0, contentConverter: new MessagePackConverter() }, (routes) => {
      routes.webSocket("/rpc", async (session) => {
        for (;;) {
          let request: { op: string; args: number[] };
          try {
            request = await session.receiveDeserialized();
          } catch (error) {
            if (error instanceof DeserializationError) {
              await session.sendSerialized({ error: "not MessagePack" });
              continue;
            }
            return; // the client closed
          }
          await session.sendSerialized({ op: request.op, result: request.args.reduce((a, b) => a + b, 0), raw: new Uint8Array(request.args) });
        }
      });
    });
    const socket = new WebSocket(`${server.url}/rpc`);
    try {
      // The ws client: encodes and decodes with @msgpack/msgpack itself.
      const answers: unknown[] = [];
      socket.on("message", (data, isBinary) => answers.push(isBinary ? decode(toBytes(data)) : `text: ${String(data)}`));
      await within(new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject)), 5_000, "the ws client to connect");
      socket.send(encode({ op: "sum", args: [1, 2, 3] }));
      socket.send(hex("c1"));
      socket.send(hex("82 a2 6f 70 a3 73 75 6d a4 61 72 67 73 92 05 06")); // {op: "sum", args: [5, 6]}, by hand
      await within(
        (async () => {
          while (answers.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
        })(),
        10_000,
        "three answers",
      );
      assert.deepEqual(answers, [
        { op: "sum", result: 6, raw: new Uint8Array([1, 2, 3]) },
        { error: "not MessagePack" },
        { op: "sum", result: 11, raw: new Uint8Array([5, 6]) },
      ]);

      // And kite-ws's own client, with the same converter on its side.
      const answer = await withSession(`${server.url}/rpc`, async (session) => {
        await session.sendSerialized({ op: "sum", args: [40, 2] });
        return receive(session);
      });
      assert.deepEqual(answer, { op: "sum", result: 42, raw: new Uint8Array([40, 2]) });
    } finally {
      socket.terminate();
      await server.close();
    }
  });
});
