import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  FrameType,
  CloseReason,
  WebSocketSession,
  DefaultWebSocketSession,
  ClosedReceiveChannelError,
} from "../../src/index.js";
import { startWsPeer, delay, within, settlesWithin } from "../helpers/ws-peer.js";
import { startRawServer, encodeFrame, closePayload, Op } from "../helpers/raw-server.js";

const T = { timeout: 10_000 };

function newClient(): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets));
}

describe("raw session", () => {
  test("ws's ping, pong, data and close all reach incoming; nothing is answered for us", T, async () => {
    let pongs = 0;
    const peer = await startWsPeer((socket) => {
      socket.on("pong", () => pongs++);
      socket.ping(Buffer.from("ping-1"));
      socket.pong(Buffer.from("pong-1"));
      socket.send("data-1");
      socket.send(Buffer.from([1, 2, 3]));
      socket.close(4002, "raw close");
    });
    const client = newClient();
    try {
      const session = await client.webSocketRawSession(peer.url);
      assert.ok(session instanceof WebSocketSession && !(session instanceof DefaultWebSocketSession));
      const frames: Frame[] = [];
      for (let i = 0; i < 5; i++) frames.push(await within(session.incoming.receive(), 2_000, `frame ${i + 1}`));
      assert.deepEqual(
        frames.map((f) => f.frameType),
        [FrameType.PING, FrameType.PONG, FrameType.TEXT, FrameType.BINARY, FrameType.CLOSE],
      );
      assert.ok(frames[0] instanceof Frame.Ping);
      assert.equal(Buffer.from(frames[0].data).toString(), "ping-1");
      assert.ok(frames[1] instanceof Frame.Pong);
      assert.equal(Buffer.from(frames[1].data).toString(), "pong-1");
      assert.equal((frames[2] as Frame.Text).readText(), "data-1");
      assert.deepEqual([...frames[3].readBytes()], [1, 2, 3]);
      const close = frames[4];
      assert.ok(close instanceof Frame.Close);
      assert.deepEqual(close.readReason(), new CloseReason(4002, "raw close"));

      // No pong, no Close answer: the server is still waiting for ours.
      await delay(300);
      assert.equal(pongs, 0, "a raw session must not answer pings");
      const server = await peer.nextConnection();
      assert.equal((await settlesWithin(server.closed, 1)).state, "timeout", "a raw session must not answer the Close");
      assert.equal(server.socket.readyState, server.socket.CLOSING);

      // The user completes the handshake by hand.
      await session.outgoing.send(new Frame.Close(new CloseReason(4002, "raw close")));
      assert.deepEqual(await within(server.closed, 2_000, "the server's close"), { code: 4002, reason: "raw close" });
      assert.equal((await session.closeReason)?.code, 4002);
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("a raw server's control frames and fragments arrive as they are; nothing is written back", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const pending = client.webSocketRawSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.accept();
      const session = await pending;
      conn.write(
        Buffer.concat([
          encodeFrame({ opcode: Op.PING, payload: "p" }),
          encodeFrame({ opcode: Op.TEXT, fin: false, payload: "frag-" }),
          encodeFrame({ opcode: Op.PONG, payload: "q" }),
          encodeFrame({ opcode: Op.CONT, fin: true, payload: "ment" }),
          encodeFrame({ opcode: Op.CLOSE, payload: closePayload(1001, "going") }),
        ]),
      );
      const frames: Frame[] = [];
      for (let i = 0; i < 5; i++) frames.push(await within(session.incoming.receive(), 2_000, `frame ${i + 1}`));
      assert.deepEqual(
        frames.map((f) => [f.frameType, f.fin]),
        [
          [FrameType.PING, true],
          [FrameType.TEXT, false],
          [FrameType.PONG, true],
          [FrameType.TEXT, true], // a continuation keeps its message's type
          [FrameType.CLOSE, true],
        ],
      );
      assert.equal((frames[1] as Frame.Text).readText(), "frag-");
      assert.equal((frames[3] as Frame.Text).readText(), "ment");
      assert.deepEqual((frames[4] as Frame.Close).readReason(), new CloseReason(1001, "going"));
      assert.equal(await conn.frameWithin(300), "none", "a raw session must send nothing on its own");

      // A Close frame the user sends goes out as given; the server then ends TCP.
      await session.outgoing.send(new Frame.Close(new CloseReason(1001, "")));
      const answer = await conn.expectClose();
      assert.equal(answer.code, 1001);
      conn.end();
      await within(conn.closed, 3_000, "the connection to end");
      assert.equal(session.incoming.isClosedForReceive, true);
    } finally {
      client.close();
      await raw.close();
    }
  });

  test("the user can answer a ping by hand, and the raw session has no ping timer", T, async () => {
    const pongs: string[] = [];
    let pings = 0;
    const peer = await startWsPeer((socket) => {
      socket.on("pong", (data) => pongs.push(data.toString()));
      socket.on("ping", () => pings++);
      socket.ping("hand");
    });
    const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => (ws.pingIntervalMillis = 30)));
    try {
      const session = await client.webSocketRawSession(peer.url);
      const ping = await session.incoming.receive();
      assert.ok(ping instanceof Frame.Ping);
      await session.send(new Frame.Pong(ping.data));
      await delay(200);
      assert.deepEqual(pongs, ["hand"]);
      assert.equal(pings, 0, "a raw session sends no pings of its own");
      await session.send(new Frame.Ping(new TextEncoder().encode("mine")));
      const pong = await session.incoming.receive(); // ws answers with a pong, which reaches us as is
      assert.ok(pong instanceof Frame.Pong);
      assert.equal(new TextDecoder().decode(pong.data), "mine");
      session.terminate();
    } finally {
      client.close();
      await peer.close();
    }
  });

  test("a raw session still fails the connection on framing errors (1002)", T, async () => {
    const raw = await startRawServer();
    const client = newClient();
    try {
      const pending = client.webSocketRawSession(raw.url);
      const conn = await raw.nextConnection();
      await conn.accept();
      const session = await pending;
      const waiting = assert.rejects(session.incoming.receive(), ClosedReceiveChannelError);
      conn.write(encodeFrame({ opcode: 0x5, payload: "reserved" }));
      assert.equal((await conn.expectClose(3_000)).code, 1002);
      await waiting;
      await within(conn.closed, 3_000, "the connection to end");
    } finally {
      client.close();
      await raw.close();
    }
  });
});
