// RFC 6455 §5–§7 from the client's side, where test/session/*.test.ts does not already check it:
// close codes at every boundary, no processing after failing, no pong after a Close, limits announced
// by a header alone, what the client refuses to send, and who closes TCP. Peer: the raw server.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  Frame,
  CloseReason,
  ClosedReceiveChannelError,
  ClosedSendChannelError,
  FrameTooBigError,
  ProtocolViolationError,
} from "../../src/index.js";
import { startRawServer, encodeFrame, closePayload, Op, type RawServer } from "../helpers/raw-server.js";
import { T, newClient, openRaw, within, delay } from "./helpers.js";

/** A frame header announcing `length` payload bytes (no payload follows). */
function headerOnly(opcode: number, length: bigint): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  header[1] = 127;
  header.writeBigUInt64BE(length, 2);
  return header;
}

async function withRaw(run: (raw: RawServer) => Promise<void>): Promise<void> {
  const raw = await startRawServer();
  try {
    await run(raw);
  } finally {
    await raw.close();
  }
}

describe("client: close status codes on the wire (§7.4.1, §7.4.2)", () => {
  test("a Close with 0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000 or 65535 fails the connection with 1002", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
        const { conn, session } = await openRaw(raw, client);
        conn.sendFrame({ opcode: Op.CLOSE, payload: closePayload(code, "x") });
        const close = await conn.expectClose(3_000);
        assert.equal(close.code, 1002, `code ${code}: answered ${close.code}`);
        assert.equal((await session.closeReason)?.code, 1002, `code ${code}`);
        await within(conn.closed, 3_000, `code ${code}: the connection to end`);
      }
      client.close();
    });
  });

  test("every code that may be sent (1000–1003, 1007–1014, 3000, 3999, 4000, 4999) is accepted and echoed", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
        const { conn, session } = await openRaw(raw, client);
        conn.sendClose(code, "why");
        const close = await conn.expectClose(3_000);
        assert.equal(close.code, code, `echo of ${code}`);
        const reason = await session.closeReason;
        assert.equal(reason?.code, code);
        assert.equal(reason?.message, "why");
        conn.end();
        await within(conn.closed, 3_000, "the connection to end");
      }
      client.close();
    });
  });

  test("close() refuses the codes that must never be sent (1004–1006, 1015, <1000, 1016–2999, ≥5000): nothing reaches the wire", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
        await assert.rejects(async () => session.close(new CloseReason(code, "no")), RangeError, `close(${code})`);
      }
      assert.equal(await conn.frameWithin(200), "none", "no frame was sent");
      // The session is still open and usable.
      await session.send("still open");
      const frame = await conn.readFrame();
      assert.equal(frame?.payload.toString(), "still open");
      session.terminate();
      client.close();
    });
  });
});

describe("client: failing the connection (§7.1.7)", () => {
  test("after a violation nothing more is processed: a Ping behind it gets no Pong, a Text behind it never reaches incoming", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      conn.write(
        Buffer.concat([
          encodeFrame({ opcode: Op.TEXT, payload: "before" }),
          encodeFrame({ opcode: 0x3, payload: "reserved" }),
          encodeFrame({ opcode: Op.PING, payload: "after" }),
          encodeFrame({ opcode: Op.TEXT, payload: "after" }),
        ]),
      );
      const close = await conn.expectClose(3_000);
      assert.equal(close.code, 1002);
      assert.deepEqual(close.skipped, [], "no Pong before the Close");
      assert.equal(await conn.frameWithin(300), "eof", "nothing after the Close, and the client ends TCP");
      const first = await session.incoming.receive();
      assert.ok(first instanceof Frame.Text && first.readText() === "before");
      await assert.rejects(session.incoming.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof ProtocolViolationError);
      client.close();
    });
  });

  test("the client closes its side of TCP at once after failing (it does not wait for the server's FIN)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient((ws) => (ws.timeoutMillis = 10_000));
      const { conn } = await openRaw(raw, client);
      conn.sendFrame({ opcode: Op.TEXT, payload: "x", rsv: 0x40 });
      await conn.expectClose(3_000);
      // FIN from the client well before the 10 s close timeout.
      assert.equal(await within(conn.readFrame(1_000), 1_500, "the client's FIN"), null);
      client.close();
    });
  });
});

