// toStreams over a client session on CIO and on the Platform engine, against an independent peer
// (the ws package): messages both ways, and how closes, aborts, cancels and failures map.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  CloseReason,
  ClosedSendChannelError,
  ConnectionClosedError,
  Frame,
  toStreams,
  type HttpClient,
  type StreamMessage,
} from "../../src/index.js";
import { startWsPeer, echo, within, type WsPeer } from "../helpers/ws-peer.js";
import { cioClient, platformClient, readAll, rejectionOf, take } from "./helpers.js";

const T = { timeout: 20_000 };

const ENGINES: { name: string; client: () => HttpClient; code1011: number }[] = [
  { name: "CIO", client: () => cioClient(), code1011: 1011 },
  // The runtime's WebSocket.close() takes 1000 and 3000–4999 only: 1011 goes out as a Close without a code.
  { name: "Platform (undici's WebSocket)", client: () => platformClient(), code1011: 1005 },
];

for (const engine of ENGINES) {
  describe(`toStreams on ${engine.name}`, () => {
    let peer: WsPeer;
    before(async () => {
      peer = await startWsPeer((socket) => {
        echo(socket);
        socket.on("message", (data, isBinary) => {
          if (!isBinary && data.toString() === "close 4000") socket.close(4000, "peer says bye");
          if (!isBinary && data.toString() === "terminate") socket.terminate();
        });
      }, { handleProtocols: (protocols) => (protocols.has("chat") ? "chat" : false) });
    });
    after(() => peer.close());

    test("text comes as strings, binary as Uint8Array; writes take strings, ArrayBuffers and views; close() is 1000", T, async () => {
      const session = await engine.client().webSocketSession({ url: peer.url, protocols: ["chat"] });
      const connection = await peer.nextConnection();
      const streams = toStreams(session);
      assert.equal(streams.protocol, "chat");
      assert.deepEqual(streams.extensions, session.extensions);
      const writer = streams.writable.getWriter();
      const reader = streams.readable.getReader();
      const bytes = new Uint8Array([9, 1, 2, 3, 9]);
      await writer.write("héllo ☃");
      await writer.write(bytes.subarray(1, 4));
      await writer.write(new Uint8Array([4, 5]).buffer);
      await writer.write(new DataView(new Uint8Array([6, 7, 8]).buffer, 1, 2));
      await writer.write(Buffer.from("buf"));
      // The bytes were copied when written: changing the buffer now changes nothing sent.
      bytes.fill(0);
      const got = await take(reader, 5);
      assert.deepEqual(got, ["héllo ☃", new Uint8Array([1, 2, 3]), new Uint8Array([4, 5]), new Uint8Array([7, 8]), new Uint8Array(Buffer.from("buf"))]);
      await within(writer.close(), 5_000, "writer.close()");
      assert.deepEqual(await connection.closed, { code: 1000, reason: "" });
      assert.deepEqual(await reader.read(), { value: undefined, done: true });
      assert.equal((await session.closeReason)?.code, 1000);
    });

    test("the peer's Close ends the readable after the messages before it; a write afterwards rejects with ClosedSendChannelError", T, async () => {
      const session = await engine.client().webSocketSession(peer.url);
      await peer.nextConnection();
      const { readable, writable } = toStreams(session);
      const writer = writable.getWriter();
      await writer.write("one");
      await writer.write("close 4000");
      assert.deepEqual(await readAll(readable), ["one", "close 4000"]);
      assert.deepEqual(await session.closeReason, new CloseReason(4000, "peer says bye"));
      // Until our answer to the peer's Close is queued, a message may still go before it (RFC 6455 §5.5.1).
      await within(session.close(), 5_000, "the end of the session");
      const error = await rejectionOf(writer.write("late"));
      assert.ok(error instanceof ClosedSendChannelError, `got ${String(error)}`);
      assert.ok(await rejectionOf(writer.closed) instanceof ClosedSendChannelError);
    });

    test("a lost connection errors the readable with ConnectionClosedError", T, async () => {
      const session = await engine.client().webSocketSession(peer.url);
      await peer.nextConnection();
      const { readable, writable } = toStreams(session);
      await writable.getWriter().write("terminate");
      const error = await rejectionOf(readAll(readable));
      assert.ok(error instanceof ConnectionClosedError, `got ${String(error)}`);
      assert.equal((await session.closeReason)?.code, 1006);
    });

    const aborts: { what: string; reason: unknown; expect: { code: number; reason: string } }[] = [
      { what: "a CloseReason", reason: new CloseReason(4001, "bye"), expect: { code: 4001, reason: "bye" } },
      { what: "a WebSocketError-like { closeCode, reason }", reason: { closeCode: 4002, reason: "why" }, expect: { code: 4002, reason: "why" } },
      { what: "nothing", reason: undefined, expect: { code: 1000, reason: "" } },
      { what: "an Error (its message is not sent)", reason: new Error("secret detail"), expect: { code: engine.code1011, reason: "" } },
    ];
    for (const { what, reason, expect } of aborts) {
      test(`writable.abort(${what}) and readable.cancel(${what}) close the session with ${expect.code}`, T, async () => {
        for (const side of ["abort", "cancel"] as const) {
          const session = await engine.client().webSocketSession(peer.url);
          const connection = await peer.nextConnection();
          const streams = toStreams(session);
          if (side === "abort") await within(streams.writable.abort(reason), 5_000, "abort()");
          else await within(streams.readable.cancel(reason), 5_000, "cancel()");
          assert.deepEqual(await connection.closed, expect, side);
          await within(session.closeReason, 5_000, "the session's end");
        }
      });
    }
  });
}

