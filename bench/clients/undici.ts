/**
 * undici's WHATWG `WebSocket` (the one Node 22+ ships as a global), with message events: undici 7 from
 * the root package, and undici 8 (which needs Node.js >= 22.19) from `runtimes/`, run under that
 * package's Node.js 22.
 */
import type { WebSocket as UndiciWebSocket } from "undici";
import type { Payload } from "../lib/types.js";
import { deadline, elapsedUs, payloadValue, within, type BenchClient, type BenchConnection, type Exchange } from "./client.js";

type WebSocketClass = typeof UndiciWebSocket;
type WebSocket = UndiciWebSocket;

function open(WebSocket: WebSocketClass, url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  socket.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    socket.onopen = () => {
      socket.onerror = null;
      resolve(socket);
    };
    socket.onerror = (event) => reject(new Error(`undici WebSocket failed to open: ${String((event as { message?: string }).message ?? "")}`));
  });
}

function size(data: unknown): number {
  return typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength;
}

/** The undici 8 package in `runtimes/`, from build-bench/bench/clients/. */
export const UNDICI_8 = new URL("../../../runtimes/node_modules/undici/index.js", import.meta.url);

export async function load(version: 7 | 8): Promise<BenchClient> {
  const module = (await import(version === 7 ? "undici" : UNDICI_8.href)) as { WebSocket: WebSocketClass };
  return client(module.WebSocket);
}

const client = (WebSocket: WebSocketClass): BenchClient => ({
  async connect(url: string, payload: Payload): Promise<BenchConnection> {
    const socket = await open(WebSocket, url);
    const value = payloadValue(payload);
    const message = typeof value === "string" ? value : new Uint8Array(value.buffer, value.byteOffset, value.length);
    return {
      negotiated: socket.extensions,
      pipeline(count: number, window: number, limitMs: number): Promise<Exchange> {
        return new Promise((resolve) => {
          const time = deadline(limitMs);
          let sent = 0;
          let received = 0;
          let bytes = 0;
          socket.onmessage = (event) => {
            received++;
            bytes += size(event.data);
            if (sent < count && !time.late) {
              sent++;
              socket.send(message);
            } else if (received === sent) {
              socket.onmessage = null;
              time.cancel();
              resolve({ messages: received, bytes });
            }
          };
          const first = Math.min(window, count);
          while (sent < first) {
            sent++;
            socket.send(message);
          }
        });
      },
      latency(count: number, limitMs: number): Promise<number[]> {
        return new Promise((resolve) => {
          const time = deadline(limitMs);
          const samples: number[] = [];
          let start = process.hrtime.bigint();
          socket.onmessage = () => {
            samples.push(elapsedUs(start));
            if (samples.length < count && !time.late) {
              start = process.hrtime.bigint();
              socket.send(message);
            } else {
              socket.onmessage = null;
              time.cancel();
              resolve(samples);
            }
          };
          socket.send(message);
        });
      },
      async close(): Promise<void> {
        const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve(), { once: true }));
        socket.close(1000);
        await within(closed, 2000);
      },
    };
  },
  openIdle(url: string): Promise<unknown> {
    return open(WebSocket, url);
  },
});
