// RFC 6455 §5–§7 from the server's side: what kite-ws/server does with each kind of bad frame, with
// control frames, with UTF-8 split over fragments, and how it runs the closing handshake. The peer is
// a raw TCP client that upgrades and then writes exact bytes (masked unless a case says otherwise).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Frame, CloseReason, ClosedReceiveChannelError, ClosedSendChannelError, FrameTooBigError, ProtocolViolationError } from "../../src/index.js";
import { serve } from "../../src/server/index.js";
import { encodeFrame, closePayload, Op } from "../helpers/raw-server.js";
import { T, startServer, upgraded, masked, within, delay, type ServerHarness } from "./helpers.js";

async function withServer(run: (harness: ServerHarness) => Promise<void>, options: Parameters<typeof startServer>[0] = {}, mode: "collect" | "echo" = "collect"): Promise<void> {
  const harness = await startServer(options, mode);
  try {
    await run(harness);
  } finally {
    await harness.close();
  }
}

/** A masked frame header announcing `length` bytes (no payload follows). */
function maskedHeaderOnly(opcode: number, length: bigint): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(length, 2);
  header.writeUInt32BE(0x01020304, 10);
  return header;
}

const violations: [string, Buffer][] = [
  ["unmasked frame (§5.1)", encodeFrame({ opcode: Op.TEXT, payload: "plain" })],
  ...[0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode): [string, Buffer] => [`reserved opcode 0x${opcode.toString(16)} (§5.2)`, masked({ opcode, payload: "x" })]),
  ["RSV1 without an extension (§5.2)", masked({ opcode: Op.TEXT, payload: "x", rsv: 0x40 })],
  ["RSV2 (§5.2)", masked({ opcode: Op.BINARY, payload: "x", rsv: 0x20 })],
  ["RSV3 (§5.2)", masked({ opcode: Op.PING, payload: "x", rsv: 0x10 })],
  ["fragmented Ping (§5.5)", masked({ opcode: Op.PING, fin: false, payload: "p" })],
  ["fragmented Pong (§5.5)", masked({ opcode: Op.PONG, fin: false })],
  ["fragmented Close (§5.5)", masked({ opcode: Op.CLOSE, fin: false, payload: closePayload(1000) })],
  ["Ping of 126 bytes (§5.5)", masked({ opcode: Op.PING, payload: Buffer.alloc(126) })],
  ["Pong of 126 bytes (§5.5)", masked({ opcode: Op.PONG, payload: Buffer.alloc(126) })],
  ["Close of 126 bytes (§5.5)", masked({ opcode: Op.CLOSE, payload: closePayload(1000, "x".repeat(124)) })],
  ["continuation with no message to continue (§5.4)", masked({ opcode: Op.CONT, payload: "orphan" })],
  ["a new Text inside a fragmented message (§5.4)", Buffer.concat([masked({ opcode: Op.TEXT, fin: false, payload: "a" }), masked({ opcode: Op.TEXT, payload: "b" })])],
  ["a new Binary inside a fragmented Text (§5.4)", Buffer.concat([masked({ opcode: Op.TEXT, fin: false, payload: "a" }), masked({ opcode: Op.BINARY, fin: false, payload: "b" })])],
  ["64-bit length with its top bit set (§5.2)", maskedHeaderOnly(Op.BINARY, 1n << 63n)],
  ["Close with a 1-byte payload (§5.5.1)", masked({ opcode: Op.CLOSE, payload: Buffer.from([3]) })],
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535].map((code): [string, Buffer] => [`Close code ${code} (§7.4)`, masked({ opcode: Op.CLOSE, payload: closePayload(code) })]),
];

