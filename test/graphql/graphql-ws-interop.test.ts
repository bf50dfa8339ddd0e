// GraphQLWsClient against graphql-ws's own server (graphql-ws/use/ws with graphql-js): queries, a
// finite and an endless subscription, `complete` on break seen by the server, errors, connectionParams
// evaluated again after a server restart with the subscription resumed, 4403 ending the client
// without a retry, and the server's ping answered.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import { GraphQLWsClient, GraphQLWsError } from "../../src/graphql/index.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { startGraphQLWsPeer } from "../helpers/graphql-ws-peer.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 20_000 };
const PROTOCOLS = ["graphql-transport-ws"];
const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

describe("GraphQLWsClient against graphql-ws's server", () => {
  test("queries, resolver errors, a finite and an endless subscription, complete on break", T, async () => {
    await using peer = await startGraphQLWsPeer();
    const client = new HttpClient((config) => config.install(WebSockets));
    await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: PROTOCOLS }), { connectionParams: { token: "t1" } });
    assert.deepEqual(await gql.execute({ query: "{ hello token }" }), { data: { hello: "world", token: "t1" } });

    const failed = await gql.execute({ query: "{ hello fails }" });
    assert.deepEqual(failed.data, { hello: "world", fails: null });
    assert.equal(failed.errors?.[0]?.message, "the resolver failed");

    const invalid = await gql.execute({ query: "{ nosuchfield }" }).catch((e: unknown) => e);
    assert.ok(invalid instanceof GraphQLWsError, String(invalid));
    assert.match(invalid.errors[0].message, /nosuchfield/);

    const counts: number[] = [];
    for await (const result of gql.subscribe<{ count: number }>({ query: "subscription ($to: Int) { count(to: $to) }", variables: { to: 3 } })) counts.push(result.data!.count);
    assert.deepEqual(counts, [1, 2, 3]);

    let ticks = 0;
    for await (const result of gql.subscribe<{ ticks: number }>({ query: "subscription { ticks }" })) {
      assert.equal(result.data?.ticks, ++ticks);
      if (ticks === 3) break;
    }
    // The endless subscription was the client's fifth operation: the server saw it completed.
    await within(
      (async () => {
        while (!peer.completed.includes("5")) await delay(10);
      })(),
      3_000,
      "the server's onComplete for the endless subscription",
    );
    assert.equal(gql.activeOperations, 0);
  });

  test("resolver errors: at a subscription's setup a result with errors, in its stream a GraphQLWsError", T, async () => {
    await using peer = await startGraphQLWsPeer();
    const client = new HttpClient((config) => config.install(WebSockets));
    await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: PROTOCOLS }));
    const refused: unknown[] = [];
    for await (const result of gql.subscribe({ query: "subscription { refused }" })) refused.push(result);
    assert.equal(refused.length, 1);
    assert.equal((refused[0] as { errors?: { message: string }[] }).errors?.[0]?.message, "this subscription is refused");

    const crashing = gql.subscribe<{ crashes: number }>({ query: "subscription { crashes }" });
    assert.deepEqual((await crashing.next()).value, { data: { crashes: 1 } });
    const error = await crashing.next().catch((e: unknown) => e);
    assert.ok(error instanceof GraphQLWsError, String(error));
    assert.deepEqual(error.errors.map((e) => e.message), ["the stream crashed"]);
    assert.equal(gql.activeOperations, 0);
  });

  test("a server restart: connectionParams evaluated again, the subscription resumed", T, async () => {
    await using peer = await startGraphQLWsPeer();
    const client = reconnectClient((r) => {
      r.minDelay = "50ms";
      r.maxDelay = "100ms";
    });
    let evaluated = 0;
    await using gql = new GraphQLWsClient(client.reconnectingSession({ url: peer.url, protocols: PROTOCOLS }), {
      connectionParams: async () => ({ token: `t${++evaluated}` }),
    });
    const ticks = gql.subscribe<{ ticks: number }>({ query: "subscription { ticks }" });
    assert.equal((await within(ticks.next(), 5_000, "a tick")).value?.data?.ticks, 1);
    await peer.restart();
    // The stream goes on: ticks of the new server's subscription start again from 1.
    for (;;) {
      const next = await within(ticks.next(), 5_000, "a tick after the restart");
      if (next.value?.data?.ticks === 1) break;
    }
    assert.deepEqual(peer.inits.map((init) => init.token), ["t1", "t2"]);
    assert.deepEqual(await gql.execute({ query: "{ token }" }), { data: { token: "t2" } });
    await ticks.return?.();
  });

  test("4403 on a bad token ends the client with GraphQLWsError and no retry", T, async () => {
    await using peer = await startGraphQLWsPeer();
    const client = reconnectClient((r) => {
      r.minDelay = "20ms";
      r.maxDelay = "40ms";
    });
    const session = client.reconnectingSession({ url: peer.url, protocols: PROTOCOLS });
    const gql = new GraphQLWsClient(session, { connectionParams: { token: "bad" } });
    const error = await gql.execute({ query: "{ hello }" }).catch((e: unknown) => e);
    assert.ok(error instanceof GraphQLWsError, String(error));
    assert.equal(error.closeCode, 4403);
    await delay(300);
    assert.equal(peer.inits.length, 1, "the client tried again after 4403");
    assert.equal((await session.ended).type, "ended");
  });

  test("the server's ping is answered with a pong", T, async () => {
    await using peer = await startGraphQLWsPeer();
    const client = new HttpClient((config) => config.install(WebSockets));
    await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: PROTOCOLS }));
    await gql.execute({ query: "{ hello }" });
    peer.pingClients();
    await within(
      (async () => {
        while (peer.pongs === 0) await delay(10);
      })(),
      3_000,
      "a pong",
    );
  });
});
