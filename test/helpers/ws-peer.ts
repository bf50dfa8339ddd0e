import { WebSocketServer, type WebSocket, type ServerOptions } from "ws";
import type { AddressInfo } from "node:net";

/** A `ws` server on 127.0.0.1 (an independent peer), with its URL and a closer. */
export interface WsPeer {
  readonly server: WebSocketServer;
  readonly url: string;
  readonly port: number;
  /** Every server-side socket accepted so far. */
  readonly sockets: WebSocket[];
  close(): Promise<void>;
}

/** Starts a `ws` server; `onConnection` scripts its behaviour (default: echo). */
export async function startWsPeer(
  onConnection: (socket: WebSocket, request: import("node:http").IncomingMessage) => void = echo,
  options: ServerOptions = {},
): Promise<WsPeer> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, ...options });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const sockets: WebSocket[] = [];
  server.on("connection", (socket, request) => {
    sockets.push(socket);
    onConnection(socket, request);
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `ws://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every message with its type. */
export function echo(socket: WebSocket): void {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
}
