// Testing code that takes an HttpClient without a network: MockEngine (from kite-ws/testing) runs a
// scripted server in the same process. Its `server` is a real DefaultWebSocketSession, so the close
// handshake, pings, size limits and backpressure behave as they do over CIO.
//
// Run it (in a project with kite-ws installed) with:
//     npx tsx testing-with-mock-engine.ts        (or: node --test testing-with-mock-engine.ts on Node 22.18+)
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloseReason, Frame, HttpClient, JsonConverter, WebSocketHandshakeError, WebSockets } from "kite-ws";
import { MockEngine } from "kite-ws/testing";

// --- The code under test: subscribes to a price feed and returns the first `count` prices. ---

interface Price {
  readonly symbol: string;
  readonly price: number;
}

async function firstPrices(client: HttpClient, symbol: string, count: number): Promise<Price[]> {
  return client.webSocket({ url: "wss://feed.example/live", protocols: ["prices.v1"] }, async (session) => {
    if (session.protocol !== "prices.v1") throw new Error(`unexpected protocol ${String(session.protocol)}`);
    await session.sendSerialized({ subscribe: symbol });
    const prices: Price[] = [];
    while (prices.length < count) prices.push(await session.receiveDeserialized<Price>());
    return prices;
  });
}

// --- Its tests, with a scripted server instead of the real feed. ---

function clientFor(engine: MockEngine): HttpClient {
  return new HttpClient(engine, (config) =>
    config.install(WebSockets, (ws) => {
      ws.contentConverter = new JsonConverter();
    }),
  );
}

test("reads the first prices of the subscribed symbol", async () => {
  let serverClose: Promise<CloseReason | null> | undefined;
  const engine = new MockEngine(
    async (server) => {
      serverClose = server.closeReason;
      const request = await server.receiveDeserialized<{ subscribe: string }>();
      for (const price of [101.5, 102, 99.75]) await server.sendSerialized({ symbol: request.subscribe, price });
      await server.closeReason; // stay open until the client leaves
    },
    { protocols: ["prices.v1"], server: { converter: new JsonConverter() } },
  );
  const prices = await firstPrices(clientFor(engine), "KITE", 2);
  assert.deepEqual(prices, [
    { symbol: "KITE", price: 101.5 },
    { symbol: "KITE", price: 102 },
  ]);
  // The client's block returned, so it closed the session normally.
  assert.deepEqual(await serverClose, new CloseReason(CloseReason.Codes.NORMAL, ""));
  assert.deepEqual(engine.errors, []);
});

test("fails when the server refuses the handshake", async () => {
  const engine = new MockEngine(() => {}, { handshake: () => ({ status: 503, headers: { "retry-after": "5" }, body: "maintenance" }) });
  await assert.rejects(firstPrices(clientFor(engine), "KITE", 1), (error: unknown) => {
    return error instanceof WebSocketHandshakeError && error.status === 503 && error.headers.get("retry-after") === "5";
  });
});

test("fails when the server closes early", async () => {
  const engine = new MockEngine(
    async (server) => {
      await server.close(new CloseReason(CloseReason.Codes.TRY_AGAIN_LATER, "overloaded"));
    },
    { protocols: ["prices.v1"] },
  );
  await assert.rejects(firstPrices(clientFor(engine), "KITE", 1));
});

test("or drive the server from the test itself: an engine without a handler", async () => {
  const engine = new MockEngine({ protocols: ["prices.v1"] });
  const client = clientFor(engine);
  const result = firstPrices(client, "KITE", 1);
  const { server } = await engine.nextConnection();
  const subscribe = await server.incoming.receive();
  assert.ok(subscribe instanceof Frame.Text);
  assert.deepEqual(JSON.parse(subscribe.readText()), { subscribe: "KITE" });
  await server.send(JSON.stringify({ symbol: "KITE", price: 1 }));
  assert.deepEqual(await result, [{ symbol: "KITE", price: 1 }]);
  client.close();
});