describe("server: framing violations fail the connection with 1002 (§5, §7.1.7)", () => {
  test("each violation: Close 1002 as the only frame, then the server closes TCP; the handler sees ProtocolViolationError", T, async () => {
    await withServer(async (harness) => {
      for (const [label, bytes] of violations) {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        conn.write(bytes);
        const close = await conn.expectClose(3_000).catch((error: Error) => assert.fail(`${label}: ${error.message}`));
        assert.equal(close.code, 1002, `${label}: closed with ${close.code}`);
        assert.deepEqual(close.skipped, [], `${label}: nothing before the Close`);
        assert.equal(close.frame.masked, false, `${label}: a server never masks`);
        assert.equal(await conn.frameWithin(1_000), "eof", `${label}: nothing after the Close, and TCP closed`);
        await within(record.done, 3_000, `${label}: the session to end`);
        assert.ok(record.error instanceof ClosedReceiveChannelError, `${label}: ${String(record.error)}`);
        assert.ok(record.error.cause instanceof ProtocolViolationError, `${label}: cause ${String(record.error.cause)}`);
        assert.equal(record.closeReason?.code, 1002, label);
        assert.deepEqual(record.frames, [], `${label}: nothing reached incoming`);
      }
    });
  });

  test("after a violation nothing more is processed: no Pong for a Ping behind it, no message", T, async () => {
    await withServer(async (harness) => {
      const { conn } = await upgraded(harness.port);
      const record = await harness.next();
      conn.write(Buffer.concat([masked({ opcode: Op.TEXT, payload: "ok" }), masked({ opcode: Op.CONT, payload: "orphan" }), masked({ opcode: Op.PING, payload: "p" }), masked({ opcode: Op.TEXT, payload: "late" })]));
      const close = await conn.expectClose(3_000);
      assert.equal(close.code, 1002);
      assert.deepEqual(close.skipped, []);
      assert.equal(await conn.frameWithin(1_000), "eof");
      await within(record.done, 3_000, "the session to end");
      assert.deepEqual(record.frames.map((frame) => (frame as Frame.Text).readText()), ["ok"]);
    });
  });
});

describe("server: UTF-8 (§5.6, §8.1)", () => {
  const cases: [string, Buffer[]][] = [
    ["a Text frame with 0xFF", [masked({ opcode: Op.TEXT, payload: Buffer.from([0x68, 0xff]) })]],
    ["an overlong encoding", [masked({ opcode: Op.TEXT, payload: Buffer.from([0xc0, 0xaf]) })]],
    ["a surrogate", [masked({ opcode: Op.TEXT, payload: Buffer.from([0xed, 0xa0, 0x80]) })]],
    ["above U+10FFFF", [masked({ opcode: Op.TEXT, payload: Buffer.from([0xf4, 0x90, 0x80, 0x80]) })]],
    // Fail fast: the message never ends, the server must not wait for it.
    ["invalid in the first fragment of an unfinished message", [masked({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x61, 0xff]) })]],
    [
      "a surrogate split over two fragments, message unfinished",
      [masked({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x61, 0xed]) }), masked({ opcode: Op.CONT, fin: false, payload: Buffer.from([0xa0, 0x80]) })],
    ],
    [
      "a message ending inside a code point",
      [masked({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x61]) }), masked({ opcode: Op.CONT, payload: Buffer.from([0xe2, 0x82]) })],
    ],
    ["a Close reason that is not UTF-8", [masked({ opcode: Op.CLOSE, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff])]) })]],
  ];

  test("invalid UTF-8 fails with 1007 as soon as it is invalid, wherever the fragments split it", T, async () => {
    await withServer(async (harness) => {
      for (const [label, frames] of cases) {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        for (const frame of frames) {
          conn.write(frame);
          await delay(5);
        }
        const close = await conn.expectClose(3_000).catch((error: Error) => assert.fail(`${label}: ${error.message}`));
        assert.equal(close.code, 1007, `${label}: closed with ${close.code}`);
        await within(record.done, 3_000, `${label}: the session to end`);
        assert.equal(record.closeReason?.code, 1007, label);
        assert.ok(record.error instanceof ClosedReceiveChannelError && record.error.cause instanceof ProtocolViolationError, label);
        assert.equal(await conn.frameWithin(1_000), "eof", label);
      }
    });
  });

  test("valid code points split anywhere across fragments (1 to 4 bytes each) are one message", T, async () => {
    await withServer(async (harness) => {
      const text = "a€𝄞é\u{10FFFF}z";
      const bytes = Buffer.from(text, "utf8");
      for (let cut = 1; cut < bytes.length; cut++) {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        conn.write(Buffer.concat([masked({ opcode: Op.TEXT, fin: false, payload: bytes.subarray(0, cut) }), masked({ opcode: Op.CONT, payload: bytes.subarray(cut) })]));
        conn.sendFrame({ opcode: Op.CLOSE, payload: closePayload(1000), mask: true });
        assert.equal((await conn.expectClose(3_000)).code, 1000);
        await within(record.done, 3_000, "the session to end");
        assert.deepEqual(record.frames.map((frame) => (frame as Frame.Text).readText()), [text], `cut at ${cut}`);
      }
    });
  });
});

