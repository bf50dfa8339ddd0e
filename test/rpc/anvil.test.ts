// JsonRpcClient against a real Ethereum node (anvil): calls, a batch, error answers, newHeads with
// blocks mined, then the node killed and restarted on the same port: in-flight calls reject with
// RpcConnectionLostError, the subscription resumes with a new id and yields heads mined after the
// restart, and a `retry: true` call made while the node is down succeeds.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { HttpClient, WebSockets } from "../../src/index.js";
import { JsonRpcClient, JsonRpcError, RpcConnectionLostError, RpcTimeoutError } from "../../src/rpc/index.js";
import { startAnvil, anvilSkipReason, type Anvil } from "../helpers/anvil.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { within } from "../helpers/ws-peer.js";

const T = { timeout: 30_000 };
const Head = v.object({ number: v.pipe(v.string(), v.startsWith("0x")), hash: v.string(), parentHash: v.string() });
const hexNumber = (hex: string): number => Number.parseInt(hex, 16);

describe("JsonRpcClient against anvil (an Ethereum node)", { skip: anvilSkipReason() }, () => {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil?.stop();
  });

  test("calls, a typed call, a batch, error answers", T, async () => {
    const client = new HttpClient((config) => config.install(WebSockets));
    await using rpc = new JsonRpcClient(await client.webSocketSession(anvil.url), { timeout: "5s" });
    assert.equal(await rpc.call("eth_chainId"), "0x7a69"); // 31337, anvil's default
    await rpc.call("evm_mine");
    const height = hexNumber(await rpc.call<string>("eth_blockNumber"));
    assert.ok(height >= 1);
    const block = await rpc.call("eth_getBlockByNumber", ["latest", false], { schema: Head });
    assert.equal(hexNumber(block.number), height);
    const [chainId, number, missing] = await rpc.batch([["eth_chainId"], ["eth_blockNumber", []], ["no_such_method", []]]);
    assert.equal(chainId, "0x7a69");
    assert.equal(hexNumber(number as string), height);
    assert.ok(missing instanceof JsonRpcError, String(missing));
    const error = await rpc.call("eth_getBalance", ["not an address", "latest"]).catch((e: unknown) => e);
    assert.ok(error instanceof JsonRpcError && typeof error.code === "number", String(error));
    assert.equal(rpc.protocolErrors, 0);
  });

  test("newHeads through a restart: lost calls reject, the subscription resumes with a new id, a retry call made while down succeeds", T, async () => {
    const client = reconnectClient((r) => {
      r.minDelay = "50ms";
      r.maxDelay = "100ms";
    });
    const session = client.reconnectingSession(anvil.url);
    const rpc = new JsonRpcClient(session, { timeout: "10s" });
    try {
      const heads = await rpc.subscribe("eth_subscribe", ["newHeads"], { schema: Head });
      const firstId = heads.id;
      await rpc.call("evm_mine");
      const before = await within(heads.next(), 5_000, "a head before the restart");
      assert.equal(before.done, false);

      // Calls in flight when the node dies: those it had not answered reject with the connection's end.
      const inFlight = Array.from({ length: 500 }, () => rpc.call("eth_blockNumber").then(() => "answered", (e: unknown) => e));
      await anvil.stop();
      const outcomes = await Promise.all(inFlight);
      assert.ok(outcomes.every((o) => o === "answered" || o instanceof RpcConnectionLostError));
      assert.ok(outcomes.some((o) => o instanceof RpcConnectionLostError), "nothing was in flight at the kill");

      const whileDown = rpc.call<string>("eth_chainId", [], { retry: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await anvil.restart();
      assert.equal(await within(whileDown, 10_000, "the call made while down"), "0x7a69");
      // The subscription was made again before that queued call went out: it has the new node's id.
      assert.notEqual(heads.id, firstId);

      // The fresh node mines from 0 again.
      await rpc.call("evm_mine");
      const after = await within(heads.next(), 5_000, "a head after the restart");
      assert.equal(after.done, false);
      assert.equal(hexNumber(after.value!.number), 1, "a head of the restarted node");
      assert.equal(rpc.pendingCalls, 0);
    } finally {
      await rpc.close();
    }
  });

  test("a call still waiting when the node is killed rejects with RpcConnectionLostError", T, async () => {
    const client = new HttpClient((config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession(anvil.url), { timeout: "5s" });
    // Many calls in flight at the kill: every one that got no answer rejects with the connection's end.
    const calls = Array.from({ length: 2_000 }, () => rpc.call("eth_blockNumber").then(() => "answered", (e: unknown) => e));
    await anvil.stop();
    const outcomes = await Promise.all(calls);
    const lost = outcomes.filter((o) => o instanceof RpcConnectionLostError);
    assert.ok(outcomes.every((o) => o === "answered" || o instanceof RpcConnectionLostError), String(outcomes.find((o) => o !== "answered" && !(o instanceof RpcConnectionLostError))));
    assert.ok(lost.length > 0, "every call was answered before the kill: nothing was in flight");
    assert.equal(rpc.pendingCalls, 0);
    assert.ok(!outcomes.some((o) => o instanceof RpcTimeoutError));
    await anvil.restart();
  });
});
