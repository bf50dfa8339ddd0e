import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  HttpClient,
  CIO,
  WebSockets,
  WebSocketsConfig,
  Frame,
  FrameType,
  CloseReason,
  JsonConverter,
  DefaultWebSocketSession,
  ClosedReceiveChannelError,
  ClosedSendChannelError,
  ConnectionClosedError,
  PingTimeoutError,
  ProtocolViolationError,
  FrameTooBigError,
  ConverterNotFoundError,
  DeserializationError,
} from "../../src/index.js";
import { startWsPeer, delay, within, settlesWithin, waitFor } from "../helpers/ws-peer.js";
import { startRawServer, encodeFrame, closePayload, Op, type RawServer, type RawConnection } from "../helpers/raw-server.js";

const T = { timeout: 10_000 };

function newClient(configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, configure));
}

/** Connects a default session to the raw server and answers the handshake. */
async function openRaw(raw: RawServer, client: HttpClient): Promise<{ conn: RawConnection; session: DefaultWebSocketSession }> {
  const pending = client.webSocketSession(raw.url);
  const conn = await raw.nextConnection();
  await conn.accept();
  return { conn, session: await pending };
}

function text(frame: Frame): string {
  assert.ok(frame instanceof Frame.Text, `expected a Text frame, got ${String(frame)}`);
  return frame.readText();
}

