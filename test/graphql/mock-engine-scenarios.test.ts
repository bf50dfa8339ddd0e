// The scenarios of test/graphql/scenarios.ts over MockEngine: the kite-ws route of
// examples/graphql-over-websocket.ts runs in process as MockEngine's server, so users' GraphQL code is
// tested the same way without a network. A restart drops every mock connection (1006).
import { CloseReason, HttpClient, WebSockets } from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { MockEngine, type MockServerSession } from "../../src/testing/index.js";
import { graphqlScenarios, type GraphQLPeer } from "./scenarios.js";

// The example imports "kite-ws" by name, as a user would: resolved to this build, so its classes are
// the ones the test sees.
await import("../examples/register-kite-ws.js");
const { graphqlRoute } = (await import(new URL("../../examples/graphql-over-websocket.js", import.meta.url).href)) as {
  graphqlRoute: (log: (line: string) => void) => (session: MockServerSession) => Promise<void>;
};

graphqlScenarios("GraphQLWsClient over MockEngine, against the route of examples/graphql-over-websocket.ts", async (): Promise<GraphQLPeer> => {
  const lines: string[] = [];
  const route = graphqlRoute((line) => lines.push(line));
  const sessions = new Set<MockServerSession>();
  const engine = new MockEngine(
    async (session) => {
      sessions.add(session);
      try {
        await route(session);
      } finally {
        sessions.delete(session);
      }
    },
    { protocols: ["graphql-transport-ws"] },
  );
  const values = (prefix: string): string[] => lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  return {
    url: "ws://mock.test/graphql",
    tokens: () => values("init token=").map((token) => (token === "undefined" ? undefined : token)),
    completed: () => values("complete id="),
    pongs: () => values("pong").length,
    ping: () => {},
    restart: async () => {
      for (const session of sessions) session.terminate();
    },
    client: (reconnect) =>
      new HttpClient(engine, (config) => {
        config.install(WebSockets);
        if (reconnect !== undefined) {
          config.install(Reconnect, (r) => {
            r.minUptime = "50ms";
            reconnect(r);
          });
        }
      }),
    [Symbol.asyncDispose]: async () => {
      for (const session of sessions) await session.close(new CloseReason(CloseReason.Codes.GOING_AWAY, ""));
    },
  };
});
