/**
 * The baseline of the RPC scenarios: what users write today over `ws`, a map from ids to the promises
 * waiting for them, and a setTimeout per call (cleared on the answer) because real code has a
 * deadline. No validation beyond `JSON.parse`, one timer per call.
 */
import WebSocket from "ws";
import { within } from "./client.js";
import { TIMEOUT_MS, type RpcBenchClient, type RpcConnection } from "./rpc.js";
import { open } from "./ws.js";

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Answer {
  id: number;
  result?: unknown;
  error?: { code: number; message: string };
}

export const client: RpcBenchClient = {
  async connect(url: string): Promise<RpcConnection> {
    const ws: WebSocket = await open(url, false);
    ws.on("error", () => {});
    const pending = new Map<number, Pending>();
    let n = 0;
    ws.on("message", (data) => {
      const m = JSON.parse((data as Buffer).toString()) as Answer;
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error !== undefined) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    });
    ws.on("close", () => {
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error("connection closed"));
      }
      pending.clear();
    });
    function call(method: string, params: readonly unknown[]): Promise<unknown> {
      const id = ++n;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${method} timed out`));
        }, TIMEOUT_MS);
        pending.set(id, { resolve, reject, timer });
        ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      });
    }
    return {
      call,
      async close(): Promise<void> {
        const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
        ws.close(1000);
        await within(closed, 2000);
      },
    };
  },
};
