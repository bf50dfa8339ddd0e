// JsonRpcClient over one session (MockEngine): calls, errors, deadlines, aborts, batches, the peer's
// requests, notifications, subscriptions, bad frames and close.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { CloseReason, Frame, HttpClient, WebSockets, SchemaValidationError } from "../../src/index.js";
import { MockEngine } from "../../src/testing/index.js";
import {
  JsonRpcClient,
  JsonRpcError,
  RpcClosedError,
  RpcConnectionLostError,
  RpcError,
  RpcProtocolError,
  RpcTimeoutError,
} from "../../src/rpc/index.js";
import { RpcPeer, delay, type Method } from "./helpers.js";

const T = { timeout: 10_000 };

const METHODS: Record<string, Method> = {
  add: (params) => (params as number[]).reduce((a, b) => a + b, 0),
  echo: (params) => params,
  fail: () => Object.assign(new Error("nope"), { code: -32001, data: { why: "because" } }) && Promise.reject(Object.assign(new Error("nope"), { code: -32001, data: { why: "because" } })),
  slow: async () => {
    await delay(300);
    return "late";
  },
  never: () => new Promise(() => {}),
};

async function connect(methods = METHODS, options?: ConstructorParameters<typeof JsonRpcClient>[1]) {
  const peers: RpcPeer[] = [];
  const engine = new MockEngine(async (session) => {
    const peer = new RpcPeer(session, methods);
    peers.push(peer);
    await peer.run();
  });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  const session = await client.webSocketSession("ws://mock.test/rpc");
  const rpc = new JsonRpcClient(session, options);
  return { rpc, session, peers, client };
}

