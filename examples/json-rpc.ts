// Calls and subscriptions over WebSockets with kite-ws/rpc, both ends in one process: a kite-ws
// server whose route answers JSON-RPC 2.0 (and calls its client back), and a client on a
// reconnecting session that keeps its subscription through a server restart.
//
// Run it (in a project with kite-ws installed) with:
//     npx tsx json-rpc.ts
import { HttpClient, WebSockets } from "kite-ws";
import { Reconnect } from "kite-ws/reconnect";
import { serve, type WebSocketServer } from "kite-ws/server";
import { JsonRpcClient, JsonRpcError } from "kite-ws/rpc";

// --- The server: each connection gets its own JsonRpcClient, which answers and calls. ---

let height = 100;
let subscriptions = 0;

async function startServer(port: number): Promise<WebSocketServer> {
  return serve({ host: "127.0.0.1", port }, (routes) =>
    routes.webSocket("/rpc", async (session) => {
      const rpc = new JsonRpcClient(session);
      rpc.handle("add", (params) => (params as number[]).reduce((sum, n) => sum + n, 0));
      rpc.handle("divide", (params) => {
        const [a, b] = params as [number, number];
        if (b === 0) throw new JsonRpcError(-32000, "division by zero", { a });
        return a / b;
      });
      // An eth_subscribe-style subscription: an id now, then notifications that carry it.
      const timers = new Set<ReturnType<typeof setInterval>>();
      rpc.handle("blocks_subscribe", () => {
        const id = `sub-${++subscriptions}`;
        timers.add(setInterval(() => void rpc.notify("blocks_subscription", { subscription: id, result: { height: ++height } }).catch(() => {}), 50));
        return id;
      });
      rpc.handle("blocks_unsubscribe", () => true);
      // The server asks its client something (a server-to-client call).
      const name = await rpc.call<string>("client.name").catch(() => "someone");
      console.log(`server: ${name} connected`);
      await session.closeReason;
      for (const timer of timers) clearInterval(timer);
    }),
  );
}

// --- The client. ---

let server = await startServer(0);
const port = server.port;
const client = new HttpClient((config) => {
  config.install(WebSockets);
  config.install(Reconnect, (reconnect) => {
    reconnect.minDelay = "50ms";
  });
});
const rpc = new JsonRpcClient(client.reconnectingSession(`ws://127.0.0.1:${port}/rpc`), { timeout: "5s" });
rpc.handle("client.name", () => "example client");

console.log("add:", await rpc.call<number>("add", [1, 2, 3]));
try {
  await rpc.call("divide", [1, 0]);
} catch (error) {
  if (!(error instanceof JsonRpcError)) throw error;
  console.log(`divide: error ${error.code} ${error.message}`);
}
const [sum, quotient] = await rpc.batch<[number, number]>([["add", [40, 2]], ["divide", [9, 3]]]);
console.log("batch:", sum, quotient);

const blocks = await rpc.subscribe<{ height: number }>("blocks_subscribe");
let seen = 0;
for await (const block of blocks) {
  seen++;
  console.log(`block ${block.height} (subscription ${String(blocks.id)})`);
  if (seen === 2) {
    // The server goes away and comes back on the same port: the subscription is made again.
    await server.close();
    server = await startServer(port);
  }
  if (seen === 4) break; // unsubscribes
}

await rpc.close();
await server.close();
