// Arbitrary JS values at every entry of GraphQLWsClient: each is taken as documented or refused with a
// TypeError / RangeError, before anything is sent; the client stays usable.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Frame, HttpClient, WebSockets } from "../../src/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { GraphQLWsClient } from "../../src/graphql/index.js";

const anything = fc.anything({ withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
const value = fc.oneof(anything, fc.constantFrom<unknown>(undefined, null, "", "{ hello }", 0, -1, NaN, Symbol("s"), () => 1, [], {}, { query: "" }, { query: 5 }, { query: "{ hello }", variables: 3 }, { ackTimeout: -1 }, { signal: "no" }));

test("any value at any parameter is taken or refused with a TypeError / RangeError; the client stays usable", { timeout: 60_000 }, async () => {
  const engine = new MockEngine(async (session) => {
    for await (const frame of session.incoming) {
      const message = JSON.parse((frame as Frame.Text).readText()) as { type: string; id?: string };
      if (message.type === "connection_init") await session.send(JSON.stringify({ type: "connection_ack" }));
      if (message.type === "subscribe") {
        await session.send(JSON.stringify({ id: message.id, type: "next", payload: { data: { ok: true } } }));
        await session.send(JSON.stringify({ id: message.id, type: "complete" }));
      }
    }
  }, { protocols: ["graphql-transport-ws"] });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const gql = new GraphQLWsClient(await client.webSocketSession({ url: "ws://mock.test/", protocols: ["graphql-transport-ws"] }));
  const attempt = async (run: () => unknown): Promise<void> => {
    try {
      const result = run();
      if (result instanceof Promise) await result;
      else if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) await (result as unknown as AsyncIterator<unknown>).return?.();
    } catch (error) {
      assert.ok(error instanceof TypeError || error instanceof RangeError, `${String(error)} is neither a TypeError nor a RangeError`);
    }
  };
  try {
    await fc.assert(
      fc.asyncProperty(value, value, async (a, b) => {
        await attempt(() => gql.execute(a as never, b as never));
        await attempt(() => gql.subscribe(a as never, b as never));
        await attempt(() => new GraphQLWsClient(a as never, b as never));
      }),
      { numRuns: 300 },
    );
    assert.deepEqual((await gql.execute({ query: "{ ok }" })).data, { ok: true });
  } finally {
    await gql.close();
  }
});
