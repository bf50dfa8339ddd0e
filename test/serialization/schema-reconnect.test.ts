// Typed messages on a ReconnectingWebSocketSession: the same methods as a session, across connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloseReason, JsonConverter, SchemaValidationError, type InvalidMessageError } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { reconnectClient, EventLog } from "../plugins/reconnect/helpers.js";
import { within } from "../helpers/ws-peer.js";
import { ValibotCount, asyncDigits } from "./schema-helpers.js";

test("reconnecting session: messages(schema) goes on across connections; invalid messages and values are refused alike", { timeout: 15_000 }, async () => {
  const serverReceived: unknown[] = [];
  let connections = 0;
  let lastSession: DefaultWebSocketServerSession | null = null;
  const server = await serve({ host: "127.0.0.1", port: 0, contentConverter: new JsonConverter() }, (routes) =>
    routes.webSocket("/feed", async (session) => {
      lastSession = session;
      if (++connections === 1) {
        await session.send('{"count":"1"}');
        await session.send('{"count":"one"}');
        // A restart: the default policy reconnects after 1012.
        await session.close(new CloseReason(CloseReason.Codes.SERVICE_RESTART, "restart"));
        return;
      }
      await session.send('{"count":"2","room":"kites"}');
      for await (const value of session.messages(ValibotCount)) serverReceived.push(value);
    }),
  );
  const client = reconnectClient(() => {}, (ws) => (ws.contentConverter = new JsonConverter()));
  const session = client.reconnectingSession(`${server.url}/feed`);
  const log = new EventLog(session);
  try {
    const reported: InvalidMessageError[] = [];
    const counts = session.messages(ValibotCount, { onInvalid: (error) => reported.push(error) });
    assert.deepEqual((await counts.next()).value, { count: 1, room: "lobby" });
    assert.deepEqual((await counts.next()).value, { count: 2, room: "kites" });
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof SchemaValidationError);
    assert.equal(log.of("open").length, 2);

    // An invalid value is refused before the replay queue: nothing is queued, nothing sent.
    await assert.rejects(session.sendSerialized({ count: "3!" }, ValibotCount), SchemaValidationError);
    await assert.rejects(session.sendSerialized("x", asyncDigits()), SchemaValidationError);
    assert.equal(session.queuedMessages, 0);
    await session.sendSerialized({ count: "3" }, ValibotCount);
    await session.flush();

    // receiveDeserialized(schema), and the session stays usable after a failure.
    lastSession!.send('{"count":"-"}').catch(() => {});
    lastSession!.send('{"count":"4"}').catch(() => {});
    await assert.rejects(session.receiveDeserialized(ValibotCount), SchemaValidationError);
    assert.deepEqual(await session.receiveDeserialized(ValibotCount), { count: 4, room: "lobby" });

    await session.close();
    await within(
      (async () => {
        while (serverReceived.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      5_000,
      "the server to receive the valid value",
    );
    assert.deepEqual(serverReceived, [{ count: 3, room: "lobby" }]);
  } finally {
    session.terminate();
    client.close();
    await server.close();
  }
});