describe("JsonRpcClient over one session", () => {
  test("calls resolve with their results, in any order of answers", T, async () => {
    const { rpc } = await connect();
    const [slow, sum, echoed] = await Promise.all([rpc.call("slow"), rpc.call<number>("add", [1, 2, 3]), rpc.call("echo", { a: 1 })]);
    assert.equal(slow, "late");
    assert.equal(sum, 6);
    assert.deepEqual(echoed, { a: 1 });
    assert.equal(rpc.pendingCalls, 0);
    await rpc.close();
  });

  test("an error answer rejects with JsonRpcError: code, message, data", T, async () => {
    const { rpc } = await connect();
    const error = await rpc.call("fail").then(() => null, (e: unknown) => e);
    assert.ok(error instanceof JsonRpcError);
    assert.ok(error instanceof RpcError);
    assert.equal(error.code, -32001);
    assert.equal(error.message, "nope");
    assert.deepEqual(error.data, { why: "because" });
    assert.equal(error.method, "fail");
    const missing = await rpc.call("nosuch").catch((e: unknown) => e);
    assert.ok(missing instanceof JsonRpcError && missing.code === -32601);
    await rpc.close();
  });

  test("a deadline rejects with RpcTimeoutError and leaves no timer; the late answer is dropped unreported", T, async () => {
    const reports: RpcProtocolError[] = [];
    const { rpc } = await connect(METHODS, { timeout: "50ms", onProtocolError: (e) => reports.push(e) });
    const error = await rpc.call("slow").catch((e: unknown) => e);
    assert.ok(error instanceof RpcTimeoutError);
    assert.equal(error.timeoutMillis, 50);
    assert.equal(rpc.pendingCalls, 0);
    assert.equal((rpc as unknown as { core: { calls: { deadlineCount: number } } }).core.calls.deadlineCount, 0);
    await delay(400);
    assert.equal(reports.length, 0);
    assert.equal(await rpc.call("slow", undefined, { timeout: null }), "late");
    await rpc.close();
  });

  test("a signal aborts one call with its reason", T, async () => {
    const { rpc } = await connect();
    const controller = new AbortController();
    const call = rpc.call("never", [], { signal: controller.signal });
    controller.abort(new Error("stop"));
    await assert.rejects(call, /stop/);
    await assert.rejects(rpc.call("never", [], { signal: AbortSignal.abort(new Error("already")) }), /already/);
    assert.equal(rpc.pendingCalls, 0);
    await rpc.close();
  });

  test("a batch is one frame; each entry a result or its JsonRpcError", T, async () => {
    const { rpc, peers } = await connect();
    const [sum, failed, echoed] = await rpc.batch([["add", [2, 2]], ["fail"], ["echo", ["x"]]]);
    assert.equal(sum, 4);
    assert.ok(failed instanceof JsonRpcError && failed.code === -32001);
    assert.deepEqual(echoed, ["x"]);
    assert.ok(Array.isArray(peers[0].received[0]));
    await rpc.close();
  });

  test("a batch answer with an entry missing settles that entry with RpcProtocolError, not the others", T, async () => {
    const { rpc } = await connect({
      ...METHODS,
    });
    // The peer answers only the first entry of the array.
    const engine = new MockEngine(async (session) => {
      for await (const frame of session.incoming) {
        const batch = JSON.parse((frame as Frame.Text).readText()) as { id: number }[];
        await session.send(JSON.stringify([{ jsonrpc: "2.0", id: batch[0].id, result: "first" }]));
      }
    });
    await rpc.close();
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc2 = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"));
    const [first, second] = await rpc2.batch([["a"], ["b"]]);
    assert.equal(first, "first");
    assert.ok(second instanceof RpcProtocolError && second.reason === "missing-batch-answer");
    await rpc2.close();
  });

  test("the peer's requests are answered by handlers; without one, -32601", T, async () => {
    const engine = new MockEngine(async (session) => {
      await session.send(JSON.stringify({ jsonrpc: "2.0", id: "a", method: "app.confirm", params: ["ok?"] }));
      await session.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "unknown.method" }));
      await session.send(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "app.throws" }));
      const answers: unknown[] = [];
      for await (const frame of session.incoming) {
        const message = JSON.parse((frame as Frame.Text).readText()) as { method?: string };
        if (message.method === undefined) answers.push(message);
        if (answers.length === 3) break;
      }
      await session.send(JSON.stringify({ jsonrpc: "2.0", id: 1, result: answers }));
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"));
    rpc.handle("app.confirm", (params) => ({ confirmed: params }));
    rpc.handle("app.throws", () => {
      throw new Error("secret detail");
    });
    const answers = await rpc.call<{ id: unknown }[]>("collect");
    const byId = new Map(answers.map((a) => [a.id, a]));
    assert.deepEqual(byId.get("a"), { jsonrpc: "2.0", id: "a", result: { confirmed: ["ok?"] } });
    assert.deepEqual(byId.get(7), { jsonrpc: "2.0", id: 7, error: { code: -32601, message: "Method not found" } });
    assert.deepEqual(byId.get(8), { jsonrpc: "2.0", id: 8, error: { code: -32603, message: "Internal error" } });
    await rpc.close();
  });

  test("subscriptions: items in order, break unsubscribes on the peer", T, async () => {
    const { rpc, peers } = await connect();
    const heads = await rpc.subscribe<{ n: number }>("eth_subscribe", ["newHeads"]);
    assert.equal(heads.id, "0x1");
    const seen: number[] = [];
    const publishing = (async () => {
      for (let n = 1; n <= 5; n++) await peers[0].publish({ n });
    })();
    for await (const head of heads) {
      seen.push(head.n);
      if (seen.length === 5) break;
    }
    await publishing;
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    await delay(50);
    assert.equal(peers[0].subscriptions.size, 0);
    await rpc.close();
  });

  test("notifications(method) yields params; schemas check results and items", T, async () => {
    const { rpc, peers } = await connect();
    const stream = rpc.notifications<{ level: string }>("log");
    await peers[0].send({ jsonrpc: "2.0", method: "other", params: { level: "no" } });
    await peers[0].send({ jsonrpc: "2.0", method: "log", params: { level: "info" } });
    const first = await stream.next();
    assert.deepEqual(first.value, { level: "info" });
    const sum = await rpc.call("add", [1, 2], { schema: v.number() });
    assert.equal(sum, 3);
    await assert.rejects(rpc.call("echo", ["x"], { schema: v.number() }), SchemaValidationError);
    await rpc.close();
    assert.equal((await stream.next()).done, true);
  });

  test("bad frames are counted and reported, one call each, and never reach a call", T, async () => {
    const reports: RpcProtocolError[] = [];
    const { rpc, peers } = await connect(METHODS, { onProtocolError: (e) => reports.push(e) });
    await rpc.call("echo", []);
    const peer = peers[0];
    await peer.send("not json");
    await peer.send("42");
    await peer.send({ jsonrpc: "2.0", id: 999999, result: 1 });
    await peer.send({ jsonrpc: "2.0", id: 1, result: 1, error: { code: 1, message: "x" } });
    await peer.send({ jsonrpc: "2.0", id: "x".repeat(100_000), result: 1 });
    await peer.send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    assert.equal(await rpc.call("add", [40, 2]), 42);
    assert.deepEqual(reports.map((r) => r.reason), ["not-json", "not-a-message", "unknown-id", "not-a-message", "unknown-id", "error-without-call"]);
    assert.equal(rpc.protocolErrors, 6);
    assert.ok(reports.every((r) => r.excerpt.length <= 201));
    await rpc.close();
  });

  test("when the session ends, calls in flight reject with RpcConnectionLostError carrying the close reason", T, async () => {
    const { rpc, peers } = await connect();
    const pending = rpc.call("never").catch((e: unknown) => e);
    await delay(20);
    await peers[0].session.close(4001, "bye");
    const error = await pending;
    assert.ok(error instanceof RpcConnectionLostError);
    assert.equal(error.closeReason?.code, 4001);
    await assert.rejects(rpc.call("add", [1]), RpcConnectionLostError);
  });

  test("after close(), calls in flight and new calls reject with RpcClosedError", T, async () => {
    const { rpc } = await connect();
    const pending = rpc.call("never").catch((e: unknown) => e);
    await rpc.close();
    assert.ok((await pending) instanceof RpcClosedError);
    await assert.rejects(rpc.call("add", [1]), RpcClosedError);
    assert.equal(rpc.pendingCalls, 0);
  });

  test("wrong arguments get TypeErrors that name them", T, async () => {
    const { rpc } = await connect();
    await assert.rejects(rpc.call(42 as unknown as string), /call\(method\): method must be a method name/);
    await assert.rejects(rpc.call("x", 5 as unknown as []), /params must be an array, an object or undefined/);
    await assert.rejects(rpc.call("x", [1n]), /params must be JSON/);
    await assert.rejects(rpc.call("x", [], { timeout: "soon" as "1s" }), RangeError);
    await assert.rejects(rpc.call("x", [], { bogus: 1 } as object), /bogus/);
    assert.throws(() => new JsonRpcClient({} as never), /session must be a WebSocket session/);
    await assert.rejects(rpc.subscribe("watch"), /options.unsubscribe and options.notification/);
    // A hole in a sparse array is a missing entry (forEach would have skipped it, and the batch never settled).
    await assert.rejects(rpc.batch(new Array(3) as []), /batch\(entries\): entries\[0\] must be \[method\] or \[method, params\]; got undefined/);
    await assert.rejects(rpc.batch([]), /non-empty array/);
    await rpc.close();
  });
});

