/** undici's WHATWG `WebSocket` (the one Node 22+ ships as a global), with message events. */
import { WebSocket } from "undici";
import type { Payload } from "../lib/types.js";
import { deadline, elapsedUs, payloadValue, within, type BenchClient, type BenchConnection, type Exchange } from "./client.js";

function open(url: string): Promise<WebSocket> {
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

export const client: BenchClient = {
  async connect(url: string, payload: Payload): Promise<BenchConnection> {
    const socket = await open(url);
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
    return open(url);
  },
};
