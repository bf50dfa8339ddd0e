// The schema of the GraphQL example (examples/graphql-over-websocket.ts): a query with a field that
// fails, a finite subscription, an endless one, one refused at its setup and one whose stream throws. Its own file, so the tests
// serve the same schema from graphql-ws's server. Run alone, it prints the schema.
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, printSchema } from "graphql";
import { pathToFileURL } from "node:url";

const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

export const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: "Query",
    fields: {
      hello: { type: GraphQLString, resolve: () => "world" },
      token: { type: GraphQLString, resolve: (_source, _args, context: { token?: string }) => context.token ?? null },
      fails: {
        type: GraphQLString,
        resolve: () => {
          throw new Error("the resolver failed");
        },
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: "Subscription",
    fields: {
      count: {
        type: GraphQLInt,
        args: { to: { type: GraphQLInt } },
        subscribe: async function* (_source: unknown, { to }: { to: number }) {
          for (let n = 1; n <= to; n++) yield { count: n };
        },
      },
      ticks: {
        type: GraphQLInt,
        subscribe: async function* () {
          for (let n = 1; ; n++) {
            await delay(10);
            yield { ticks: n };
          }
        },
      },
      refused: {
        type: GraphQLInt,
        subscribe: () => {
          throw new Error("this subscription is refused");
        },
      },
      crashes: {
        type: GraphQLInt,
        subscribe: async function* () {
          yield { crashes: 1 };
          throw new Error("the stream crashed");
        },
      },
    },
  }),
});

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) console.log(printSchema(schema));
