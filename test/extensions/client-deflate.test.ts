// permessage-deflate on the client, against a raw server that writes exactly what each test needs.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { inflateRawSync, constants } from "node:zlib";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  CloseReason,
  WebSocketHandshakeError,
  type DefaultWebSocketSession,
  type WebSocketDeflateConfig,
  type WebSocketsConfig,
} from "../../src/index.js";
import { startRawServer, Op, type RawServer, type RawConnection } from "../helpers/raw-server.js";
import { within } from "../helpers/ws-peer.js";
import { compress, decompress, deflateClient, zipBomb } from "./helpers.js";

const T = { timeout: 15_000 };
const RSV1 = 0x40;

/** Connects a deflate client to the raw server, which answers with `answer` as its Sec-WebSocket-Extensions (null: none). */
async function open(
  raw: RawServer,
  answer: string | null,
  configure?: (d: WebSocketDeflateConfig) => void,
  ws?: (ws: WebSocketsConfig) => void,
): Promise<{ conn: RawConnection; session: DefaultWebSocketSession; client: HttpClient; offer: string | null }> {
  const client = deflateClient(configure, ws);
  const pending = client.webSocketSession(raw.url);
  const conn = await raw.nextConnection();
  const request = await conn.accept({ headers: { "Sec-WebSocket-Extensions": answer } });
  return { conn, session: await pending, client, offer: request.headers.get("sec-websocket-extensions") };
}

/** What the client's handshake fails with when the server answers `answer`. */
async function refusal(raw: RawServer, answer: string, configure?: (d: WebSocketDeflateConfig) => void): Promise<WebSocketHandshakeError> {
  const client = deflateClient(configure);
  try {
    const pending = client.webSocketSession(raw.url).then(
      () => assert.fail("the handshake succeeded"),
      (error: unknown) => error,
    );
    const conn = await raw.nextConnection();
    await conn.accept({ headers: { "Sec-WebSocket-Extensions": answer } });
    const error = await within(pending, 5_000, "the handshake to fail");
    assert.ok(error instanceof WebSocketHandshakeError, `got ${String(error)}`);
    assert.equal(error.status, 101, "the error carries the response");
    await within(conn.closed, 5_000, "the client to close the socket");
    return error;
  } finally {
    client.close();
  }
}

function text(frame: Frame): string {
  assert.ok(frame instanceof Frame.Text, `expected Text, got ${String(frame)}`);
  return frame.readText();
}

