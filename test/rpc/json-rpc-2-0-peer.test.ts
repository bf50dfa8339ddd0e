// JsonRpcClient against a JSON-RPC server from npm (json-rpc-2.0 over a ws server): calls and error
// answers, then the server calling the client (server-to-client requests, answered by handlers or
// -32601) and notifying it, and a batch.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, WebSockets } from "../../src/index.js";
import { JsonRpcClient, JsonRpcError } from "../../src/rpc/index.js";
import { startJsonRpcPeer, FAIL_ERROR } from "../helpers/json-rpc-peer.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 20_000 };

async function connected() {
  const peer = await startJsonRpcPeer();
  const client = new HttpClient((config) => config.install(WebSockets));
  const rpc = new JsonRpcClient(await client.webSocketSession(peer.url), { timeout: "5s" });
  const connection = await peer.nextConnection();
  return { peer, rpc, connection };
}

describe("JsonRpcClient against json-rpc-2.0 (npm)", () => {
  test("calls, an application error with code and data, a batch", T, async () => {
    const { peer, rpc } = await connected();
    try {
      assert.equal(await rpc.call("add", [2, 3]), 5);
      assert.deepEqual(await rpc.call("echo", { a: [1, "two"] }), { a: [1, "two"] });
      const error = await rpc.call("fail", {}).catch((e: unknown) => e);
      assert.ok(error instanceof JsonRpcError, String(error));
      assert.equal(error.code, FAIL_ERROR.code);
      assert.equal(error.message, FAIL_ERROR.message);
      assert.deepEqual(error.data, FAIL_ERROR.data);
      const [sum, echoed] = await rpc.batch([["add", [1, 1]], ["echo", ["x"]]]);
      assert.equal(sum, 2);
      assert.deepEqual(echoed, ["x"]);
      assert.equal(rpc.protocolErrors, 0);
    } finally {
      await rpc.close();
      await peer.close();
    }
  });

  test("the server calls the client: handlers answer, an unhandled method is -32601, a JsonRpcError is sent as is", T, async () => {
    const { peer, rpc, connection } = await connected();
    try {
      rpc.handle("client.sum", (params) => (params as number[]).reduce((a, b) => a + b, 0));
      rpc.handle("client.refuse", () => {
        throw new JsonRpcError(-32050, "refused", { why: "policy" });
      });
      rpc.handle("client.slow", async (params) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { slow: params };
      });
      assert.equal(await connection.call("client.sum", [1, 2, 3]), 6);
      assert.deepEqual(await connection.call("client.slow", ["p"]), { slow: ["p"] });
      await assert.rejects(connection.call("client.nothing"), (error: { code?: number; message: string }) => error.code === -32601);
      await assert.rejects(connection.call("client.refuse"), (error: { code?: number; message: string; data?: unknown }) => {
        assert.equal(error.code, -32050);
        assert.equal(error.message, "refused");
        assert.deepEqual(error.data, { why: "policy" });
        return true;
      });
      // A call the server makes while the client's own call waits on the server: both settle.
      assert.deepEqual(await rpc.call("callBack", ["client.sum", [4, 5]]), 9);
    } finally {
      await rpc.close();
      await peer.close();
    }
  });

  test("the server's notifications reach notifications() iterators and handlers", T, async () => {
    const { peer, rpc, connection } = await connected();
    try {
      const handled: unknown[] = [];
      rpc.handle("progress", (params) => void handled.push(params));
      const stream = rpc.notifications<{ done: number }>("progress");
      connection.notify("progress", { done: 1 });
      connection.notify("other", { ignored: true });
      connection.notify("progress", { done: 2 });
      assert.deepEqual((await within(stream.next(), 3_000, "a notification")).value, { done: 1 });
      assert.deepEqual((await within(stream.next(), 3_000, "a notification")).value, { done: 2 });
      assert.deepEqual(handled, [{ done: 1 }, { done: 2 }]);
      // A notification gets no answer: the server saw nothing but the client's own messages.
      assert.ok(connection.received.every((m) => (m as { result?: unknown }).result === undefined));
    } finally {
      await rpc.close();
      await peer.close();
    }
  });
});
