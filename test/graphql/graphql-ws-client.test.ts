// GraphQLWsClient over MockEngine, against a graphql-transport-ws server scripted here: the opening
// (connection_init with params, ack, its timeout), operations, errors, complete both ways, pings,
// and the close codes that end the client.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { CloseReason, Frame, HttpClient, SchemaValidationError, WebSockets } from "../../src/index.js";
import { within } from "../helpers/ws-peer.js";
import { MockEngine, type MockServerSession } from "../../src/testing/index.js";
import { GraphQLWsClient, GraphQLWsError } from "../../src/graphql/index.js";
import { RpcClosedError } from "../../src/rpc/index.js";
import { Reconnect, type ReconnectingWebSocketSession } from "../../src/plugins/reconnect/index.js";

const T = { timeout: 10_000 };
const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));

interface Message {
  type: string;
  id?: string;
  payload?: { query?: string; variables?: Record<string, unknown> } & Record<string, unknown>;
}

/** A scripted server: acks (unless told not to), answers `{ hello }`, streams `ticks`, records everything. */
class Server {
  readonly received: Message[] = [];
  session: MockServerSession | null = null;
  ack = true;

  handler = async (session: MockServerSession): Promise<void> => {
    this.session = session;
    const streams = new Map<string, boolean>();
    let closed = false;
    void session.closeReason.then(() => (closed = true));
    for await (const frame of session.incoming) {
      const message = JSON.parse((frame as Frame.Text).readText()) as Message;
      this.received.push(message);
      const send = (value: unknown): Promise<void> => session.send(JSON.stringify(value));
      if (message.type === "connection_init") {
        if (message.payload?.token === "bad") await session.close(new CloseReason(4403, "Forbidden"));
        else if (this.ack) await send({ type: "connection_ack" });
      } else if (message.type === "ping") {
        await send({ type: "pong" });
      } else if (message.type === "subscribe") {
        const id = message.id!;
        const query = message.payload?.query ?? "";
        if (query.includes("hello")) {
          await send({ id, type: "next", payload: { data: { hello: "world" } } });
          await send({ id, type: "complete" });
        } else if (query.includes("broken")) {
          await send({ id, type: "error", payload: [{ message: "Cannot query field \"broken\"" }] });
        } else if (query.includes("ticks")) {
          streams.set(id, true);
          void (async () => {
            for (let n = 1; streams.get(id) === true && !closed; n++) {
              await send({ id, type: "next", payload: { data: { ticks: n } } }).catch(() => {});
              await delay(5);
              if (query.includes("three") && n === 3) {
                await send({ id, type: "complete" });
                break;
              }
            }
          })();
        }
      } else if (message.type === "complete") {
        streams.set(message.id!, false);
      }
    }
  };
}

async function connect(server: Server, options?: ConstructorParameters<typeof GraphQLWsClient>[1]) {
  const engine = new MockEngine(server.handler, { protocols: ["graphql-transport-ws"] });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const session = await client.webSocketSession({ url: "ws://mock.test/graphql", protocols: ["graphql-transport-ws"] });
  return new GraphQLWsClient(session, options);
}

