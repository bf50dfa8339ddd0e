/**
 * An echo server process for the bench: `node server.js <kind>` with kind `ws` (the `ws` package's
 * WebSocketServer, plus a second one with permessage-deflate), `kite` (kite-ws's `serve()`), or
 * `batch` (the minimal batching echo in lib/batch-echo.ts). It tells its parent its ports over IPC,
 * answers `stats` requests (CPU time, RSS after a GC) and exits when the parent goes away.
 *
 * The `ws` and `kite` servers also answer JSON-RPC 2.0 on `/rpc` (the RPC scenarios): each text
 * message is parsed and answered `{"jsonrpc":"2.0","id":<its id>,"result":<its params>}`. On
 * `/fanout`, a text message "publish <size>" sends one message of that size to every connection of
 * the route: `server.publish` to a topic on kite-ws's, the usual loop over `wss.clients` on ws's;
 * "publish-raw <size>" on ws's is the floor: one pre-built frame written to each socket.
 */
import type { AddressInfo, Server, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { serve, type ServeOptions, type WebSocketRouting } from "../src/server/index.js";
import * as kite from "../src/index.js";
import { startBatchEcho } from "./lib/batch-echo.js";
import type { ServerKind, ServerReady, ServerRequest, ServerStats } from "./lib/types.js";

const HOST = "127.0.0.1";
const MAX_PAYLOAD = 64 * 1024 * 1024;

/** What a fan-out round publishes: "publish <size>" asks for a message of that many characters. */
function fanoutMessage(command: string): string {
  return "x".repeat(Number(command.split(" ")[1]) || 32);
}

/** A whole unmasked Text frame of an ASCII `text` shorter than 64 KiB. */
function unmaskedTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const header = length < 126 ? Buffer.from([0x81, length]) : Buffer.from([0x81, 126, length >>> 8, length & 0xff]);
  return Buffer.concat([header, Buffer.from(text)]);
}

/** The answer to one JSON-RPC request: its params as the result. */
function rpcAnswer(text: string): string {
  const request = JSON.parse(text) as { id?: unknown; params?: unknown };
  return JSON.stringify({ jsonrpc: "2.0", id: request.id, result: request.params ?? null });
}

async function wsServer(deflate: boolean): Promise<number> {
  const server = new WebSocketServer({ host: HOST, port: 0, backlog: 4096, perMessageDeflate: deflate, maxPayload: MAX_PAYLOAD });
  server.on("connection", (socket, request) => {
    if (request.url === "/fanout") {
      socket.on("message", (data) => {
        const command = String(data);
        const message = fanoutMessage(command);
        if (command.startsWith("publish-raw ")) {
          // The floor: one pre-built frame, one socket write per subscriber, no framing work at all.
          const frame = unmaskedTextFrame(message);
          for (const client of server.clients) (client as unknown as { _socket: Socket })._socket.write(frame);
        } else {
          for (const client of server.clients) if (client.readyState === client.OPEN) client.send(message);
        }
      });
    } else if (request.url === "/rpc") socket.on("message", (data) => socket.send(rpcAnswer(String(data))));
    else socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    socket.on("error", () => socket.terminate());
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return (server.address() as AddressInfo).port;
}

/**
 * A second kite server with permessage-deflate, once kite-ws has it: `serve({ extensions: (e) =>
 * e.install(WebSocketDeflateExtension) })`. Null (the scenario is then n/a) while it has not.
 */
async function kiteDeflateServer(echo: (routes: WebSocketRouting) => void): Promise<number | null> {
  const extension = (kite as Record<string, unknown>)["WebSocketDeflateExtension"];
  if (extension === undefined) return null;
  const options = {
    host: HOST,
    port: 0,
    onError: () => {},
    extensions: (e: { install(extension: unknown): void }) => e.install(extension),
  } as unknown as ServeOptions;
  try {
    return (await serve(options, echo)).port;
  } catch (error) {
    console.error("bench: the kite server could not start with permessage-deflate:", (error as Error).message);
    return null;
  }
}

async function start(kind: ServerKind): Promise<ServerReady["ports"]> {
  switch (kind) {
    case "ws":
      return { plain: await wsServer(false), deflate: await wsServer(true) };
    case "kite": {
      const echo = (routes: WebSocketRouting): void => {
        routes.webSocket("/", async (session) => {
          for await (const frame of session.incoming) await session.send(frame);
        });
      };
      const withRpc = (routes: WebSocketRouting): void => {
        echo(routes);
        routes.webSocket("/rpc", async (session) => {
          for await (const frame of session.incoming) if (frame instanceof kite.Frame.Text) await session.send(rpcAnswer(frame.readText()));
        });
      };
      const withFanout = (routes: WebSocketRouting): void => {
        withRpc(routes);
        routes.webSocket("/fanout", async (session) => {
          session.subscribe("fanout");
          for await (const frame of session.incoming) if (frame instanceof kite.Frame.Text) server.publish("fanout", fanoutMessage(frame.readText()));
        });
      };
      const server = await serve({ host: HOST, port: 0, onError: () => {} }, withFanout);
      return { plain: server.port, deflate: await kiteDeflateServer(echo) };
    }
    case "batch": {
      const server: Server = await startBatchEcho(HOST, 0);
      return { plain: (server.address() as AddressInfo).port, deflate: null };
    }
  }
}

function stats(gc: boolean): ServerStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    collect();
    collect();
  }
  return { cpu: process.cpuUsage(), rss: process.memoryUsage.rss() };
}

const kind = process.argv[2] as ServerKind;
process.on("disconnect", () => process.exit(0));
process.on("message", (message: ServerRequest) => {
  if (message.type === "stats") process.send!({ type: "stats", id: message.id, stats: stats(message.gc) });
  else if (message.type === "exit") process.exit(0);
});
start(kind).then(
  (ports) => process.send!({ type: "ready", kind, ports, pid: process.pid } satisfies ServerReady),
  (error: unknown) => {
    console.error(`bench server ${kind} failed to start:`, error);
    process.exit(1);
  },
);
