// The scenarios of issue "GraphQL over WebSocket", run against any graphql-transport-ws server that
// serves the schema of test/helpers/graphql-ws-peer.ts (graphql-ws's own server, and the kite-ws route
// of examples/graphql-over-websocket.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import type { ReconnectConfig } from "../../src/plugins/reconnect/index.js";
import { GraphQLWsClient, GraphQLWsError } from "../../src/graphql/index.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { within } from "../helpers/ws-peer.js";

/** A server under test, as the scenarios see it. */
export interface GraphQLPeer extends AsyncDisposable {
  readonly url: string;
  /** The tokens of the `connection_init` messages it saw, in order (across restarts). */
  tokens(): unknown[];
  /** The operation ids it saw completed by the client. */
  completed(): string[];
  /** Pongs it got for its pings. */
  pongs(): number;
  /** Makes it ping its clients now, where it can (else it pings on its own). */
  ping(): void;
  /** Drops every connection and serves again on the same port. */
  restart(): Promise<void>;
  /** A client that reaches it (CIO over the network, or MockEngine); with Reconnect configured by `reconnect` when given. */
  client?(reconnect?: (r: ReconnectConfig) => void): HttpClient;
}

/** Over the network (CIO) unless the peer brings its own engine. */
function clientFor(peer: GraphQLPeer, reconnect?: (r: ReconnectConfig) => void): HttpClient {
  if (peer.client !== undefined) return peer.client(reconnect);
  return reconnect === undefined ? new HttpClient((config) => config.install(WebSockets)) : reconnectClient(reconnect);
}

const T = { timeout: 20_000 };
const PROTOCOLS = ["graphql-transport-ws"];
const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));
const until = (what: string, ok: () => boolean, millis = 3_000): Promise<void> =>
  within(
    (async () => {
      while (!ok()) await delay(10);
    })(),
    millis,
    what,
  );

export function graphqlScenarios(title: string, start: () => Promise<GraphQLPeer>): void {
  describe(title, () => {
    test("queries, resolver errors, a finite and an endless subscription, complete on break", T, async () => {
      await using peer = await start();
      const client = clientFor(peer);
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
      await until("the server seeing the endless subscription completed", () => peer.completed().includes("5"));
      assert.equal(gql.activeOperations, 0);
    });

    test("a resolver error in a subscription's stream ends it with GraphQLWsError", T, async () => {
      await using peer = await start();
      const client = clientFor(peer);
      await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: PROTOCOLS }));
      const crashing = gql.subscribe<{ crashes: number }>({ query: "subscription { crashes }" });
      assert.deepEqual((await crashing.next()).value, { data: { crashes: 1 } });
      const error = await crashing.next().catch((e: unknown) => e);
      assert.ok(error instanceof GraphQLWsError, String(error));
      assert.deepEqual(error.errors.map((e) => e.message), ["the stream crashed"]);
      assert.equal(gql.activeOperations, 0);
    });

    test("a server restart: connectionParams evaluated again, the subscription resumed", T, async () => {
      await using peer = await start();
      const client = clientFor(peer, (r) => {
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
      assert.deepEqual(peer.tokens(), ["t1", "t2"]);
      assert.deepEqual(await gql.execute({ query: "{ token }" }), { data: { token: "t2" } });
      await ticks.return?.();
    });

    test("4403 on a bad token ends the client with GraphQLWsError and no retry", T, async () => {
      await using peer = await start();
      const client = clientFor(peer, (r) => {
        r.minDelay = "20ms";
        r.maxDelay = "40ms";
      });
      const session = client.reconnectingSession({ url: peer.url, protocols: PROTOCOLS });
      const gql = new GraphQLWsClient(session, { connectionParams: { token: "bad" } });
      const error = await gql.execute({ query: "{ hello }" }).catch((e: unknown) => e);
      assert.ok(error instanceof GraphQLWsError, String(error));
      assert.equal(error.closeCode, 4403);
      await delay(300);
      assert.equal(peer.tokens().length, 1, "the client tried again after 4403");
      assert.equal((await session.ended).type, "ended");
    });

    test("the server's ping is answered with a pong", T, async () => {
      await using peer = await start();
      const client = clientFor(peer);
      await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: PROTOCOLS }));
      await gql.execute({ query: "{ hello }" });
      peer.ping();
      await until("a pong", () => peer.pongs() > 0, 5_000);
    });
  });
}
