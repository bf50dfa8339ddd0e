// JsonRpcClient over a ReconnectingWebSocketSession, against a kite-ws server restarted on the same
// port: calls in flight reject, `retry: true` calls and calls made while down go out on the next
// connection, and subscriptions are made again (new id) before anything queued is sent.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { serve, type WebSocketServer } from "../../src/server/index.js";
import { JsonRpcClient, JsonRpcError, RpcConnectionLostError } from "../../src/rpc/index.js";
import { reconnectClient } from "../plugins/reconnect/helpers.js";
import { QueueOverflowError } from "../../src/plugins/reconnect/index.js";
import { RpcPeer, delay, type Method } from "./helpers.js";

const T = { timeout: 20_000 };

/** A kite-ws server of RpcPeers that can be stopped and started again on the same port. */
class RestartableServer {
  readonly peers: RpcPeer[] = [];
  private server: WebSocketServer | null = null;
  port = 0;

  constructor(private readonly methods: (generation: number) => Record<string, Method>) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/rpc`;
  }

  async start(): Promise<void> {
    const generation = this.peers.length;
    this.server = await serve({ host: "127.0.0.1", port: this.port }, (routes) =>
      routes.webSocket("/rpc", async (session) => {
        const peer = new RpcPeer(session, this.methods(generation));
        this.peers.push(peer);
        await peer.run();
      }),
    );
    this.port = this.server.port;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.server = null;
  }

  /** The peer of the `n`-th connection (0-based), once it is there. */
  async peer(n: number): Promise<RpcPeer> {
    for (let waited = 0; this.peers.length <= n; waited += 10) {
      if (waited > 5_000) throw new Error(`connection #${n} never came`);
      await delay(10);
    }
    return this.peers[n];
  }
}

const add: Method = (params) => (params as number[]).reduce((a, b) => a + b, 0);
/** The first server never answers `never_then_add`; the ones after it do. */
const methods = (generation = 0): Record<string, Method> => ({
  add,
  never: () => new Promise(() => {}),
  never_then_add: generation === 0 ? () => new Promise(() => {}) : add,
});

describe("JsonRpcClient over a reconnecting session", () => {
  test("a server restart: in-flight calls reject, retry calls and calls made while down succeed, the subscription resumes first with a new id", T, async () => {
    const server = new RestartableServer((generation) => methods(generation));
    await server.start();
    const client = reconnectClient();
    const session = client.reconnectingSession(server.url);
    const rpc = new JsonRpcClient(session, { timeout: "5s" });
    try {
      // A call first, so the subscription's id on the next connection ("0x1" from a fresh server) is
      // made by a call with another id.
      await rpc.call("add", [1, 2]);
      const heads = await rpc.subscribe<number>("eth_subscribe", ["newHeads"]);
      const first = await server.peer(0);
      await first.publish(1);
      assert.deepEqual(await heads.next(), { value: 1, done: false });

      const lost = rpc.call("never").catch((e: unknown) => e);
      const retried = rpc.call<number>("never_then_add", [20, 22], { retry: true });
      await delay(20);
      await server.stop();
      const error = await lost;
      assert.ok(error instanceof RpcConnectionLostError, String(error));
      assert.equal(error.closeReason?.code, 1001);

      const whileDown = rpc.call<number>("add", [1, 1]);
      await server.start();
      assert.equal(await whileDown, 2);
      assert.equal(await retried, 42);

      const second = await server.peer(1);
      // Made again before anything queued went out.
      assert.equal((second.received[0] as { method: string }).method, "eth_subscribe");
      await second.publish(2);
      assert.deepEqual(await heads.next(), { value: 2, done: false });
      assert.equal(heads.id, [...second.subscriptions][0]);
      assert.equal(rpc.pendingCalls, 0);
    } finally {
      await rpc.close();
      await server.stop();
    }
  });

  test("a subscription whose re-subscribe call fails ends its iteration with that error; the others go on", T, async () => {
    const server = new RestartableServer((generation) => ({
      ...methods(),
      ...(generation > 0 ? { refuse_subscribe: () => Promise.reject(Object.assign(new Error("gone"), { code: -32005 })) } : { refuse_subscribe: () => "0xfeed" }),
    }));
    await server.start();
    const rpc = new JsonRpcClient(reconnectClient().reconnectingSession(server.url), { timeout: "5s" });
    try {
      const doomed = await rpc.subscribe("refuse_subscribe", [], { unsubscribe: "refuse_unsubscribe", notification: "refuse_subscription" });
      const heads = await rpc.subscribe<number>("eth_subscribe", ["newHeads"]);
      await server.stop();
      await server.start();
      const failure = await doomed.next().catch((e: unknown) => e);
      assert.ok(failure instanceof JsonRpcError && failure.code === -32005, String(failure));
      const second = await server.peer(1);
      await second.publish(7);
      assert.deepEqual(await heads.next(), { value: 7, done: false });
    } finally {
      await rpc.close();
      await server.stop();
    }
  });
});

describe("JsonRpcClient over a reconnecting session: the replay queue's limits", () => {
  test("calls made while down wait in the replay queue; one that does not fit rejects with its QueueOverflowError", T, async () => {
    const server = new RestartableServer(() => methods(1));
    await server.start();
    const client = reconnectClient((r) => {
      r.maxQueued = { messages: 2 };
      r.onQueueOverflow = "fail";
    });
    const rpc = new JsonRpcClient(client.reconnectingSession(server.url), { timeout: "5s" });
    try {
      assert.equal(await rpc.call("add", [1, 1]), 2);
      await server.stop();
      await delay(50);
      const queued = [rpc.call("add", [1, 2]), rpc.call("add", [2, 2])];
      await assert.rejects(rpc.call("add", [3, 3]), QueueOverflowError);
      await server.start();
      assert.deepEqual(await Promise.all(queued), [3, 4]);
      assert.equal(rpc.pendingCalls, 0);
    } finally {
      await rpc.close();
      await server.stop();
    }
  });
});