describe("GraphQLWsClient over one session (MockEngine)", () => {
  test("connection_init carries the params, then a query resolves with its result", T, async () => {
    const server = new Server();
    const gql = await connect(server, { connectionParams: async () => ({ token: "good" }) });
    const { data, errors } = await gql.execute<{ hello: string }>({ query: "{ hello }" });
    assert.deepEqual(data, { hello: "world" });
    assert.equal(errors, undefined);
    assert.deepEqual(server.received[0], { type: "connection_init", payload: { token: "good" } });
    assert.equal(server.received[1].type, "subscribe");
    await gql.close();
  });

  test("an error message rejects with GraphQLWsError carrying the errors", T, async () => {
    const gql = await connect(new Server());
    const error = await gql.execute({ query: "{ broken }" }).catch((e: unknown) => e);
    assert.ok(error instanceof GraphQLWsError, String(error));
    assert.deepEqual(error.errors, [{ message: 'Cannot query field "broken"' }]);
    await gql.close();
  });

  test("a finite subscription ends with the server's complete; break on an endless one sends complete", T, async () => {
    const server = new Server();
    const gql = await connect(server);
    const seen: unknown[] = [];
    for await (const result of gql.subscribe<{ ticks: number }>({ query: "subscription three { ticks }" })) seen.push(result.data?.ticks);
    assert.deepEqual(seen, [1, 2, 3]);
    let count = 0;
    for await (const result of gql.subscribe<{ ticks: number }>({ query: "subscription { ticks }" })) {
      assert.equal(result.data?.ticks, ++count);
      if (count === 4) break;
    }
    await delay(20);
    const completes = server.received.filter((m) => m.type === "complete");
    assert.equal(completes.length, 1);
    assert.equal(gql.activeOperations, 0);
    await gql.close();
  });

  test("the server's ping is answered with a pong", T, async () => {
    const server = new Server();
    const gql = await connect(server);
    await gql.execute({ query: "{ hello }" });
    const pongs = new Promise<unknown>((resolve) => {
      const original = server.session!;
      void (async () => {
        await original.send(JSON.stringify({ type: "ping" }));
      })();
      const check = setInterval(() => {
        if (server.received.some((m) => m.type === "pong")) {
          clearInterval(check);
          resolve(true);
        }
      }, 5);
    });
    assert.equal(await pongs, true);
    await gql.close();
  });

  test("no connection_ack in time: the connection closes 4504 and operations fail with GraphQLWsError", T, async () => {
    const server = new Server();
    server.ack = false;
    const gql = await connect(server, { ackTimeout: "100ms" });
    const error = await gql.execute({ query: "{ hello }" }).catch((e: unknown) => e);
    assert.ok(error instanceof GraphQLWsError && error.closeCode === 4504, String(error));
    assert.equal((await server.session!.closeReason)?.code, 4504);
  });

  test("4403 on a bad token ends the client with GraphQLWsError", T, async () => {
    const gql = await connect(new Server(), { connectionParams: { token: "bad" } });
    const error = await gql.execute({ query: "{ hello }" }).catch((e: unknown) => e);
    assert.ok(error instanceof GraphQLWsError, String(error));
  });

  test("close() ends subscriptions and rejects what comes after with RpcClosedError", T, async () => {
    const gql = await connect(new Server());
    const ticks = gql.subscribe({ query: "subscription { ticks }" });
    assert.equal((await ticks.next()).done, false);
    await gql.close();
    // What was buffered may still come; then the loop ends.
    for (let result = await ticks.next(); result.done !== true; result = await ticks.next());
    await assert.rejects(gql.execute({ query: "{ hello }" }), RpcClosedError);
  });

  test("wrong arguments are TypeErrors that name them", T, async () => {
    const gql = await connect(new Server());
    await assert.rejects(gql.execute({ query: "" }), /request.query must be a GraphQL document/);
    await assert.rejects(gql.execute(null as never), /request must be an object/);
    assert.throws(() => gql.subscribe({ query: "{ a }", variables: 5 as never }), /request.variables must be an object/);
    assert.throws(() => new GraphQLWsClient({} as never), /session must be a WebSocket session/);
    await gql.close();
  });
});

describe("GraphQLWsClient in lazy mode", () => {
  test("connects on the first operation, closes lazyCloseTimeout after the last one, connects again for the next", T, async () => {
    const server = new Server();
    let connections = 0;
    const engine = new MockEngine(
      async (session) => {
        connections++;
        await server.handler(session);
      },
      { protocols: ["graphql-transport-ws"] },
    );
    const client = new HttpClient(engine, (config) => {
      config.install(WebSockets);
      config.install(Reconnect);
    });
    const sessions: ReconnectingWebSocketSession[] = [];
    const gql = new GraphQLWsClient(
      () => {
        const session = client.reconnectingSession({ url: "ws://mock.test/graphql", protocols: ["graphql-transport-ws"] });
        sessions.push(session);
        return session;
      },
      { lazyCloseTimeout: "50ms" },
    );
    await delay(50);
    assert.equal(connections, 0, "a lazy client connected before any operation");
    assert.deepEqual((await gql.execute({ query: "{ hello }" })).data, { hello: "world" });
    let ticks = 0;
    for await (const result of gql.subscribe<{ ticks: number }>({ query: "subscription three { ticks }" })) ticks = result.data?.ticks ?? 0;
    assert.equal(ticks, 3);
    assert.equal(connections, 1, "one connection served both operations");
    await delay(150);
    assert.equal((await sessions[0].ended).reason?.code, 1000, "the idle session was not closed");
    assert.deepEqual((await gql.execute({ query: "{ hello }" })).data, { hello: "world" });
    assert.equal(connections, 2);
    await gql.close();
  });

  test("a function that does not give a session: a TypeError when the first operation needs one", T, async () => {
    const gql = new GraphQLWsClient(() => ({}) as never);
    assert.throws(() => gql.subscribe({ query: "subscription { ticks }" }), /session\(\) must be a WebSocket session/);
    await gql.close();
  });
});

