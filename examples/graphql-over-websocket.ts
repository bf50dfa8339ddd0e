// GraphQL over WebSocket with kite-ws, both ends: a kite-ws server route that speaks the
// graphql-transport-ws protocol (graphql-ws's) on graphql-js, and kite-ws/graphql's client on a
// reconnecting session. Run as is, it serves on a free port, runs a query and a subscription, and exits.
// With SERVE=1 it only serves, on PORT (8080 when unset), and logs what the server sees, one line each.
// Imported, it runs nothing and gives its route (`graphqlRoute`). The tests drive it both ways, and in
// MockEngine, against the same scenarios as graphql-ws's own server.
//
// Run it (in a project with kite-ws and graphql installed) with:
//     npx tsx graphql-over-websocket.ts
import { execute, parse, subscribe, validate, type ExecutionResult } from "graphql";
import { pathToFileURL } from "node:url";
import { CloseReason, Frame, HttpClient, WebSockets } from "kite-ws";
import { Reconnect } from "kite-ws/reconnect";
import { serve, type DefaultWebSocketServerSession } from "kite-ws/server";
import { GraphQLWsClient, GraphQLWsError } from "kite-ws/graphql";
import { schema } from "./graphql-schema.js";

const stdoutLog = (line: string): void => void process.stdout.write(`${line}\n`);

// --- The server: graphql-transport-ws on one kite-ws session (graphql-ws's PROTOCOL.md). ---

interface ClientMessage {
  readonly type?: unknown;
  readonly id?: unknown;
  readonly payload?: { readonly query?: unknown; readonly variables?: Record<string, unknown>; readonly operationName?: string; readonly token?: unknown } | null;
}

/** The route's handler; `log` gets one line for each thing the server sees that a test may ask about. */
export function graphqlRoute(log: (line: string) => void = stdoutLog): (session: DefaultWebSocketServerSession) => Promise<void> {
  return (session) => graphqlTransportWs(session, log);
}

async function graphqlTransportWs(session: DefaultWebSocketServerSession, log: (line: string) => void): Promise<void> {
  const send = (message: unknown): Promise<void> => session.send(JSON.stringify(message)).catch(() => {});
  const close = (code: number, reason: string): Promise<void> => session.close(new CloseReason(code, reason));
  const operations = new Map<string, AsyncIterator<ExecutionResult> | null>();
  let context: { token?: string } | null = null;
  // The client has 3 s to send connection_init.
  const initTimer = setTimeout(() => void close(4408, "Connection initialisation timeout"), 3_000);
  // A protocol ping every second once acknowledged: a client that stops answering is gone.
  const pinger = setInterval(() => void (context !== null && send({ type: "ping" })), 1_000);
  try {
    for await (const frame of session.incoming) {
      let message: ClientMessage;
      try {
        message = JSON.parse(frame instanceof Frame.Text ? frame.readText() : "") as ClientMessage;
      } catch {
        return void (await close(4400, "Invalid message received"));
      }
      switch (message.type) {
        case "connection_init": {
          if (context !== null) return void (await close(4429, "Too many initialisation requests"));
          clearTimeout(initTimer);
          const token = typeof message.payload?.token === "string" ? message.payload.token : undefined;
          log(`init token=${String(token)}`);
          if (token === "bad") return void (await close(4403, "Forbidden"));
          context = { token };
          await send({ type: "connection_ack" });
          break;
        }
        case "ping":
          await send({ type: "pong" });
          break;
        case "pong":
          log("pong");
          break;
        case "subscribe": {
          if (context === null) return void (await close(4401, "Unauthorized"));
          const id = message.id;
          if (typeof id !== "string" || typeof message.payload?.query !== "string") return void (await close(4400, "Invalid message received"));
          if (operations.has(id)) return void (await close(4409, `Subscriber for ${id} already exists`));
          operations.set(id, null);
          void run(id, message.payload.query, message.payload.variables, context);
          break;
        }
        case "complete": {
          const id = String(message.id);
          const running = operations.get(id);
          operations.delete(id);
          log(`complete id=${id}`);
          await running?.return?.();
          break;
        }
        default:
          return void (await close(4400, "Invalid message received"));
      }
    }
  } finally {
    clearTimeout(initTimer);
    clearInterval(pinger);
    for (const running of operations.values()) await running?.return?.();
  }

  async function run(id: string, query: string, variables: Record<string, unknown> | undefined, contextValue: object): Promise<void> {
    let document;
    try {
      document = parse(query);
    } catch (error) {
      operations.delete(id);
      return send({ id, type: "error", payload: [{ message: (error as Error).message }] });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) {
      operations.delete(id);
      return send({ id, type: "error", payload: invalid.map((error) => error.toJSON()) });
    }
    const args = { schema, document, variableValues: variables, contextValue };
    const isSubscription = document.definitions.some((definition) => definition.kind === "OperationDefinition" && definition.operation === "subscription");
    const result = isSubscription ? await subscribe(args) : await execute(args);
    if (!(Symbol.asyncIterator in result)) {
      if (operations.has(id)) await send({ id, type: "next", payload: result });
    } else {
      operations.set(id, result);
      try {
        for await (const next of result) {
          if (!operations.has(id)) return;
          await send({ id, type: "next", payload: next });
        }
      } catch (error) {
        if (operations.delete(id)) await send({ id, type: "error", payload: [{ message: (error as Error).message }] });
        return;
      }
    }
    if (operations.delete(id)) await send({ id, type: "complete" });
  }
}

async function startServer(port: number) {
  return serve({ host: "127.0.0.1", port }, (routes) => routes.webSocket("/graphql", graphqlRoute(), { protocols: ["graphql-transport-ws"] }));
}

// --- Serve only (SERVE=1), for the tests; otherwise, the client too. ---

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (!runDirectly) {
  // Imported: the route only.
} else if (process.env.SERVE === "1") {
  const server = await startServer(Number(process.env.PORT ?? 8080));
  stdoutLog(`listening on ${server.port}`);
  // Until stdin ends (the parent goes away), or a signal.
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
  process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
} else {
  const server = await startServer(0);
  const client = new HttpClient((config) => {
    config.install(WebSockets);
    config.install(Reconnect);
  });
  const gql = new GraphQLWsClient(client.reconnectingSession({ url: `ws://127.0.0.1:${server.port}/graphql`, protocols: ["graphql-transport-ws"] }), {
    connectionParams: async () => ({ token: "secret" }), // evaluated on every connection
  });
  const { data } = await gql.execute<{ hello: string; token: string }>({ query: "{ hello token }" });
  console.log(`query: hello ${data?.hello}, token ${data?.token}`);
  for await (const result of gql.subscribe<{ count: number }>({ query: "subscription { count(to: 3) }" })) console.log(`count ${result.data?.count}`);
  try {
    await gql.execute({ query: "{ nosuchfield }" });
  } catch (error) {
    if (!(error instanceof GraphQLWsError)) throw error;
    console.log(`refused: ${error.errors[0]?.message}`);
  }
  await gql.close();
  await server.close();
}