describe("default session against ws", () => {
  test("incoming: receive, tryReceive, for await and isClosedForReceive", T, async () => {
    const peer = await startWsPeer((socket) => {
      socket.on("message", (data) => {
        if (data.toString() !== "go") return;
        for (const word of ["one", "two", "three", "four"]) socket.send(word);
        socket.close(4000, "done");
      });
    });
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      assert.equal(session.incoming.tryReceive(), undefined, "nothing buffered yet");
      assert.equal(session.incoming.isClosedForReceive, false);
      await session.send("go");
      assert.equal(text(await session.incoming.receive()), "one");
      const second = await waitFor(() => session.incoming.tryReceive(), 2_000, "a buffered frame");
      assert.equal(text(second), "two");
      const rest: string[] = [];
      for await (const frame of session.incoming) rest.push(text(frame));
      assert.deepEqual(rest, ["three", "four"], "frames received before the Close are still delivered, then iteration ends");
      assert.equal(session.incoming.isClosedForReceive, true);
      await assert.rejects(session.incoming.receive(), ClosedReceiveChannelError);
      assert.equal(session.incoming.tryReceive(), undefined);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("send(string | Uint8Array | Frame) and outgoing.send reach ws with the right types", T, async () => {
    const seen: { data: string | number[]; binary: boolean }[] = [];
    const peer = await startWsPeer((socket) =>
      socket.on("message", (data, isBinary) => {
        const bytes = data as Buffer;
        seen.push({ data: isBinary ? [...bytes] : bytes.toString("utf8"), binary: isBinary });
      }),
    );
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      await session.send("plain text ✓");
      await session.send(new Uint8Array([1, 2, 3]));
      await session.send(new Frame.Text("text frame"));
      await session.send(new Frame.Binary(true, new Uint8Array([4, 5])));
      await session.outgoing.send(new Frame.Binary(true, new Uint8Array([6])));
      await session.outgoing.send(new Frame.Text("via outgoing"));
      // A fragmented message sent as frames.
      await session.outgoing.send(new Frame.Text(false, new TextEncoder().encode("frag")));
      await session.outgoing.send(new Frame.Text(true, new TextEncoder().encode("mented")));
      await waitFor(() => seen.length === 7, 3_000, "7 messages at the server");
      assert.deepEqual(seen, [
        { data: "plain text ✓", binary: false },
        { data: [1, 2, 3], binary: true },
        { data: "text frame", binary: false },
        { data: [4, 5], binary: true },
        { data: [6], binary: true },
        { data: "via outgoing", binary: false },
        { data: "fragmented", binary: false },
      ]);
      assert.equal(session.outgoing.isClosedForSend, false);
      await session.close();
      assert.equal(session.outgoing.isClosedForSend, true);
      await assert.rejects(session.send("too late"), ClosedSendChannelError);
      await assert.rejects(session.outgoing.send(new Frame.Text("too late")), ClosedSendChannelError);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("close(reason): ws sees the code and reason; closeReason reports the clean close", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      await session.close(new CloseReason(4321, "see you ✓"));
      const server = await peer.nextConnection();
      assert.deepEqual(await within(server.closed, 2_000, "the server's close event"), { code: 4321, reason: "see you ✓" });
      const reason = await session.closeReason;
      assert.ok(reason instanceof CloseReason);
      assert.equal(reason.code, 4321);
      assert.equal(reason.message, "see you ✓");
      assert.equal(session.incoming.isClosedForReceive, true);
      await session.close(); // a second close waits for the same close and does not throw

      const plain = await client.webSocketSession(peer.url);
      await plain.close();
      assert.equal((await (await peer.nextConnection()).closed).code, 1000);
      assert.equal((await plain.closeReason)?.code, 1000);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("closeReason for a server-initiated close carries the server's code and reason", T, async () => {
    const peer = await startWsPeer((socket) => setTimeout(() => socket.close(4001, "server says bye"), 20));
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const waiting = session.incoming.receive();
      await assert.rejects(waiting, (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause === undefined);
      const reason = await within(session.closeReason, 2_000, "closeReason");
      assert.equal(reason?.code, 4001);
      assert.equal(reason?.message, "server says bye");
      // The client answered with the same code: the server's close event shows a clean handshake.
      assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 4001);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("the server cutting TCP: 1006, and a waiting receive rejects with ClosedReceiveChannelError", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const waiting = assert.rejects(within(session.incoming.receive(), 2_000, "receive to fail"), (error: unknown) => {
        assert.ok(error instanceof ClosedReceiveChannelError);
        assert.ok(error.cause instanceof ConnectionClosedError, `cause: ${String(error.cause)}`);
        return true;
      });
      (await peer.nextConnection()).socket.terminate();
      await waiting;
      const reason = await session.closeReason;
      assert.equal(reason?.code, CloseReason.Codes.CLOSED_ABNORMALLY);
      await assert.rejects(session.send("into the void"), ClosedSendChannelError);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("terminate(): no close handshake, ws sees 1006, closeReason is 1006", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const waiting = session.incoming.receive();
      session.terminate();
      await assert.rejects(waiting, ClosedReceiveChannelError);
      assert.equal((await session.closeReason)?.code, 1006);
      assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 1006);
      await assert.rejects(session.send("x"), ClosedSendChannelError);
      session.terminate(); // idempotent
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("protocol, response, extensions and masking", T, async () => {
    const peer = await startWsPeer(undefined, {
      handleProtocols: (protocols) => (protocols.has("v2.kite") ? "v2.kite" : false),
    });
    peer.server.on("headers", (headers) => headers.push("X-Served-By: ws-peer"));
    const client = newClient();
    try {
      const session = await client.webSocketSession({ url: peer.url, protocols: ["v1.kite", "v2.kite"] });
      assert.equal(session.protocol, "v2.kite");
      assert.equal(session.response?.status, 101);
      assert.equal(session.response?.headers.get("upgrade")?.toLowerCase(), "websocket");
      assert.equal(session.response?.headers.get("sec-websocket-protocol"), "v2.kite");
      assert.equal(session.response?.headers.get("x-served-by"), "ws-peer");
      assert.ok(session.response?.headers.get("sec-websocket-accept"));
      assert.deepEqual(session.extensions, []);
      assert.equal(session.masking, true);
      await session.close();

      const none = await client.webSocketSession(peer.url);
      assert.equal(none.protocol, null);
      await none.close();
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("every frame the client sends is masked, with a fresh key each time", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const { conn, session } = await openRaw(raw, client);
      const payload = "the same payload every time";
      for (let i = 0; i < 8; i++) await session.send(payload);
      const keys = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const frame = (await conn.readFrame())!;
        assert.equal(frame.masked, true);
        assert.equal(frame.payload.toString(), payload);
        keys.add(frame.maskKey!.toString("hex"));
      }
      assert.ok(keys.size >= 7, `mask keys should not repeat, got ${keys.size} distinct of 8`);
      session.terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });

  describe("ping and pong", () => {
    test("an automatic pong answers a ws ping with the same payload; pings never reach incoming", T, async () => {
      const payload = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 7) & 0xff));
      const pongs: Buffer[] = [];
      const peer = await startWsPeer((socket) => {
        socket.on("pong", (data) => {
          pongs.push(data);
          if (pongs.length === 2) socket.send("after pongs");
        });
        socket.ping(Buffer.from("are you there?"));
        socket.ping(payload);
      });
      const client = newClient();
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal(text(await within(session.incoming.receive(), 3_000, "the message after the pongs")), "after pongs");
        assert.deepEqual(pongs.map((p) => p.toString("hex")), [Buffer.from("are you there?").toString("hex"), payload.toString("hex")]);
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("pings from the configuration reach ws; pongs keep the session alive", T, async () => {
      let pings = 0;
      const peer = await startWsPeer((socket) => socket.on("ping", () => pings++));
      const client = newClient((ws) => {
        ws.pingIntervalMillis = 50;
        ws.timeoutMillis = 400;
      });
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal(session.pingIntervalMillis, 50);
        assert.equal(session.timeoutMillis, 400);
        await delay(700);
        assert.ok(pings >= 4, `expected several pings, got ${pings}`);
        assert.equal((await settlesWithin(session.closeReason, 1)).state, "timeout", "the session must still be open");
        await session.close();
        assert.equal((await (await peer.nextConnection()).closed).code, 1000);
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("pingIntervalMillis and timeoutMillis are live: turning pings on and off on an open session", T, async () => {
      let pings = 0;
      const peer = await startWsPeer((socket) => socket.on("ping", () => pings++));
      const client = newClient();
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal(session.pingIntervalMillis, null);
        await delay(150);
        assert.equal(pings, 0, "no pings by default");
        session.timeoutMillis = 300; // shorter than the run below: every pong must be counted
        session.pingIntervalMillis = 40;
        await waitFor(() => pings >= 5, 2_000, "five pings");
        session.pingIntervalMillis = null;
        await delay(60);
        const stopped = pings;
        await delay(250);
        assert.equal(pings, stopped, "no pings after pingIntervalMillis = null");
        assert.equal((await settlesWithin(session.closeReason, 1)).state, "timeout", "pongs kept the session open");
        assert.throws(() => (session.pingIntervalMillis = -1), RangeError);
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("a server that never answers pings: closed with 1011, receive fails with PingTimeoutError as cause", T, async () => {
      let pings = 0;
      const peer = await startWsPeer((socket) => socket.on("ping", () => pings++), { autoPong: false });
      const client = newClient((ws) => {
        ws.pingIntervalMillis = 100;
        ws.timeoutMillis = 300;
      });
      try {
        const started = Date.now();
        const session = await client.webSocketSession(peer.url);
        const waiting = session.incoming.receive();
        await assert.rejects(within(waiting, 3_000, "the ping timeout"), (error: unknown) => {
          assert.ok(error instanceof ClosedReceiveChannelError);
          assert.ok(error.cause instanceof PingTimeoutError, `cause: ${String(error.cause)}`);
          return true;
        });
        const elapsed = Date.now() - started;
        assert.ok(elapsed >= 250 && elapsed < 2_000, `timed out after ${elapsed} ms`);
        const reason = await session.closeReason;
        assert.equal(reason?.code, CloseReason.Codes.INTERNAL_ERROR);
        assert.match(reason?.message ?? "", /ping|pong/i);
        assert.ok(pings >= 1);
        const closed = await within((await peer.nextConnection()).closed, 3_000, "the server to see the end");
        assert.ok([1011, 1006].includes(closed.code), `server saw ${closed.code}`);
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("timeoutMillis set live applies to the next ping", T, async () => {
      const peer = await startWsPeer(() => {}, { autoPong: false });
      const client = newClient();
      try {
        const session = await client.webSocketSession(peer.url);
        await delay(100);
        const started = Date.now();
        session.timeoutMillis = 200;
        session.pingIntervalMillis = 50;
        const reason = await within(session.closeReason, 3_000, "the ping timeout");
        const elapsed = Date.now() - started;
        assert.equal(reason?.code, 1011);
        assert.ok(elapsed >= 200 && elapsed < 1_500, `closed after ${elapsed} ms`);
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  test("close handshake timeout: a server that never answers the Close has the socket cut after timeoutMillis", T, async () => {
    const raw = await startRawServer();
    const client = newClient((ws) => (ws.timeoutMillis = 300));
    try {
      const { conn, session } = await openRaw(raw, client);
      const closing = session.close(new CloseReason(1000, "bye"));
      const close = await conn.expectClose();
      const sentAt = Date.now();
      assert.equal(close.code, 1000);
      await within(conn.closed, 3_000, "the client to cut the connection");
      const waited = conn.closedAt - sentAt;
      assert.ok(waited >= 200 && waited < 1_500, `socket cut ${waited} ms after the Close`);
      await within(closing, 1_000, "close() to settle");
      assert.equal(session.incoming.isClosedForReceive, true);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("fragmented messages from ws are reassembled into one frame, pings in between answered", T, async () => {
    let pongs = 0;
    const peer = await startWsPeer((socket) => {
      socket.on("pong", () => pongs++);
      socket.send("hel", { fin: false });
      socket.send("lo wo", { fin: false });
      socket.ping("mid-message");
      socket.send("rld ✓", { fin: true });
      socket.send(Buffer.from([1, 2]), { binary: true, fin: false });
      socket.send(Buffer.from([3]), { binary: true, fin: false });
      socket.send(Buffer.from([4, 5]), { binary: true, fin: true });
      socket.send("whole");
    });
    const client = newClient();
    try {
      const session = await client.webSocketSession(peer.url);
      const first = await session.incoming.receive();
      assert.ok(first instanceof Frame.Text);
      assert.equal(first.fin, true);
      assert.equal(first.frameType, FrameType.TEXT);
      assert.equal(first.readText(), "hello world ✓");
      const second = await session.incoming.receive();
      assert.ok(second instanceof Frame.Binary);
      assert.equal(second.fin, true);
      assert.deepEqual([...second.readBytes()], [1, 2, 3, 4, 5]);
      assert.equal(text(await session.incoming.receive()), "whole");
      await waitFor(() => pongs === 1, 2_000, "the pong to the mid-message ping");
      await session.close();
    } finally {
      client.close();
      await peer.close();
    }
  });

  describe("limits", () => {
    test("maxFrameSize: a frame of exactly the limit passes, one byte more closes with 1009", T, async () => {
      const peer = await startWsPeer((socket) => {
        socket.send(Buffer.alloc(1_000, 1));
        socket.send(Buffer.alloc(1_001, 2));
        socket.send("never delivered");
      });
      const client = newClient((ws) => (ws.maxFrameSize = 1_000));
      try {
        const session = await client.webSocketSession(peer.url);
        const ok = await session.incoming.receive();
        assert.equal(ok.data.length, 1_000);
        await assert.rejects(session.incoming.receive(), (error: unknown) => {
          assert.ok(error instanceof ClosedReceiveChannelError);
          assert.ok(error.cause instanceof FrameTooBigError, `cause: ${String(error.cause)}`);
          return true;
        });
        assert.equal((await session.closeReason)?.code, 1009);
        assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 1009);
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("maxFrameSize also refuses sending a larger frame", T, async () => {
      const peer = await startWsPeer();
      const client = newClient((ws) => (ws.maxFrameSize = 100));
      try {
        const session = await client.webSocketSession(peer.url);
        await assert.rejects(session.send(new Uint8Array(101)), FrameTooBigError);
        await session.send(new Uint8Array(100));
        assert.equal((await session.incoming.receive()).data.length, 100);
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("maxMessageSize: small fragments adding up past the limit close with 1009, before the final one", T, async () => {
      const peer = await startWsPeer((socket) => {
        const part = Buffer.alloc(500, 7);
        // 1 500 bytes exactly: accepted.
        socket.send(part, { binary: true, fin: false });
        socket.send(part, { binary: true, fin: false });
        socket.send(part, { binary: true, fin: true });
        // 2 000 bytes and never finished: refused as soon as it passes the limit.
        for (let i = 0; i < 4; i++) socket.send(part, { binary: true, fin: false });
      });
      const client = newClient((ws) => {
        ws.maxFrameSize = 1_000;
        ws.maxMessageSize = 1_500;
      });
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal((await session.incoming.receive()).data.length, 1_500);
        await assert.rejects(within(session.incoming.receive(), 3_000, "the 1009"), (error: unknown) => {
          assert.ok(error instanceof ClosedReceiveChannelError);
          assert.ok(error.cause instanceof FrameTooBigError, `cause: ${String(error.cause)}`);
          return true;
        });
        assert.equal((await session.closeReason)?.code, 1009);
        assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 1009);
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  describe("serialization", () => {
    test("sendSerialized / receiveDeserialized round trip through a ws echo", T, async () => {
      const peer = await startWsPeer();
      const converter = new JsonConverter();
      const client = newClient((ws) => (ws.contentConverter = converter));
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal(session.converter, converter);
        const value = { id: 7, tags: ["a", "ü"], nested: { ok: true, none: null } };
        await session.sendSerialized(value);
        assert.deepEqual(await session.receiveDeserialized(), value);
        await session.sendSerialized([1, 2, 3]);
        assert.deepEqual(await session.receiveDeserialized<number[]>(), [1, 2, 3]);
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("without a contentConverter both reject with ConverterNotFoundError", T, async () => {
      const peer = await startWsPeer();
      const client = newClient();
      try {
        const session = await client.webSocketSession(peer.url);
        assert.equal(session.converter, null);
        await assert.rejects(session.sendSerialized({ a: 1 }), ConverterNotFoundError);
        await assert.rejects(session.receiveDeserialized(), ConverterNotFoundError);
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });

    test("an unparsable frame rejects with DeserializationError carrying it; the session stays usable", T, async () => {
      const peer = await startWsPeer((socket) => {
        socket.send("{not json");
        socket.send('{"ok":true}');
        socket.on("message", (data) => socket.send(data.toString()));
      });
      const client = newClient((ws) => (ws.contentConverter = new JsonConverter()));
      try {
        const session = await client.webSocketSession(peer.url);
        await assert.rejects(session.receiveDeserialized(), (error: unknown) => {
          assert.ok(error instanceof DeserializationError);
          assert.ok(error.frame instanceof Frame.Text);
          assert.equal(error.frame.readText(), "{not json");
          return true;
        });
        assert.deepEqual(await session.receiveDeserialized(), { ok: true });
        await session.sendSerialized({ still: "usable" });
        assert.deepEqual(await session.receiveDeserialized(), { still: "usable" });
        await session.close();
      } finally {
        client.close();
        await peer.close();
      }
    });
  });

  test("await using closes the session at the end of the scope (1000)", T, async () => {
    const peer = await startWsPeer();
    const client = newClient();
    try {
      let kept: DefaultWebSocketSession | null = null;
      {
        await using session = await client.webSocketSession(peer.url);
        kept = session;
        await session.send("scoped");
        assert.equal(text(await session.incoming.receive()), "scoped");
      }
      assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 1000);
      assert.equal(kept!.incoming.isClosedForReceive, true);

      const direct = await client.webSocketSession(peer.url);
      await direct[Symbol.asyncDispose]();
      assert.equal((await within((await peer.nextConnection()).closed, 2_000, "the server's close")).code, 1000);
    } finally {
      client.close();
      await peer.close();
    }
  });
});

describe("default session against a raw server", () => {
  test("flush() waits until queued frames are handed to the OS", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const { conn, session } = await openRaw(raw, client);
      conn.pauseReading();
      const big = new Uint8Array(16 * 1024 * 1024).fill(0x5a);
      void session.send(big);
      const flushed = session.flush();
      assert.equal((await settlesWithin(flushed, 300)).state, "timeout", "flush() resolved while the peer reads nothing");
      conn.resumeReading();
      await within(flushed, 5_000, "flush() after the peer reads again");
      const frame = (await conn.readFrame())!;
      assert.equal(frame.opcode, Op.BINARY);
      assert.equal(frame.payload.length, big.length);
      await session.flush(); // nothing queued: resolves at once
      session.terminate();
    } finally {
      client.close();
      await raw.close();
    }
  });

  describe("invalid UTF-8 closes with 1007", () => {
    async function expect1007(frames: Buffer[], label: string): Promise<void> {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const { conn, session } = await openRaw(raw, client);
        const waiting = assert.rejects(
          session.incoming.receive(),
          (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof ProtocolViolationError,
        );
        for (const frame of frames) conn.write(frame);
        const close = await conn.expectClose(3_000);
        assert.equal(close.code, 1007, `${label}: client closed with ${close.code}`);
        await waiting;
        assert.equal((await session.closeReason)?.code, 1007);
        await within(conn.closed, 3_000, `${label}: the client to end the connection`);
      } finally {
        client.close();
        await raw.close();
      }
    }

    test("a Text frame that is not UTF-8", T, async () => {
      await expect1007([encodeFrame({ opcode: Op.TEXT, payload: Buffer.from([0x68, 0x69, 0xff]) })], "0xFF");
      await expect1007([encodeFrame({ opcode: Op.TEXT, payload: Buffer.from([0xed, 0xa0, 0x80]) })], "surrogate");
      await expect1007([encodeFrame({ opcode: Op.TEXT, payload: Buffer.from([0xc0, 0xaf]) })], "overlong");
    });

    test("invalid bytes split across fragments fail fast, before the final fragment is sent", T, async () => {
      // "ok" + the first two bytes of €, then a byte that cannot continue it; the message never ends.
      await expect1007(
        [
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x6f, 0x6b, 0xe2, 0x82]) }),
          encodeFrame({ opcode: Op.CONT, fin: false, payload: Buffer.from([0x28, 0x61]) }),
        ],
        "bad continuation byte in the second fragment",
      );
      // A surrogate split over the fragment boundary.
      await expect1007(
        [
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x61, 0xed]) }),
          encodeFrame({ opcode: Op.CONT, fin: false, payload: Buffer.from([0xa0, 0x80]) }),
        ],
        "surrogate across fragments",
      );
      // Invalid bytes in the first fragment alone.
      await expect1007([encodeFrame({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0xff]) })], "bad first fragment");
    });

    test("a message that ends in the middle of a code point", T, async () => {
      await expect1007(
        [
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: Buffer.from([0x61]) }),
          encodeFrame({ opcode: Op.CONT, fin: true, payload: Buffer.from([0xe2, 0x82]) }),
        ],
        "truncated at the end",
      );
    });

    test("a close reason that is not UTF-8", T, async () => {
      await expect1007([encodeFrame({ opcode: Op.CLOSE, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff])]) })], "close reason");
    });

    test("valid code points split across fragments are accepted", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        const { conn, session } = await openRaw(raw, client);
        const euro = Buffer.from("€𝄞", "utf8"); // 3 + 4 bytes
        conn.write(encodeFrame({ opcode: Op.TEXT, fin: false, payload: euro.subarray(0, 1) }));
        conn.write(encodeFrame({ opcode: Op.CONT, fin: false, payload: euro.subarray(1, 5) }));
        conn.write(encodeFrame({ opcode: Op.CONT, fin: true, payload: euro.subarray(5) }));
        assert.equal(text(await session.incoming.receive()), "€𝄞");
        session.terminate();
      } finally {
        client.close();
        await raw.close();
      }
    });
  });

  describe("protocol errors close with 1002", () => {
    const cases: [string, Buffer[]][] = [
      ["reserved data opcode 0x3", [encodeFrame({ opcode: 0x3, payload: "x" })]],
      ["reserved control opcode 0xB", [encodeFrame({ opcode: 0xb })]],
      ["RSV1 without an extension", [encodeFrame({ opcode: Op.TEXT, payload: "x", rsv: 0x40 })]],
      ["RSV2", [encodeFrame({ opcode: Op.BINARY, payload: "x", rsv: 0x20 })]],
      ["RSV3", [encodeFrame({ opcode: Op.TEXT, payload: "x", rsv: 0x10 })]],
      ["masked frame from the server", [encodeFrame({ opcode: Op.TEXT, payload: "masked", mask: true })]],
      ["ping over 125 bytes", [encodeFrame({ opcode: Op.PING, payload: Buffer.alloc(126) })]],
      ["close over 125 bytes", [encodeFrame({ opcode: Op.CLOSE, payload: Buffer.concat([closePayload(1000), Buffer.alloc(124, 0x61)]) })]],
      ["fragmented ping", [encodeFrame({ opcode: Op.PING, fin: false, payload: "p" })]],
      ["close payload of 1 byte", [encodeFrame({ opcode: Op.CLOSE, payload: Buffer.from([0x03]) })]],
      ["close code 1005", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1005) })]],
      ["close code 1006", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1006) })]],
      ["close code 999", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(999) })]],
      ["close code 1004", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1004) })]],
      ["close code 2000", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(2000) })]],
      ["close code 5000", [encodeFrame({ opcode: Op.CLOSE, payload: closePayload(5000) })]],
      ["continuation without a start", [encodeFrame({ opcode: Op.CONT, payload: "orphan" })]],
      [
        "new message in the middle of a fragmented one",
        [encodeFrame({ opcode: Op.TEXT, fin: false, payload: "part" }), encodeFrame({ opcode: Op.TEXT, payload: "new" })],
      ],
      [
        "binary message in the middle of a fragmented text",
        [encodeFrame({ opcode: Op.TEXT, fin: false, payload: "part" }), encodeFrame({ opcode: Op.BINARY, fin: false, payload: "b" })],
      ],
    ];

    test("each violation: Close 1002, receive fails with ProtocolViolationError, connection ends", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        for (const [label, frames] of cases) {
          const { conn, session } = await openRaw(raw, client);
          const waiting = assert.rejects(session.incoming.receive(), (error: unknown) => {
            assert.ok(error instanceof ClosedReceiveChannelError, label);
            assert.ok(error.cause instanceof ProtocolViolationError, `${label}: cause ${String(error.cause)}`);
            return true;
          });
          conn.write(Buffer.concat(frames));
          const close = await conn.expectClose(3_000).catch((error: Error) => assert.fail(`${label}: ${error.message}`));
          assert.equal(close.code, 1002, `${label}: client closed with ${close.code}`);
          assert.deepEqual(close.skipped, [], `${label}: nothing but the Close may be sent`);
          await waiting;
          assert.equal((await session.closeReason)?.code, 1002, label);
          await within(conn.closed, 3_000, `${label}: the client to end the connection`);
        }
      } finally {
        client.close();
        await raw.close();
      }
    });

    test("valid close codes are accepted and echoed (3000, 4999, 1000 with a reason, empty payload)", T, async () => {
      const raw = await startRawServer();
      const client = newClient();
      try {
        for (const [payload, expected] of [
          [closePayload(3000, "app"), 3000],
          [closePayload(4999), 4999],
          [closePayload(1000, "fine"), 1000],
          [Buffer.alloc(0), null],
        ] as const) {
          const { conn, session } = await openRaw(raw, client);
          conn.write(encodeFrame({ opcode: Op.CLOSE, payload }));
          const answer = await conn.expectClose(3_000);
          assert.equal(answer.code, expected, `answer to close ${String(expected)}`);
          const reason = await session.closeReason;
          assert.equal(reason?.code, expected ?? 1005);
          conn.end();
          await within(conn.closed, 3_000, "the connection to end");
        }
      } finally {
        client.close();
        await raw.close();
      }
    });
  });
});