describe("toStreams's arguments and chunks", () => {
  let peer: WsPeer;
  before(async () => (peer = await startWsPeer()));
  after(() => peer.close());

  test("anything but a non-raw session is a TypeError naming the parameter and quoting the value", async () => {
    for (const value of [undefined, null, 42, "ws://x", {}, { incoming: {}, send() {}, close() {} }]) {
      assert.throws(() => toStreams(value as never), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /^toStreams\(session\): session must be a WebSocket session .*; got /);
        return true;
      });
    }
    assert.throws(() => toStreams(42 as never), /got 42 \(a number\)$/);
    const raw = await cioClient().webSocketRawSession(peer.url);
    await peer.nextConnection();
    assert.throws(() => toStreams(raw), /not a raw one \(webSocketRaw\): streams carry whole messages; got a WebSocketSession$/);
    await raw.close();
  });

  test("a chunk that is not a string or bytes rejects the write with a TypeError quoting it, and errors the writable, not the session", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const streams = toStreams(session);
    const writer = streams.writable.getWriter();
    const error = await rejectionOf(writer.write(42 as unknown as string));
    assert.ok(error instanceof TypeError);
    assert.equal(
      error.message,
      "toStreams(session).writable.write(chunk): chunk must be a string, an ArrayBuffer or an ArrayBufferView (Uint8Array, Buffer, DataView, ...); got 42 (a number)",
    );
    assert.ok((await rejectionOf(writer.write("after"))) instanceof TypeError, "the writable is errored");
    // The session and the readable go on.
    await session.send("still open");
    assert.deepEqual(await take(streams.readable.getReader(), 1), ["still open"]);
    await session.close();
  });

  test("abort with a code a Close frame may not carry closes with 1011 and rejects with the RangeError", T, async () => {
    for (const reason of [new CloseReason(1006, "no"), { closeCode: 999 }]) {
      const session = await cioClient().webSocketSession(peer.url);
      const connection = await peer.nextConnection();
      const error = await rejectionOf(toStreams(session).writable.abort(reason));
      assert.ok(error instanceof RangeError, `got ${String(error)}`);
      assert.match(error.message, /^close\(reason\): reason\.code must be a code a Close frame may carry .*; got (1006|999) \(a number\)$/);
      assert.deepEqual(await connection.closed, { code: 1011, reason: "" });
    }
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const error = await rejectionOf(toStreams(session).writable.abort({ closeCode: "4000" }));
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, 'abort(reason): reason.closeCode must be a close code; got "4000" (a string)');
  });

  test("the readable reads nothing ahead of its reader: messages wait in incoming", T, async () => {
    const session = await cioClient().webSocketSession(peer.url);
    await peer.nextConnection();
    const { readable, writable } = toStreams(session);
    const writer = writable.getWriter();
    for (const text of ["a", "b", "c"]) await writer.write(text);
    const reader = readable.getReader();
    assert.deepEqual(await take(reader, 1), ["a"]);
    // The two others are still the session's: a receive() gets them.
    const frame = await within(session.incoming.receive(), 5_000, "b");
    assert.ok(frame instanceof Frame.Text && frame.readText() === "b");
    assert.deepEqual(await take(reader, 1), ["c"] as StreamMessage[]);
    await writer.close();
  });
});