describe("server: control frames and fragmentation (§5.4, §5.5, §6.2)", () => {
  test("a Ping gets a Pong with the same payload (empty, 125 bytes, binary); an unsolicited Pong is ignored", T, async () => {
    await withServer(async (harness) => {
      const { conn } = await upgraded(harness.port);
      const record = await harness.next();
      conn.sendFrame({ opcode: Op.PONG, payload: "unsolicited", mask: true });
      for (const payload of [Buffer.alloc(0), Buffer.alloc(125, 0x5a), Buffer.from([0, 255, 128])]) {
        conn.sendFrame({ opcode: Op.PING, payload, mask: true });
        const pong = await conn.readFrame(2_000);
        assert.equal(pong?.opcode, Op.PONG);
        assert.equal(pong?.masked, false);
        assert.deepEqual(pong?.payload, payload);
      }
      assert.deepEqual(record.frames, []);
      conn.destroy();
    });
  });

  test("control frames inside fragmented messages are handled at once, and each message is reassembled on its own", T, async () => {
    await withServer(async (harness) => {
      const { conn } = await upgraded(harness.port);
      const record = await harness.next();
      conn.write(
        Buffer.concat([
          masked({ opcode: Op.TEXT, fin: false, payload: "he" }),
          masked({ opcode: Op.PING, payload: "1" }),
          masked({ opcode: Op.CONT, fin: false, payload: "ll" }),
          masked({ opcode: Op.PONG, payload: "x" }),
          masked({ opcode: Op.CONT, fin: true, payload: "o" }),
          masked({ opcode: Op.BINARY, fin: false, payload: Buffer.from([1, 2]) }),
          masked({ opcode: Op.PING, payload: "2" }),
          masked({ opcode: Op.CONT, fin: true, payload: Buffer.from([3]) }),
          masked({ opcode: Op.TEXT, payload: "single" }),
        ]),
      );
      assert.equal((await conn.readFrame())?.payload.toString(), "1");
      assert.equal((await conn.readFrame())?.payload.toString(), "2");
      conn.sendFrame({ opcode: Op.CLOSE, payload: closePayload(1000), mask: true });
      await conn.expectClose();
      await within(record.done, 3_000, "the session to end");
      assert.equal(record.frames.length, 3);
      const [text, binary, single] = record.frames;
      assert.ok(text instanceof Frame.Text && text.fin && text.readText() === "hello");
      assert.ok(binary instanceof Frame.Binary && binary.fin);
      assert.deepEqual([...binary.readBytes()], [1, 2, 3]);
      assert.ok(single instanceof Frame.Text && single.readText() === "single");
    });
  });

  test("a Ping after the client's Close is not answered", T, async () => {
    await withServer(async (harness) => {
      const { conn } = await upgraded(harness.port);
      await harness.next();
      conn.write(Buffer.concat([masked({ opcode: Op.CLOSE, payload: closePayload(1000) }), masked({ opcode: Op.PING, payload: "late" })]));
      const close = await conn.expectClose();
      assert.deepEqual(close.skipped, []);
      assert.equal(await conn.frameWithin(1_000), "eof");
    });
  });

  test("frames from the server are never masked (§5.1)", T, async () => {
    await withServer(
      async (harness) => {
        const { conn } = await upgraded(harness.port);
        for (const payload of ["small", "x".repeat(70_000)]) {
          conn.sendFrame({ opcode: Op.TEXT, payload, mask: true });
          const echo = await conn.readFrame();
          assert.equal(echo?.masked, false);
          assert.equal(echo?.payload.toString(), payload);
        }
        conn.destroy();
      },
      {},
      "echo",
    );
  });
});

describe("server: limits (§10.4)", () => {
  test("a frame announcing 2^60 bytes, or 100 MiB + 1 by default, fails with 1009 from the header alone", T, async () => {
    await withServer(async (harness) => {
      for (const length of [1n << 60n, BigInt(100 * 1024 * 1024 + 1)]) {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        assert.equal(record.session.maxFrameSize, 100 * 1024 * 1024);
        assert.equal(record.session.maxMessageSize, 100 * 1024 * 1024);
        conn.write(maskedHeaderOnly(Op.BINARY, length));
        assert.equal((await conn.expectClose(3_000)).code, 1009, `${length} bytes`);
        await within(record.done, 3_000, "the session to end");
        assert.ok(record.error instanceof ClosedReceiveChannelError && record.error.cause instanceof FrameTooBigError);
        assert.equal(record.closeReason?.code, 1009);
      }
    });
  });

  test("small fragments adding up past maxMessageSize fail with 1009 before the message ends", T, async () => {
    await withServer(
      async (harness) => {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        for (let i = 0; i < 5; i++) conn.write(masked({ opcode: i === 0 ? Op.BINARY : Op.CONT, fin: false, payload: Buffer.alloc(30) }));
        assert.equal((await conn.expectClose(3_000)).code, 1009);
        await within(record.done, 3_000, "the session to end");
        assert.equal(record.closeReason?.code, 1009);
      },
      { maxFrameSize: 64, maxMessageSize: 100 },
    );
  });
});

