// GraphQLWsClient against graphql-ws's own server (graphql-ws/use/ws with graphql-js): the scenarios
// of test/graphql/scenarios.ts, and what graphql-ws does with a subscription refused at its setup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import { GraphQLWsClient } from "../../src/graphql/index.js";
import { startGraphQLWsPeer } from "../helpers/graphql-ws-peer.js";
import { graphqlScenarios } from "./scenarios.js";

graphqlScenarios("GraphQLWsClient against graphql-ws's server", async () => {
  const peer = await startGraphQLWsPeer();
  return {
    url: peer.url,
    tokens: () => peer.inits.map((init) => init.token),
    completed: () => peer.completed,
    pongs: () => peer.pongs,
    ping: () => peer.pingClients(),
    restart: () => peer.restart(),
    [Symbol.asyncDispose]: () => peer.close(),
  };
});

test("graphql-ws: a subscription refused at its setup gives one result with the error, then ends", { timeout: 10_000 }, async () => {
  await using peer = await startGraphQLWsPeer();
  const client = new HttpClient((config) => config.install(WebSockets));
  await using gql = new GraphQLWsClient(await client.webSocketSession({ url: peer.url, protocols: ["graphql-transport-ws"] }));
  const refused: unknown[] = [];
  for await (const result of gql.subscribe({ query: "subscription { refused }" })) refused.push(result);
  assert.equal(refused.length, 1);
  assert.equal((refused[0] as { errors?: { message: string }[] }).errors?.[0]?.message, "this subscription is refused");
});
