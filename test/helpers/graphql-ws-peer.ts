/**
 * graphql-ws's own server (`graphql-ws/use/ws` on a `ws` server, with graphql-js) as a peer for the
 * GraphQL client: the schema of examples/graphql-schema.ts (queries, a finite and an endless
 * subscription, resolvers that fail), a token check in `onConnect` (the token "bad" is refused: 4403), and counters of what the
 * server saw. Bound to 127.0.0.1; the first start takes a free port, `restart()` the same one.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { useServer } from "graphql-ws/use/ws";
// The example's schema (it imports graphql only, so it loads here without kite-ws's name resolution).
import { schema } from "../../examples/graphql-schema.js";

export interface GraphQLWsPeer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** `connection_init` messages the server saw (accepted or refused), across restarts. */
  readonly inits: { token: unknown }[];
  /** Operation ids the server saw completed by the client or done, across restarts. */
  readonly completed: string[];
  /** Pongs the server got back for pings it sent. */
  pongs: number;
  /** The connected sockets. */
  readonly sockets: Set<WebSocket>;
  /** Sends a protocol `ping` to every connected client. */
  pingClients(): void;
  /** Drops every connection (no close handshake) and starts again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startGraphQLWsPeer(): Promise<GraphQLWsPeer> {
  const inits: { token: unknown }[] = [];
  const completed: string[] = [];
  const sockets = new Set<WebSocket>();
  let port = 0;
  let http: Server;
  let wss: WebSocketServer;
  const peer = {
    inits,
    completed,
    pongs: 0,
    sockets,
    get url() {
      return `ws://127.0.0.1:${port}/graphql`;
    },
    get port() {
      return port;
    },
    pingClients() {
      for (const socket of sockets) socket.send(JSON.stringify({ type: "ping" }));
    },
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
  const start = async (): Promise<void> => {
    http = createServer();
    wss = new WebSocketServer({ server: http, path: "/graphql" });
    wss.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    useServer(
      {
        schema,
        context: (ctx) => ({ token: (ctx.connectionParams as { token?: string } | undefined)?.token }),
        onConnect: (ctx) => {
          const token = (ctx.connectionParams as { token?: unknown } | undefined)?.token;
          inits.push({ token });
          return token !== "bad";
        },
        onComplete: (_ctx, id) => void completed.push(id),
        onPong: () => void peer.pongs++,
      },
      wss,
    );
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, "127.0.0.1", () => resolve());
    });
    port = (http.address() as AddressInfo).port;
  };
  const stop = async (): Promise<void> => {
    for (const socket of sockets) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  await start();
  return peer;
}
