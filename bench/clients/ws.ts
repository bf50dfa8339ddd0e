/**
 * The `ws` client, used as its documentation shows: `on("message")` and `send`. Whether it runs with
 * `bufferutil` is decided by the environment its process gets (WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import WebSocket from "ws";
import type { Payload } from "../lib/types.js";
import { deadline, elapsedUs, payloadValue, within, type BenchClient, type BenchConnection, type Exchange } from "./client.js";

export function open(url: string, deflate: boolean): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

type Data = Buffer | ArrayBuffer | Buffer[];

function size(data: Data): number {
  return Array.isArray(data) ? data.reduce((n, part) => n + part.length, 0) : data.byteLength;
}

export const client: BenchClient = {
  async connect(url: string, payload: Payload, deflate: boolean): Promise<BenchConnection> {
    const socket = await open(url, deflate);
    socket.on("error", () => {});
    const message = payloadValue(payload);
    return {
      negotiated: socket.extensions,
      pipeline(count: number, window: number, limitMs: number): Promise<Exchange> {
        return new Promise((resolve) => {
          const time = deadline(limitMs);
          let sent = 0;
          let received = 0;
          let bytes = 0;
          const onMessage = (data: Data): void => {
            received++;
            bytes += size(data);
            if (sent < count && !time.late) {
              sent++;
              socket.send(message);
            } else if (received === sent) {
              socket.off("message", onMessage);
              time.cancel();
              resolve({ messages: received, bytes });
            }
          };
          socket.on("message", onMessage);
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
          const onMessage = (): void => {
            samples.push(elapsedUs(start));
            if (samples.length < count && !time.late) {
              start = process.hrtime.bigint();
              socket.send(message);
            } else {
              socket.off("message", onMessage);
              time.cancel();
              resolve(samples);
            }
          };
          socket.on("message", onMessage);
          socket.send(message);
        });
      },
      async close(): Promise<void> {
        const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
        socket.close(1000);
        await within(closed, 2000);
      },
    };
  },
  openIdle(url: string): Promise<unknown> {
    return open(url, false);
  },
};

/** Which native helpers `ws` loaded in this process. */
export function loadedAddons(): { bufferutil: boolean; utf8validate: boolean; isUtf8: boolean } {
  const require = createRequire(import.meta.url);
  const cache = Object.keys(require.cache);
  const validation = require(join(dirname(require.resolve("ws")), "lib", "validation.js")) as { isValidUTF8: (b: Buffer) => boolean };
  return {
    bufferutil: cache.some((path) => /[\\/]node_modules[\\/]bufferutil[\\/]/.test(path)),
    utf8validate: cache.some((path) => /[\\/]node_modules[\\/]utf-8-validate[\\/]/.test(path)),
    // ws prefers Node's buffer.isUtf8 (Node >= 18.14) over utf-8-validate for messages of 24+ bytes.
    isUtf8: validation.isValidUTF8.toString().includes("isUtf8"),
  };
}