describe("JsonRpcClient at scale", () => {
  test("100,000 calls in flight at once are matched to answers given in another order; nothing is left after", { timeout: 60_000 }, async () => {
    const COUNT = 100_000;
    const engine = new MockEngine(async (session) => {
      const ids: { id: number; n: number }[] = [];
      for await (const frame of session.incoming) {
        const { id, params } = JSON.parse((frame as Frame.Text).readText()) as { id: number; params: [number] };
        ids.push({ id, n: params[0] });
        if (ids.length === COUNT) break;
      }
      // Answers in a scrambled order (a stride through the list), several per frame as a batch answer.
      const order: typeof ids = [];
      for (let start = 0; start < 7; start++) for (let i = start; i < COUNT; i += 7) order.push(ids[COUNT - 1 - i]);
      for (let i = 0; i < order.length; i += 500) {
        await session.send(JSON.stringify(order.slice(i, i + 500).map(({ id, n }) => ({ jsonrpc: "2.0", id, result: n * 2 }))));
      }
      await session.closeReason;
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"), { timeout: "50s" });
    const calls = Array.from({ length: COUNT }, (_, n) => rpc.call<number>("double", [n]));
    assert.equal(rpc.pendingCalls, COUNT);
    const results = await Promise.all(calls);
    assert.ok(results.every((value, n) => value === n * 2));
    assert.equal(rpc.pendingCalls, 0);
    assert.equal((rpc as unknown as { core: { calls: { deadlineCount: number } } }).core.calls.deadlineCount, 0);
    await rpc.close();
  });

  test("batch answers may come one by one, in any order", T, async () => {
    const engine = new MockEngine(async (session) => {
      for await (const frame of session.incoming) {
        const batch = JSON.parse((frame as Frame.Text).readText()) as { id: number; method: string }[];
        for (const { id, method } of batch.reverse()) await session.send(JSON.stringify({ jsonrpc: "2.0", id, result: method }));
      }
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"));
    assert.deepEqual(await rpc.batch([["a"], ["b"], ["c"]]), ["a", "b", "c"]);
    await rpc.close();
  });
});

describe("JsonRpcClient: subscriptions' backpressure and end", () => {
  test("a loop that does not keep up stops the reading of the socket: the peer's sends wait, nothing is lost", { timeout: 30_000 }, async () => {
    const TOTAL = 5_000;
    let sent = 0;
    const engine = new MockEngine(async (session) => {
      for await (const frame of session.incoming) {
        const { id } = JSON.parse((frame as Frame.Text).readText()) as { id: number; method: string };
        await session.send(JSON.stringify({ jsonrpc: "2.0", id, result: "0xs" }));
        for (let n = 0; n < TOTAL; n++) {
          await session.send(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: "0xs", result: n } }));
          sent++;
        }
      }
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"), { bufferSize: 16 });
    const items = await rpc.subscribe<number>("eth_subscribe", ["newHeads"]);
    await delay(300);
    const early = sent;
    await delay(300);
    // The subscription holds 16, the session's channels and the in-memory connection's buffer (64 KiB)
    // a bounded number more: the peer is waiting, far from done.
    assert.equal(sent, early, "the peer went on sending to a loop that read none");
    assert.ok(sent < TOTAL / 2, `the peer sent ${sent} of ${TOTAL} to a loop that read none`);
    let expected = 0;
    for await (const n of items) {
      assert.equal(n, expected++);
      if (expected === TOTAL) break;
    }
    assert.equal(sent, TOTAL);
    await rpc.close();
  });

  test("over one session, a subscription whose connection the peer ends throws RpcConnectionLostError", T, async () => {
    const engine = new MockEngine(async (session) => {
      for await (const frame of session.incoming) {
        const { id } = JSON.parse((frame as Frame.Text).readText()) as { id: number };
        await session.send(JSON.stringify({ jsonrpc: "2.0", id, result: 9 }));
        await session.send(JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: 9, result: "last" } }));
        await session.close(new CloseReason(CloseReason.Codes.GOING_AWAY, "going away"));
      }
    });
    const client = new HttpClient(engine, (config) => config.install(WebSockets));
    const rpc = new JsonRpcClient(await client.webSocketSession("ws://mock.test/"));
    const items = await rpc.subscribe("eth_subscribe", ["x"]);
    assert.equal(items.id, 9);
    assert.deepEqual(await items.next(), { value: "last", done: false });
    const error = await items.next().catch((e: unknown) => e);
    assert.ok(error instanceof RpcConnectionLostError, String(error));
    assert.deepEqual(engine.errors, []);
    assert.equal(error.closeReason?.code, 1001);
  });
});