describe("client: the offer", () => {
  test("by default: permessage-deflate; client_max_window_bits", T, async () => {
    const raw = await startRawServer();
    try {
      const { session, client, offer } = await open(raw, null);
      assert.equal(offer, "permessage-deflate; client_max_window_bits");
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("every setting is offered", T, async () => {
    const raw = await startRawServer();
    try {
      const { session, client, offer } = await open(raw, null, (d) => {
        d.clientNoContextTakeover = true;
        d.serverNoContextTakeover = true;
        d.clientMaxWindowBits = 12;
        d.serverMaxWindowBits = 10;
      });
      assert.equal(offer, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12");
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("a client without extensions offers none", T, async () => {
    const raw = await startRawServer();
    const client = new HttpClient(CIO, (config) => config.install(WebSockets));
    try {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      const request = await conn.accept();
      (await pending).terminate();
      assert.equal(request.headers.get("sec-websocket-extensions"), null);
    } finally {
      client.close();
      await raw.close();
    }
  });
});

describe("client: the server's answer (RFC 7692 §5.1)", () => {
  test("declined (no header): the session works uncompressed, session.extensions is empty", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, null);
      assert.deepEqual(session.extensions, []);
      await session.send("x".repeat(5000));
      const frame = await conn.readFrame();
      assert.equal(frame?.rsv, 0);
      assert.equal(frame?.payload.toString(), "x".repeat(5000));
      // RSV1 from the server is now a protocol error: nothing was negotiated.
      conn.sendFrame({ opcode: Op.TEXT, payload: compress("hi"), rsv: RSV1 });
      assert.equal((await conn.expectClose()).code, 1002);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.PROTOCOL_ERROR);
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("accepted: session.extensions lists the name and the parameters answered", T, async () => {
    const raw = await startRawServer();
    try {
      const { session, client } = await open(raw, "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
      assert.deepEqual(session.extensions, [{ name: "permessage-deflate", parameters: { server_no_context_takeover: true, client_max_window_bits: "10" } }]);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  const invalid: [string, RegExp, ((d: WebSocketDeflateConfig) => void)?][] = [
    ["permessage-deflate; unknown_param", /permessage-deflate answer is not acceptable: unknown parameter "unknown_param"/],
    ["permessage-deflate; server_max_window_bits=7", /server_max_window_bits=7 is not a window size/],
    ["permessage-deflate; server_max_window_bits=16", /server_max_window_bits=16 is not a window size/],
    ["permessage-deflate; server_max_window_bits=abc", /server_max_window_bits=abc is not a window size/],
    ["permessage-deflate; client_max_window_bits=16", /client_max_window_bits=16 is not a window size/],
    ["permessage-deflate; client_max_window_bits", /needs a value/],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", /server_no_context_takeover is repeated/],
    ["permessage-deflate; client_no_context_takeover=1", /takes no value/],
    ["permessage-deflate; client_max_window_bits=8", /256-byte window/],
    ["permessage-deflate; client_max_window_bits=12", /larger than the 10 offered/, (d) => (d.clientMaxWindowBits = 10)],
    ["permessage-deflate; server_max_window_bits=12", /larger than the 10 offered/, (d) => (d.serverMaxWindowBits = 10)],
    ["permessage-deflate, permessage-deflate", /answered extension "permessage-deflate" more than once/],
    ["x-webkit-deflate-frame", /extension "x-webkit-deflate-frame", which was not offered/],
    ["permessage-deflate; =1", /Sec-WebSocket-Extensions in the response is malformed/],
  ];
  for (const [answer, message, configure] of invalid) {
    test(`${answer}: the handshake fails`, T, async () => {
      const raw = await startRawServer();
      try {
        const error = await refusal(raw, answer, configure);
        assert.match(error.message, message);
      } finally {
        await raw.close();
      }
    });
  }
});

describe("client: each answered parameter is honoured", () => {
  test("client_no_context_takeover: each message is compressed on its own; without it, the second refers to the first", T, async () => {
    const raw = await startRawServer();
    try {
      const message = randomBytes(2000).toString("hex");
      for (const answer of ["permessage-deflate; client_no_context_takeover", "permessage-deflate"]) {
        const { conn, session, client } = await open(raw, answer);
        await session.send(message);
        await session.send(message);
        const first = (await conn.readFrame())!;
        const second = (await conn.readFrame())!;
        assert.equal(first.rsv, RSV1);
        assert.equal(second.rsv, RSV1);
        assert.equal(decompress(first.payload).toString(), message);
        if (answer.includes("client_no_context_takeover")) {
          assert.deepEqual(second.payload, first.payload, "the context was reset after the first message");
        } else {
          assert.ok(second.payload.length < first.payload.length / 10, `${second.payload.length} vs ${first.payload.length}`);
        }
        session.terminate();
        client.close();
      }
    } finally {
      await raw.close();
    }
  });

  test("client_max_window_bits=9: what we send inflates with a 512-byte window", T, async () => {
    const raw = await startRawServer();
    try {
      // A block repeated 600 bytes later: with a 32 KiB window the repeat is one back-reference that a
      // 512-byte window cannot reach.
      const block = randomBytes(300).toString("hex");
      const message = block + block;
      const { conn, session, client } = await open(raw, "permessage-deflate; client_max_window_bits=9");
      await session.send(message);
      const frame = (await conn.readFrame())!;
      const inflated = inflateRawSync(Buffer.concat([frame.payload, Buffer.from([0, 0, 0xff, 0xff])]), {
        windowBits: 9,
        finishFlush: constants.Z_SYNC_FLUSH,
        // A small output buffer, so zlib must read back through its 512-byte window (one big buffer would
        // let it copy from the output and accept any distance).
        chunkSize: 64,
      });
      assert.equal(inflated.toString(), message);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("server_max_window_bits and server_no_context_takeover: the server's messages inflate", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate; server_no_context_takeover; server_max_window_bits=9");
      const message = randomBytes(300).toString("hex").repeat(3);
      for (let i = 0; i < 3; i++) conn.sendFrame({ opcode: Op.TEXT, payload: compress(message, 9), rsv: RSV1 });
      for (let i = 0; i < 3; i++) assert.equal(text(await session.incoming.receive()), message);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });
});

describe("client: receiving compressed messages (RFC 7692 §6)", () => {
  test("one frame, fragments, a ping between fragments, and uncompressed messages, all in order", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      const big = randomBytes(200_000).toString("base64");
      const packed = compress(big);
      conn.sendFrame({ opcode: Op.TEXT, payload: compress("one"), rsv: RSV1 });
      conn.sendFrame({ opcode: Op.TEXT, payload: "two" });
      conn.sendFrame({ opcode: Op.TEXT, payload: packed.subarray(0, 1000), rsv: RSV1, fin: false });
      conn.sendFrame({ opcode: Op.PING, payload: "p" });
      conn.sendFrame({ opcode: Op.CONT, payload: packed.subarray(1000, 50_000), fin: false });
      conn.sendFrame({ opcode: Op.CONT, payload: packed.subarray(50_000), fin: true });
      conn.sendFrame({ opcode: Op.BINARY, payload: compress(Buffer.from([1, 2, 3])), rsv: RSV1 });
      conn.sendFrame({ opcode: Op.TEXT, payload: compress(""), rsv: RSV1 });
      conn.sendFrame({ opcode: Op.BINARY, payload: Buffer.from([9]) });
      assert.equal(text(await session.incoming.receive()), "one");
      assert.equal(text(await session.incoming.receive()), "two");
      assert.equal(text(await session.incoming.receive()), big);
      const binary = await session.incoming.receive();
      assert.ok(binary instanceof Frame.Binary);
      assert.deepEqual([...binary.data], [1, 2, 3]);
      assert.equal(binary.rsv1, false, "delivered frames carry no extension bits");
      assert.equal(text(await session.incoming.receive()), "");
      assert.deepEqual([...(await session.incoming.receive()).data], [9]);
      const pong = await conn.readFrame();
      assert.equal(pong?.opcode, Op.PONG);
      assert.equal(pong?.payload.toString(), "p");
      assert.equal(pong?.rsv, 0);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("many messages of mixed sizes, compressed or not, arrive in the order sent", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      const expected: string[] = [];
      const bytes: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        const message = `${i}:` + (i % 7 === 0 ? randomBytes(40_000).toString("hex") : "m".repeat(i));
        expected.push(message);
        const compressed = i % 3 !== 0;
        bytes.push(Buffer.from(encode(compressed ? compress(message) : Buffer.from(message), compressed)));
        if (i % 10 === 0) bytes.push(encode(Buffer.from(String(i)), false, Op.PING));
      }
      conn.write(Buffer.concat(bytes));
      for (const message of expected) assert.equal(text(await within(session.incoming.receive(), 5_000, "a message")), message);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("a slow reader: reading stops while incoming is full, and every compressed message still arrives in order", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate", undefined, (ws) => {
        ws.channels.incoming = { capacity: 2, onOverflow: "suspend" };
      });
      const expected = Array.from({ length: 2000 }, (_, i) => `${i} ${randomBytes(10_000).toString("hex")}`); // 40 MB: more than the socket buffers hold
      conn.write(Buffer.concat(expected.map((message, i) => encode(i % 2 === 0 ? compress(message) : Buffer.from(message), i % 2 === 0))));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(conn.socket.writableLength > 0, "the client stopped reading, so the server's writes queue up");
      for (const message of expected) assert.equal(text(await within(session.incoming.receive(), 5_000, "a message")), message);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("RSV1 on a continuation frame is a protocol error (1002)", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      const packed = compress("abcdef".repeat(100));
      conn.sendFrame({ opcode: Op.TEXT, payload: packed.subarray(0, 10), rsv: RSV1, fin: false });
      conn.sendFrame({ opcode: Op.CONT, payload: packed.subarray(10), rsv: RSV1 });
      assert.equal((await conn.expectClose()).code, 1002);
      const reason = await session.closeReason;
      assert.equal(reason?.code, 1002);
      assert.match(reason?.message ?? "", /continuation/);
      client.close();
    } finally {
      await raw.close();
    }
  });

  for (const [name, opcode] of [
    ["ping", Op.PING],
    ["pong", Op.PONG],
    ["close", Op.CLOSE],
  ] as const) {
    test(`RSV1 on a ${name} frame is a protocol error (1002)`, T, async () => {
      const raw = await startRawServer();
      try {
        const { conn, session, client } = await open(raw, "permessage-deflate");
        conn.sendFrame({ opcode, payload: opcode === Op.CLOSE ? Buffer.from([0x03, 0xe8]) : "x", rsv: RSV1 });
        assert.equal((await conn.expectClose()).code, 1002);
        assert.match((await session.closeReason)?.message ?? "", /control frame/);
        client.close();
      } finally {
        await raw.close();
      }
    });
  }

  test("RSV2 and RSV3 stay protocol errors with deflate negotiated", T, async () => {
    const raw = await startRawServer();
    try {
      for (const rsv of [0x20, 0x10]) {
        const { conn, session, client } = await open(raw, "permessage-deflate");
        conn.sendFrame({ opcode: Op.TEXT, payload: "x", rsv });
        assert.equal((await conn.expectClose()).code, 1002);
        assert.equal((await session.closeReason)?.code, 1002);
        client.close();
      }
    } finally {
      await raw.close();
    }
  });

  test("a zip bomb (4 MiB that inflate to 4 GiB) ends with 1009 before the memory is spent", T, async () => {
    const raw = await startRawServer();
    try {
      const bomb = await zipBomb(4096);
      const { conn, session, client } = await open(raw, "permessage-deflate", undefined, (ws) => {
        ws.maxFrameSize = 16 * 1024 * 1024; // the bomb itself is a legal frame
      });
      const before = process.memoryUsage();
      const started = performance.now();
      conn.sendFrame({ opcode: Op.BINARY, payload: bomb, rsv: RSV1 });
      const close = await conn.expectClose(10_000);
      const elapsed = performance.now() - started;
      const after = process.memoryUsage();
      assert.equal(close.code, 1009);
      assert.match(close.reason, /inflates to more than/);
      assert.equal((await session.closeReason)?.code, CloseReason.Codes.TOO_BIG);
      const grown = after.rss - before.rss;
      assert.ok(grown < 256 * 1024 * 1024, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
      assert.ok(elapsed < 5_000, `1009 after ${elapsed.toFixed(0)} ms`);
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("a compressed message over maxMessageSize in small frames ends with 1009 while inflating", T, async () => {
    const raw = await startRawServer();
    try {
      const bomb = await zipBomb(64);
      const { conn, session, client } = await open(raw, "permessage-deflate", undefined, (ws) => {
        ws.maxFrameSize = 4 * 1024 * 1024;
        ws.maxMessageSize = 8 * 1024 * 1024;
      });
      // Each frame inflates to 2 to 3 MiB, under maxFrameSize; the message passes maxMessageSize on the fourth.
      const step = Math.ceil(bomb.length / 24);
      for (let at = 0, first = true; at < bomb.length; at += step, first = false) {
        const end = Math.min(bomb.length, at + step);
        conn.sendFrame({ opcode: first ? Op.BINARY : Op.CONT, payload: bomb.subarray(at, end), rsv: first ? RSV1 : 0, fin: end === bomb.length });
      }
      const close = await conn.expectClose();
      assert.equal(close.code, 1009);
      assert.match(close.reason, /maxMessageSize/);
      await session.closeReason;
      client.close();
    } finally {
      await raw.close();
    }
  });

  // A 1 MiB limit is passed after the frame went to the thread pool, 100 KiB while it is inflated at once.
  for (const limit of [1024 * 1024, 100 * 1024]) {
    test(`one compressed frame that inflates past maxFrameSize (${limit / 1024} KiB) ends with 1009`, T, async () => {
      const raw = await startRawServer();
      try {
        const { conn, session, client } = await open(raw, "permessage-deflate", undefined, (ws) => {
          ws.maxFrameSize = limit;
          ws.maxMessageSize = 64 * 1024 * 1024;
        });
        conn.sendFrame({ opcode: Op.BINARY, payload: compress(Buffer.alloc(2 * limit)), rsv: RSV1 });
        const close = await conn.expectClose();
        assert.equal(close.code, 1009);
        assert.match(close.reason, /maxFrameSize/);
        await session.closeReason;
        client.close();
      } finally {
        await raw.close();
      }
    });
  }

  test("corrupt compressed data closes with 1007; invalid UTF-8 inside a compressed text too", T, async () => {
    const raw = await startRawServer();
    try {
      for (const payload of [Buffer.from([0xff, 0xff, 0xff]), compress(Buffer.from([0x68, 0xc3, 0x28]))]) {
        const { conn, session, client } = await open(raw, "permessage-deflate");
        conn.sendFrame({ opcode: Op.TEXT, payload, rsv: RSV1 });
        assert.equal((await conn.expectClose()).code, 1007);
        await session.closeReason;
        client.close();
      }
    } finally {
      await raw.close();
    }
  });

  test("a compressed last message, the Close and the end of the connection together: the message and the close are both seen", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      const last = randomBytes(500_000).toString("hex");
      conn.write(Buffer.concat([encode(compress(last), true), encode(Buffer.from([0x03, 0xe8]), false, Op.CLOSE)]));
      conn.end();
      assert.equal(text(await session.incoming.receive()), last);
      assert.deepEqual(await session.closeReason, new CloseReason(1000, ""));
      client.close();
    } finally {
      await raw.close();
    }
  });
});

describe("client: sending compressed messages (RFC 7692 §7.2.1)", () => {
  test("by default every message is compressed, RSV1 on it, and inflates back", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      await session.send("tiny");
      await session.send(Buffer.from(randomBytes(100_000)));
      const small = (await conn.readFrame())!;
      assert.equal(small.rsv, RSV1);
      assert.equal(small.opcode, Op.TEXT);
      assert.equal(decompress(small.payload).toString(), "tiny");
      const large = (await conn.readFrame())!;
      assert.equal(large.opcode, Op.BINARY);
      assert.equal(decompress(large.payload).length, 100_000);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("compressIfBiggerThan and compressIf: a message is compressed when every condition holds for its first frame", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate", (d) => {
        d.compressIfBiggerThan(100);
        d.compressIf((frame) => frame instanceof Frame.Text);
      });
      await session.send("a".repeat(100)); // not bigger than 100
      await session.send("a".repeat(101));
      await session.send(Buffer.alloc(1000)); // binary: compressIf says no
      const frames = [(await conn.readFrame())!, (await conn.readFrame())!, (await conn.readFrame())!];
      assert.deepEqual(
        frames.map((frame) => frame.rsv),
        [0, RSV1, 0],
      );
      assert.equal(frames[0].payload.toString(), "a".repeat(100));
      assert.equal(decompress(frames[1].payload).toString(), "a".repeat(101));
      assert.equal(frames[2].payload.length, 1000);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("a fragmented message: RSV1 on the first frame only, the fragments inflate as one; pings are never compressed", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      await session.send(new Frame.Text(false, "hello "));
      await session.outgoing.send(new Frame.Ping(Buffer.from("ping")));
      await session.send(new Frame.Text(false, "fragmented "));
      await session.send(new Frame.Text(true, "world"));
      const frames = [(await conn.readFrame())!, (await conn.readFrame())!, (await conn.readFrame())!, (await conn.readFrame())!];
      assert.deepEqual(
        frames.map((frame) => [frame.opcode, frame.rsv, frame.fin]),
        [
          [Op.TEXT, RSV1, false],
          [Op.PING, 0, true],
          [Op.CONT, 0, false],
          [Op.CONT, 0, true],
        ],
      );
      assert.equal(frames[1].payload.toString(), "ping");
      assert.equal(decompress(Buffer.concat([frames[0].payload, frames[2].payload, frames[3].payload])).toString(), "hello fragmented world");
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("messages, pings and the Close go out in the order they were queued", T, async () => {
    const raw = await startRawServer();
    try {
      // No context takeover, so that each compressed message inflates on its own here.
      const { conn, session, client } = await open(raw, "permessage-deflate; client_no_context_takeover", (d) => d.compressIfBiggerThan(50));
      const sent: string[] = [];
      for (let i = 0; i < 200; i++) {
        const message = `${i}:` + (i % 5 === 0 ? randomBytes(20_000).toString("hex") : "s");
        sent.push(message);
        void session.send(message);
      }
      const closing = session.close(new CloseReason(1000, "done"));
      const got: string[] = [];
      for (;;) {
        const frame = (await conn.readFrame())!;
        if (frame.opcode === Op.CLOSE) break;
        got.push(frame.rsv === RSV1 ? decompress(frame.payload).toString() : frame.payload.toString());
      }
      assert.deepEqual(got, sent);
      conn.sendClose(1000);
      conn.end();
      await closing;
      client.close();
    } finally {
      await raw.close();
    }
  });

  test("flush() waits for messages still being compressed", T, async () => {
    const raw = await startRawServer();
    try {
      const { conn, session, client } = await open(raw, "permessage-deflate");
      void session.send(randomBytes(4 << 20).toString("hex"));
      await session.flush();
      const frame = await conn.readFrame(10_000);
      assert.equal(frame?.rsv, RSV1);
      session.terminate();
      client.close();
    } finally {
      await raw.close();
    }
  });
});

/** A server frame by hand: unmasked, RSV1 when compressed. */
function encode(payload: Buffer, compressed: boolean, opcode: number = Op.TEXT): Buffer {
  const length = payload.length;
  const head = [0x80 | (compressed ? RSV1 : 0) | opcode];
  if (length < 126) head.push(length);
  else if (length < 0x10000) head.push(126, length >> 8, length & 0xff);
  else head.push(127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  return Buffer.concat([Buffer.from(head), payload]);
}