describe("GraphQLWsClient: keep-alive, retried close codes, signals, schemas, backpressure", () => {
  /** A reconnecting client over `engine`, with short delays. */
  function reconnecting(engine: MockEngine, options?: ConstructorParameters<typeof GraphQLWsClient>[1]) {
    const client = new HttpClient(engine, (config) => {
      config.install(WebSockets);
      config.install(Reconnect, (r) => {
        r.minDelay = "10ms";
        r.maxDelay = "20ms";
        r.minUptime = "10ms";
      });
    });
    const session = client.reconnectingSession({ url: "ws://mock.test/graphql", protocols: ["graphql-transport-ws"] });
    return { session, gql: new GraphQLWsClient(session, options) };
  }

  test("keepAlive: a pong that does not come takes the connection for dead; the subscription resumes on the next", T, async () => {
    let connections = 0;
    const server = new Server();
    // The first connection's server never answers pings; the second one does.
    const silent = new Server();
    const engine = new MockEngine(async (session) => {
      const handler = ++connections === 1 ? silentPings(silent.handler) : server.handler;
      await handler(session);
    }, { protocols: ["graphql-transport-ws"] });
    const { gql, session } = reconnecting(engine, { keepAlive: "50ms", pongTimeout: "50ms" });
    const ticks = gql.subscribe<{ ticks: number }>({ query: "subscription { ticks }" });
    await within(
      (async () => {
        while (connections < 2) await delay(10);
      })(),
      3_000,
      "a second connection after the missing pong",
    );
    assert.equal((await within(ticks.next(), 3_000, "a tick on the second connection")).done, false);
    assert.ok(silent.received.some((m) => m.type === "ping"), "the client did not ping");
    await gql.close();
    await session.ended;
  });

  test("4500 from the server is retried by the reconnect policy (4xxx codes are not by default)", T, async () => {
    let connections = 0;
    const server = new Server();
    const engine = new MockEngine(async (session) => {
      if (++connections === 1) {
        await session.close(new CloseReason(4500, "Internal server error"));
        return;
      }
      await server.handler(session);
    }, { protocols: ["graphql-transport-ws"] });
    const { gql } = reconnecting(engine);
    assert.deepEqual((await gql.execute({ query: "{ hello }" })).data, { hello: "world" });
    assert.equal(connections, 2);
    await gql.close();
  });

  test("a signal stops an operation: complete goes to the server, the loop ends with the reason", T, async () => {
    const server = new Server();
    const gql = await connect(server);
    const controller = new AbortController();
    const ticks = gql.subscribe({ query: "subscription { ticks }" }, { signal: controller.signal });
    assert.equal((await ticks.next()).done, false);
    controller.abort(new Error("enough"));
    await assert.rejects(async () => {
      for (;;) if ((await ticks.next()).done === true) return;
    }, /enough/);
    await delay(20);
    assert.equal(server.received.filter((m) => m.type === "complete").length, 1);
    await assert.rejects(gql.execute({ query: "{ hello }" }, { signal: AbortSignal.abort(new Error("already")) }), /already/);
    await gql.close();
  });

  test("a schema checks each result's data and types it", T, async () => {
    const gql = await connect(new Server());
    const hello = v.object({ hello: v.string() });
    const { data } = await gql.execute({ query: "{ hello }" }, { schema: hello });
    assert.equal(data?.hello, "world");
    await assert.rejects(gql.execute({ query: "{ hello }" }, { schema: v.object({ hello: v.number() }) }), SchemaValidationError);
    await gql.close();
  });

  test("a subscription loop that does not keep up stops the reading: the server's sends wait", T, async () => {
    let sent = 0;
    const engine = new MockEngine(async (session) => {
      for await (const frame of session.incoming) {
        const message = JSON.parse((frame as Frame.Text).readText()) as Message;
        if (message.type === "connection_init") await session.send(JSON.stringify({ type: "connection_ack" }));
        if (message.type === "subscribe") {
          for (let n = 0; n < 5_000; n++) {
            await session.send(JSON.stringify({ id: message.id, type: "next", payload: { data: { n } } }));
            sent++;
          }
        }
      }
    }, { protocols: ["graphql-transport-ws"] });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const gql = new GraphQLWsClient(await client.webSocketSession({ url: "ws://mock.test/", protocols: ["graphql-transport-ws"] }), { bufferSize: 16 });
    const results = gql.subscribe<{ n: number }>({ query: "subscription { n }" });
    await delay(300);
    const early = sent;
    await delay(200);
    assert.equal(sent, early, "the server went on sending to a loop that read none");
    assert.ok(sent < 2_500, `the server sent ${sent} of 5000`);
    let expected = 0;
    for await (const result of results) {
      assert.equal(result.data?.n, expected++);
      if (expected === 5_000) break;
    }
    await gql.close();
  });
});

/** A server handler whose pings from the client are never answered (a dead peer that still holds the socket). */
function silentPings(handler: (session: MockServerSession) => Promise<void>): (session: MockServerSession) => Promise<void> {
  return async (session) => {
    const original = session.send.bind(session);
    (session as { send: (content: string) => Promise<void> }).send = (content: string) =>
      content.includes('"type":"pong"') ? Promise.resolve() : original(content);
    await handler(session);
  };
}