describe("client: control frames (§5.5)", () => {
  test("a Ping that arrives after the server's Close is not answered (§5.5.2)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      conn.write(Buffer.concat([encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1000) }), encodeFrame({ opcode: Op.PING, payload: "late" })]));
      const close = await conn.expectClose(3_000);
      assert.equal(close.code, 1000);
      assert.deepEqual(close.skipped, []);
      assert.equal(await conn.frameWithin(200), "none", "no Pong after the Close");
      conn.end();
      assert.equal((await session.closeReason)?.code, 1000);
      client.close();
    });
  });

  test("Pongs echo the Ping's payload, empty and 125 bytes included; unsolicited Pongs are ignored (§5.5.2, §5.5.3)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      conn.sendFrame({ opcode: Op.PONG, payload: "unsolicited" });
      for (const payload of [Buffer.alloc(0), Buffer.alloc(125, 0xa5), Buffer.from("π")]) {
        conn.sendFrame({ opcode: Op.PING, payload });
        const pong = await conn.readFrame(2_000);
        assert.equal(pong?.opcode, Op.PONG);
        assert.ok(pong?.masked, "masked like every client frame");
        assert.deepEqual(pong?.payload, payload);
      }
      assert.equal(session.incoming.tryReceive(), undefined, "control frames do not reach a default session's incoming");
      session.terminate();
      client.close();
    });
  });

  test("a control frame over 125 bytes is refused on send; a Close reason is cut to fit", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      await assert.rejects(session.send(new Frame.Ping(new Uint8Array(126))), RangeError);
      await assert.rejects(session.send(new Frame.Pong(new Uint8Array(200))), RangeError);
      assert.equal(await conn.frameWithin(150), "none");
      const closing = session.close(new CloseReason(1000, "é".repeat(100)));
      const close = await conn.expectClose();
      assert.ok(close.frame.payload.length <= 125, `Close payload of ${close.frame.payload.length} bytes`);
      assert.equal(close.reason, "é".repeat(61), "cut at 123 bytes without splitting a character");
      conn.sendClose(1000);
      conn.end();
      await within(closing, 3_000, "close()");
      client.close();
    });
  });
});

describe("client: sending (§5.1, §5.2, §5.6, §6.1)", () => {
  test("nothing is sent after the Close: queued frames go first, later sends reject (§5.5.1)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      void session.send("one");
      void session.send("two");
      const closing = session.close(new CloseReason(1000, "done"));
      await assert.rejects(session.send("three"), ClosedSendChannelError);
      await assert.rejects(session.outgoing.send(new Frame.Binary(new Uint8Array(1))), ClosedSendChannelError);
      const close = await conn.expectClose();
      assert.deepEqual(
        close.skipped.map((frame) => frame.payload.toString()),
        ["one", "two"],
      );
      assert.equal(await conn.frameWithin(150), "none", "nothing after the Close");
      conn.sendClose(1000);
      conn.end();
      await within(closing, 3_000, "close()");
      client.close();
    });
  });

  test("text from a string is always valid UTF-8 on the wire: a lone surrogate goes out as U+FFFD (§5.6)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      await session.send("a\ud800b");
      const frame = await conn.readFrame();
      assert.equal(frame?.opcode, Op.TEXT);
      assert.deepEqual([...(frame?.payload ?? [])], [0x61, 0xef, 0xbf, 0xbd, 0x62]);
      session.terminate();
      client.close();
    });
  });

  test("a frame with RSV bits and no negotiated extension never reaches the wire with them (§5.2)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      for (const frame of [new Frame.Text(true, "r1", true), new Frame.Binary(true, new Uint8Array([1]), false, true), new Frame.Text(true, "r3", false, false, true)]) {
        const sent = await session.send(frame).then(
          () => true,
          () => false,
        );
        const wire = await conn.frameWithin(200);
        if (sent) {
          assert.ok(wire !== "none" && wire !== "eof", "a frame that was accepted is sent");
          assert.equal(wire.rsv, 0, `RSV bits 0x${wire.rsv.toString(16)} were sent without an extension`);
        } else {
          assert.equal(wire, "none", "a refused frame is not sent");
        }
      }
      session.terminate();
      client.close();
    });
  });

  test("the payload length uses the fewest bytes: 125 → 7 bits, 126 and 65535 → 16 bits, 65536 → 64 bits (§5.2)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      const sizes = [0, 125, 126, 65_535, 65_536];
      const firstBytes: Buffer[] = [];
      conn.socket.prependListener("data", (chunk: Buffer) => firstBytes.push(chunk));
      for (const size of sizes) await session.send(new Uint8Array(size));
      for (const size of sizes) assert.equal((await conn.readFrame())?.payload.length, size);
      // Walk the wire bytes: each header's length field is the minimal one.
      const wire = Buffer.concat(firstBytes);
      let at = 0;
      for (const size of sizes) {
        const len7 = wire[at + 1] & 0x7f;
        const expected = size < 126 ? size : size < 0x10000 ? 126 : 127;
        assert.equal(len7, expected, `7-bit length field for ${size} bytes`);
        at += 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4 + size;
      }
      session.terminate();
      client.close();
    });
  });
});

