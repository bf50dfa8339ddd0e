/**
 * kite-ws's calls layer as docs/rpc.md shows it: a CIO session wrapped in `new JsonRpcClient(session,
 * { timeout: "30s" })`, each call an `rpc.call(method, params)`.
 */
import { CIO, HttpClient, WebSockets } from "../../src/index.js";
import { JsonRpcClient } from "../../src/rpc/index.js";
import { within } from "./client.js";
import type { RpcBenchClient, RpcConnection } from "./rpc.js";

export const client: RpcBenchClient = {
  async connect(url: string): Promise<RpcConnection> {
    const http = new HttpClient(CIO, (config) => config.install(WebSockets));
    const session = await http.webSocketSession(url);
    const rpc = new JsonRpcClient(session, { timeout: "30s" });
    return {
      call: (method, params) => rpc.call(method, params),
      async close(): Promise<void> {
        await within(rpc.close(), 2000);
        http.close();
      },
    };
  },
};
