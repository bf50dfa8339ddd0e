// JsonRpcClient over a kite-ws server's session: the server calls its client (and the client the
// server), each answering with handlers; and calls traced in the Logging plugin's connection log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import { Logging } from "../../src/plugins/logging/index.js";
import { serve } from "../../src/server/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { JsonRpcClient, JsonRpcError } from "../../src/rpc/index.js";
import { deferred } from "../helpers/deferred.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 10_000 };

test("a server's session: the server calls its client and answers the client's calls", T, async () => {
  const serverSaw = deferred<unknown>();
  await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/rpc", async (session) => {
      const rpc = new JsonRpcClient(session, { timeout: "5s" });
      rpc.handle("server.time", () => 1234);
      try {
        serverSaw.resolve(await rpc.call("client.whoami", { asking: "server" }));
      } catch (error) {
        serverSaw.reject(error);
      }
      await session.closeReason;
    }),
  );
  const client = new HttpClient((config) => config.install(WebSockets));
  await using rpc = new JsonRpcClient(await client.webSocketSession(`${server.url}/rpc`));
  rpc.handle("client.whoami", (params) => ({ me: "client", params }));
  assert.equal(await rpc.call("server.time"), 1234);
  assert.deepEqual(await within(serverSaw.promise, 5_000, "the server's call"), { me: "client", params: { asking: "server" } });
  const missing = await rpc.call("server.nothing").catch((e: unknown) => e);
  assert.ok(missing instanceof JsonRpcError && missing.code === -32601);
});

test("the Logging plugin's log shows each call: method, id, outcome and round trip", T, async () => {
  const lines: string[] = [];
  const engine = new MockEngine(async (session) => {
    for await (const frame of session.incoming) {
      const { id, method } = JSON.parse((frame as { readText(): string } & typeof frame).readText()) as { id: number; method: string };
      if (method === "ok") await session.send(JSON.stringify({ jsonrpc: "2.0", id, result: true }));
      if (method === "bad") await session.send(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: "no\nway" } }));
    }
  });
  const client = new HttpClient(engine, (config) => {
    config.install(WebSockets);
    config.install(Logging, (logging) => {
      logging.level = "info";
      logging.logger = (line) => lines.push(line);
    });
  });
  const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"), { timeout: "100ms" });
  await rpc.call("ok");
  await rpc.call("bad").catch(() => {});
  await rpc.call("silent").catch(() => {});
  await rpc.close();
  const calls = lines.filter((line) => line.includes(" rpc "));
  assert.equal(calls.length, 6, calls.join("\n"));
  assert.match(calls[0], /^ws#\d+ rpc → #1 ok$/);
  assert.match(calls[1], /^ws#\d+ rpc ← #1 ok ok in \d+\.\d ms$/);
  assert.match(calls[3], /^ws#\d+ rpc ← #2 bad error -32000 "no\\nway" in \d+\.\d ms$/);
  assert.match(calls[5], /^ws#\d+ rpc ← #3 silent no answer \(timed out\) after \d+\.\d ms$/);
});
