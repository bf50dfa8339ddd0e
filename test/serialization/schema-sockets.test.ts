// Typed messages over real sockets on 127.0.0.1: kite-ws's client (CIO) against a `ws` peer and
// against kite-ws's own server, whose sessions get the same methods.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { WebSocket } from "ws";
import { CIO, HttpClient, JsonConverter, SchemaValidationError, WebSockets, type InvalidMessageError } from "../../src/index.js";
import { serve } from "../../src/server/index.js";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { ValibotCount, ZodChat, asyncDigits, delay } from "./schema-helpers.js";

const T = { timeout: 15_000 };

function jsonClient(): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => (ws.contentConverter = new JsonConverter())));
}

test("against a ws peer: an invalid sendSerialized sends nothing, and the session goes on", T, async () => {
  const received: string[] = [];
  const peer = await startWsPeer((socket: WebSocket) => socket.on("message", (data) => received.push(String(data))));
  const client = jsonClient();
  try {
    const session = await client.webSocketSession(`${peer.url}/chat`);
    await assert.rejects(session.sendSerialized({ user: "", text: "hi", sentAt: "2024-05-01T10:00:00Z" }, ZodChat), SchemaValidationError);
    await assert.rejects(session.sendSerialized("12a", asyncDigits()), SchemaValidationError);
    await session.flush();
    // Give anything that did go out time to arrive: the peer must have seen nothing.
    await delay(100);
    assert.deepEqual(received, []);

    await session.sendSerialized({ user: "ann", text: "hi", sentAt: "2024-05-01T10:00:00Z" }, ZodChat);
    await session.sendSerialized("12", asyncDigits());
    await within(
      (async () => {
        while (received.length < 2) await delay(5);
      })(),
      5_000,
      "the peer to receive two messages",
    );
    assert.deepEqual(received, ['{"user":"ann","text":"hi","sentAt":"2024-05-01T10:00:00Z"}', '"12"']);
    await session.close();
  } finally {
    client.close();
    await peer.close();
  }
});

test("against a ws peer: after an invalid message, receiveDeserialized and messages() go on", T, async () => {
  const peer = await startWsPeer((socket: WebSocket) => {
    for (const text of ['{"count":"1"}', '{"count":"x"}', '{"count":"2"}', '{"count":"y"}', '{"count":"3"}']) socket.send(text);
  });
  const client = jsonClient();
  try {
    const session = await client.webSocketSession(peer.url);
    assert.deepEqual(await session.receiveDeserialized(ValibotCount), { count: 1, room: "lobby" });
    await assert.rejects(session.receiveDeserialized(ValibotCount), SchemaValidationError);
    const counts = session.messages(ValibotCount);
    assert.equal((await counts.next()).value?.count, 2);
    await assert.rejects(counts.next(), SchemaValidationError);
    assert.equal((await counts.next()).value?.count, 3);
    await session.close();
  } finally {
    client.close();
    await peer.close();
  }
});

test("kite-ws server and client: a chat of validated messages, invalid ones reported and skipped on both ends", T, async () => {
  const serverReported: InvalidMessageError[] = [];
  const server = await serve({ host: "127.0.0.1", port: 0, contentConverter: new JsonConverter() }, (routes) =>
    routes.webSocket("/chat", async (session) => {
      for await (const message of session.messages(ZodChat, { onInvalid: (error) => serverReported.push(error) })) {
        await session.sendSerialized({ count: String(message.text.length), room: message.user }, ValibotCount);
        // Something the client's schema refuses: a count that is not digits, sent raw.
        await session.send(JSON.stringify({ count: `${message.text.length}!` }));
      }
    }),
  );
  const client = jsonClient();
  try {
    const session = await client.webSocketSession(`${server.url}/chat`);
    await session.sendSerialized({ user: "ann", text: "hello", sentAt: "2024-05-01T10:00:00Z" }, ZodChat);
    await session.send(JSON.stringify({ user: "ann", text: 42 })); // invalid: the server reports it and goes on
    await session.send("not json at all");
    await session.sendSerialized({ user: "bob", text: "hi", sentAt: "2024-05-01T10:00:01Z" }, ZodChat);

    const clientReported: InvalidMessageError[] = [];
    const replies: { count: number; room: string }[] = [];
    for await (const reply of session.messages(ValibotCount, { onInvalid: (error) => clientReported.push(error) })) {
      replies.push(reply);
      if (replies.length === 2) break;
    }
    assert.deepEqual(replies, [{ count: 5, room: "ann" }, { count: 2, room: "bob" }]);
    assert.equal(clientReported.length, 1);
    assert.ok(clientReported[0] instanceof SchemaValidationError);
    // The second invalid reply is still in incoming: the iterator reads nothing ahead.
    await assert.rejects(session.receiveDeserialized(ValibotCount), SchemaValidationError);

    await session.close();
    assert.deepEqual(serverReported.map((error) => error.name), ["SchemaValidationError", "DeserializationError"]);
  } finally {
    client.close();
    await server.close();
  }
});