describe("client: limits from the header alone (§10.4)", () => {
  test("a frame announcing 2^60 bytes fails with 1009 before any payload arrives", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      const waiting = assert.rejects(session.incoming.receive(), (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof FrameTooBigError);
      conn.write(headerOnly(Op.BINARY, 1n << 60n));
      assert.equal((await conn.expectClose(3_000)).code, 1009);
      await waiting;
      assert.equal((await session.closeReason)?.code, 1009);
      client.close();
    });
  });

  test("the default limit is 100 MiB: a header announcing 100 MiB + 1 fails with 1009, exactly 100 MiB waits for its payload", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const over = await openRaw(raw, client);
      assert.equal(over.session.maxFrameSize, 100 * 1024 * 1024);
      assert.equal(over.session.maxMessageSize, 100 * 1024 * 1024);
      over.conn.write(headerOnly(Op.BINARY, BigInt(100 * 1024 * 1024 + 1)));
      assert.equal((await over.conn.expectClose(3_000)).code, 1009);
      const exact = await openRaw(raw, client);
      exact.conn.write(headerOnly(Op.BINARY, BigInt(100 * 1024 * 1024)));
      assert.equal(await exact.conn.frameWithin(300), "none", "no Close: the frame is within the limit");
      exact.session.terminate();
      client.close();
    });
  });
});

describe("client: fragmentation (§5.4, §6.2)", () => {
  test("two fragmented messages in a row, a Ping inside each, are two messages; the Pings are answered in between", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient();
      const { conn, session } = await openRaw(raw, client);
      conn.write(
        Buffer.concat([
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: "a" }),
          encodeFrame({ opcode: Op.PING, payload: "p1" }),
          encodeFrame({ opcode: Op.CONT, fin: true, payload: "b" }),
          encodeFrame({ opcode: Op.BINARY, fin: false, payload: Buffer.from([1]) }),
          encodeFrame({ opcode: Op.CONT, fin: false, payload: Buffer.from([2]) }),
          encodeFrame({ opcode: Op.PING, payload: "p2" }),
          encodeFrame({ opcode: Op.CONT, fin: true, payload: Buffer.from([3]) }),
        ]),
      );
      const first = await session.incoming.receive();
      assert.ok(first instanceof Frame.Text && first.fin);
      assert.equal(first.readText(), "ab");
      const second = await session.incoming.receive();
      assert.ok(second instanceof Frame.Binary && second.fin);
      assert.deepEqual([...second.readBytes()], [1, 2, 3]);
      assert.deepEqual([(await conn.readFrame())?.payload.toString(), (await conn.readFrame())?.payload.toString()], ["p1", "p2"]);
      session.terminate();
      client.close();
    });
  });

  test("a client waits for the server to close TCP after a clean close, then closes too (§5.5.1, §7.1.1)", T, async () => {
    await withRaw(async (raw) => {
      const client = newClient((ws) => (ws.timeoutMillis = 300));
      // The server closes TCP after the handshake: the client does not end its side first.
      const first = await openRaw(raw, client);
      const closing = first.session.close();
      assert.equal((await first.conn.expectClose()).code, 1000);
      first.conn.sendClose(1000);
      await delay(150);
      assert.equal(first.conn.eof, false, "the client waits for the server's FIN");
      first.conn.end();
      await within(closing, 2_000, "close() after the server's FIN");
      // A server that never closes TCP: the client closes it itself, bounded by its timeout.
      const second = await openRaw(raw, client);
      second.conn.sendClose(1001);
      assert.equal((await second.conn.expectClose()).code, 1001);
      await within(second.conn.closed, 3_000, "the client to close TCP on its own");
      client.close();
    });
  });
});
