// Type-level tests of kite-ws/rpc and kite-ws/graphql: checked when the test build compiles (a wrong
// type fails `npm test` there); the function holding them never runs.
import { test } from "node:test";
import { expectTypeOf } from "expect-type";
import * as v from "valibot";
import type { JsonRpcClient, JsonRpcError, RpcSubscription, RpcError } from "../../src/rpc/index.js";
import type { ExecutionResult, GraphQLWsClient, GraphQLWsError, TypedDocumentString } from "../../src/graphql/index.js";
import type { WebSocketError } from "../../src/index.js";

const Block = v.object({ number: v.string(), size: v.pipe(v.string(), v.transform(Number)) });

function typesOnly(rpc: JsonRpcClient, gql: GraphQLWsClient): void {
  // A call's result: the generic, or a schema's output.
  expectTypeOf(rpc.call("eth_blockNumber")).toEqualTypeOf<Promise<unknown>>();
  expectTypeOf(rpc.call<string>("eth_blockNumber")).toEqualTypeOf<Promise<string>>();
  expectTypeOf(rpc.call("eth_getBlockByNumber", ["latest", false], { schema: Block })).toEqualTypeOf<Promise<{ number: string; size: number }>>();
  // A subscription's items.
  expectTypeOf(rpc.subscribe<{ n: number }>("eth_subscribe", ["newHeads"])).toEqualTypeOf<Promise<RpcSubscription<{ n: number }>>>();
  expectTypeOf(rpc.subscribe("eth_subscribe", ["newHeads"], { schema: Block })).toEqualTypeOf<Promise<RpcSubscription<{ number: string; size: number }>>>();
  // A batch's entries: each its type or the error in its place.
  expectTypeOf(rpc.batch<[string, number]>([["a"], ["b"]])).toEqualTypeOf<Promise<[string | Error, number | Error]>>();
  // The errors: JsonRpcError's code is the peer's number; all are RpcErrors and WebSocketErrors.
  expectTypeOf<JsonRpcError["code"]>().toEqualTypeOf<number>();
  expectTypeOf<JsonRpcError>().toMatchTypeOf<RpcError>();
  expectTypeOf<GraphQLWsError>().toMatchTypeOf<WebSocketError>();

  // GraphQL: the generic, a typed document, or a schema give `data` its type.
  expectTypeOf(gql.execute<{ hello: string }>({ query: "{ hello }" })).toEqualTypeOf<Promise<ExecutionResult<{ hello: string }>>>();
  const typed = "query Hello { hello }" as TypedDocumentString<{ hello: string }, { lang: string }>;
  expectTypeOf(gql.execute({ query: typed, variables: { lang: "en" } })).toEqualTypeOf<Promise<ExecutionResult<{ hello: string }>>>();
  expectTypeOf(gql.subscribe({ query: "subscription { ticks }" }, { schema: v.object({ ticks: v.number() }) })).toEqualTypeOf<
    AsyncIterableIterator<ExecutionResult<{ ticks: number }>>
  >();
  // @ts-expect-error: a typed document's variables are checked
  void gql.execute({ query: typed, variables: { lang: 1 } });
}

test("the RPC and GraphQL types (checked by the compiler)", () => {
  void typesOnly;
});
