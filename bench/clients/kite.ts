/**
 * kite-ws's client, used as its README shows: `for await (const frame of session.incoming)` and
 * `await session.send(...)`, with default settings.
 *
 * `callback` is the same client with a callback in place of `incoming`: it replaces the session's
 * (protected) `deliver` step so each frame goes from the parser straight to a function, with no
 * channel and no promise. kite-ws has no public callback API; this is the yardstick for "the for await
 * path is no slower than a callback path would be", and it is n/a if that internal step is renamed.
 */
import * as kite from "../../src/index.js";
import { HttpClient, CIO, WebSockets, type Frame, type WebSocketsConfig, type DefaultWebSocketSession } from "../../src/index.js";
import type { Payload } from "../lib/types.js";
import { deadline, elapsedUs, payloadValue, within, type BenchClient, type BenchConnection, type Exchange } from "./client.js";

/** The permessage-deflate extension, once src/index.ts exports it. */
export const deflateExtension: unknown = (kite as Record<string, unknown>)["WebSocketDeflateExtension"];

interface ExtensionsConfig {
  extensions(block: (extensions: { install(extension: unknown): void }) => void): void;
}

function newClient(deflate: boolean): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets, (ws: WebSocketsConfig) => {
      if (deflate) {
        if (deflateExtension === undefined) throw new Error("WebSocketDeflateExtension is not exported by kite-ws yet");
        (ws as unknown as ExtensionsConfig).extensions((e) => e.install(deflateExtension));
      }
    });
  });
}

function describe(session: DefaultWebSocketSession): string {
  return session.extensions.map((e) => [e.name, ...Object.entries(e.parameters).map(([k, v]) => (v === true ? k : `${k}=${v}`))].join("; ")).join(", ");
}

function client(callback: boolean): BenchClient {
  let shared: HttpClient | null = null;
  return {
    async connect(url: string, payload: Payload, deflate: boolean): Promise<BenchConnection> {
      const http = newClient(deflate);
      const session = await http.webSocketSession(url);
      const message = payloadValue(payload);
      const base = {
        negotiated: describe(session),
        async close(): Promise<void> {
          await within(session.close(), 2000);
          http.close();
        },
      };
      if (callback) return { ...base, ...callbackExchanges(session, message) };
      return {
        ...base,
        async pipeline(count: number, window: number, limitMs: number): Promise<Exchange> {
          const time = deadline(limitMs);
          let sent = 0;
          let received = 0;
          let bytes = 0;
          const reader = (async () => {
            for await (const frame of session.incoming) {
              received++;
              bytes += frame.data.length;
              if (sent < count && !time.late) {
                sent++;
                await session.send(message);
              } else if (received === sent) {
                return;
              }
            }
          })();
          const first = Math.min(window, count);
          while (sent < first) {
            sent++;
            await session.send(message);
          }
          await reader;
          time.cancel();
          return { messages: received, bytes };
        },
        async latency(count: number, limitMs: number): Promise<number[]> {
          const time = deadline(limitMs);
          const samples: number[] = [];
          while (samples.length < count && !time.late) {
            const start = process.hrtime.bigint();
            await session.send(message);
            await session.incoming.receive();
            samples.push(elapsedUs(start));
          }
          time.cancel();
          return samples;
        },
      };
    },
    async openIdle(url: string): Promise<unknown> {
      shared ??= newClient(false);
      return shared.webSocketSession(url);
    },
  };
}

type Deliver = (frame: Frame) => boolean;

function callbackExchanges(session: DefaultWebSocketSession, message: string | Uint8Array): Pick<BenchConnection, "pipeline" | "latency"> {
  const hooked = session as unknown as { deliver: Deliver };
  if (typeof hooked.deliver !== "function") throw new Error("n/a: the session has no deliver step to hook");
  const original = hooked.deliver;
  const listen = (onFrame: (frame: Frame) => void): (() => void) => {
    hooked.deliver = (frame) => {
      onFrame(frame);
      return true;
    };
    return () => (hooked.deliver = original);
  };
  return {
    pipeline(count: number, window: number, limitMs: number): Promise<Exchange> {
      return new Promise((resolve) => {
        const time = deadline(limitMs);
        let sent = 0;
        let received = 0;
        let bytes = 0;
        const stop = listen((frame) => {
          received++;
          bytes += frame.data.length;
          if (sent < count && !time.late) {
            sent++;
            void session.send(message);
          } else if (received === sent) {
            stop();
            time.cancel();
            resolve({ messages: received, bytes });
          }
        });
        const first = Math.min(window, count);
        while (sent < first) {
          sent++;
          void session.send(message);
        }
      });
    },
    latency(count: number, limitMs: number): Promise<number[]> {
      return new Promise((resolve) => {
        const time = deadline(limitMs);
        const samples: number[] = [];
        let start = process.hrtime.bigint();
        const stop = listen(() => {
          samples.push(elapsedUs(start));
          if (samples.length < count && !time.late) {
            start = process.hrtime.bigint();
            void session.send(message);
          } else {
            stop();
            time.cancel();
            resolve(samples);
          }
        });
        void session.send(message);
      });
    },
  };
}

export const forAwaitClient = client(false);
export const callbackClient = client(true);