describe("server: sending (§5.2, §5.5, §5.6)", () => {
  test("a handler cannot send RSV bits without an extension or a control frame over 125 bytes; text from a string is valid UTF-8", T, async () => {
    const results: unknown[] = [];
    const server = await serve({ port: 0, onError: () => {} }, (routes) =>
      routes.webSocket("/send", async (session) => {
        for (const frame of [new Frame.Text(true, "r1", true), new Frame.Binary(true, new Uint8Array(1), false, false, true), new Frame.Ping(new Uint8Array(126))]) {
          results.push(await session.send(frame).catch((error: unknown) => error));
        }
        await session.send("a\udc00b");
        await session.incoming.receive().catch(() => {});
      }),
    );
    try {
      const { conn } = await upgraded(server.port, "/send");
      const frame = await conn.readFrame();
      assert.equal(frame?.opcode, Op.TEXT);
      assert.equal(frame?.rsv, 0);
      assert.deepEqual([...(frame?.payload ?? [])], [0x61, 0xef, 0xbf, 0xbd, 0x62], "a lone surrogate goes out as U+FFFD");
      assert.equal(results.length, 3);
      for (const result of results) assert.ok(result instanceof RangeError, `refused: ${String(result)}`);
      conn.sendFrame({ opcode: Op.CLOSE, payload: closePayload(1000), mask: true });
      await conn.expectClose();
    } finally {
      await server.close();
    }
  });
});

describe("server: the closing handshake (§5.5.1, §7.1)", () => {
  test("a client's Close is echoed with its code (empty stays empty), then the server closes TCP at once", T, async () => {
    await withServer(async (harness) => {
      for (const [payload, expected] of [
        [closePayload(1000, "bye"), 1000],
        [closePayload(4321), 4321],
        [Buffer.alloc(0), null],
      ] as const) {
        const { conn } = await upgraded(harness.port);
        const record = await harness.next();
        const sentAt = Date.now();
        conn.sendFrame({ opcode: Op.CLOSE, payload, mask: true });
        const close = await conn.expectClose();
        assert.equal(close.code, expected);
        // The client has not ended its side: the server's FIN must come anyway, immediately.
        assert.equal(await conn.frameWithin(1_000), "eof", "the server closed TCP");
        assert.ok(Date.now() - sentAt < 500, `closed after ${Date.now() - sentAt} ms`);
        await within(record.done, 3_000, "the session to end");
        assert.equal(record.closeReason?.code, expected ?? 1005);
        assert.equal(record.error, null, "a clean close ends for await without an error");
      }
    });
  });

  test("a server close: data queued before it goes first, nothing after it; 1005/1006/1015 are never sent", T, async () => {
    const results: unknown[] = [];
    const server = await serve({ port: 0, onError: () => {} }, (routes) =>
      routes.webSocket("/close", async (session) => {
        void session.send("before");
        results.push(await (async () => session.close(new CloseReason(1006)))().catch((error: unknown) => error));
        const closing = session.close(new CloseReason(4000, "done"));
        results.push(await session.send("after").catch((error: unknown) => error));
        await closing;
      }),
    );
    try {
      const { conn } = await upgraded(server.port, "/close");
      const close = await conn.expectClose();
      assert.deepEqual(close.skipped.map((frame) => frame.payload.toString()), ["before"]);
      assert.equal(close.code, 4000);
      conn.sendFrame({ opcode: Op.CLOSE, payload: closePayload(4000), mask: true });
      assert.equal(await conn.frameWithin(1_000), "eof");
      assert.ok(results[0] instanceof RangeError, `close(1006): ${String(results[0])}`);
      assert.ok(results[1] instanceof ClosedSendChannelError, `send after close: ${String(results[1])}`);
    } finally {
      await server.close();
    }
  });
});
