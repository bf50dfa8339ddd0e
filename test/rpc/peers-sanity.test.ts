/**
 * The three real peers the RPC layer is tested against, checked with the `ws` package alone (no
 * kite-ws code): anvil (an Ethereum node: calls, batches, subscriptions, restart on the same
 * port), headless Chromium over the DevTools Protocol (flattened sessions, events), and a JSON-RPC
 * peer built on json-rpc-2.0 (calls both ways, notifications). If one of these fails, the helpers or
 * the machine are at fault, not the RPC layer.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { startAnvil, anvilSkipReason, type Anvil } from "../helpers/anvil.js";
import { startChromium, startPageServer, chromiumSkipReason, type Chromium, type PageServer } from "../helpers/chromium-cdp.js";
import { startJsonRpcPeer, FAIL_ERROR, type JsonRpcPeer } from "../helpers/json-rpc-peer.js";
import { within } from "../helpers/ws-peer.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Message = any;

/**
 * A bare JSON-RPC client on `ws`: ids from 1, every incoming message kept until a test takes it.
 * `jsonrpc: false` leaves out the `"jsonrpc": "2.0"` member, for the DevTools Protocol, which
 * refuses any member besides id, method, params and sessionId.
 */
class Client {
  private nextId = 1;
  private readonly inbox: Message[] = [];
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(
    readonly socket: WebSocket,
    private readonly jsonrpc: boolean,
  ) {
    socket.on("message", (data) => {
      this.inbox.push(JSON.parse(data.toString()));
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, { jsonrpc = true, timeoutMillis = 5_000 } = {}): Promise<Client> {
    const socket = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
    socket.on("error", () => {}); // seen as a close, or as the failed open below
    await within(
      new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      }),
      timeoutMillis,
      `a connection to ${url}`,
    );
    return new Client(socket, jsonrpc);
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The first kept message matching `predicate`, taken out of the inbox (waits up to `timeoutMillis`). */
  take(predicate: (message: Message) => boolean, timeoutMillis = 5_000, what = "a matching message"): Promise<Message> {
    return within(
      new Promise<Message>((resolve) => {
        const check = (): void => {
          const index = this.inbox.findIndex(predicate);
          if (index < 0) return;
          this.waiters.delete(check);
          resolve(this.inbox.splice(index, 1)[0]);
        };
        this.waiters.add(check);
        check();
      }),
      timeoutMillis,
      what,
    );
  }

  /** Sends a request and resolves with the whole response (result or error). */
  request(method: string, params?: unknown, extra: Record<string, unknown> = {}, timeoutMillis = 5_000): Promise<Message> {
    const id = this.nextId++;
    this.send({ ...(this.jsonrpc ? { jsonrpc: "2.0" } : {}), id, method, ...(params === undefined ? {} : { params }), ...extra });
    return this.take((m) => m.id === id && !("method" in m), timeoutMillis, `the response to ${method} (id ${id})`);
  }

  /** Sends a request and resolves with its result; fails on an error response. */
  async call(method: string, params?: unknown, extra: Record<string, unknown> = {}, timeoutMillis = 5_000): Promise<Message> {
    const response = await this.request(method, params, extra, timeoutMillis);
    assert.equal(response.error, undefined, `${method} failed: ${JSON.stringify(response.error)}`);
    return response.result;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await within(this.closed, 5_000, "the client to close").catch(() => this.socket.terminate());
  }
}

/** Whether a process (or, with a negative id, a process group) still exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("anvil", { timeout: 60_000, skip: anvilSkipReason() }, () => {
  let anvil: Anvil;
  let client: Client;

  before(async () => {
    anvil = await startAnvil();
    client = await Client.open(anvil.url);
  });

  after(async () => {
    await client?.close();
    await anvil?.stop();
    if (anvil) assert.equal(alive(anvil.pid), false, "anvil has exited");
  });

  test("listens on 127.0.0.1 at the port it picked and answers eth_blockNumber", { timeout: 10_000 }, async () => {
    assert.match(anvil.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(anvil.port, 0);
    assert.equal(anvil.url, `ws://127.0.0.1:${anvil.port}`);
    assert.match(await client.call("eth_blockNumber"), /^0x[0-9a-f]+$/);
  });

  test("answers a batch with one array, ids kept", { timeout: 10_000 }, async () => {
    client.send([
      { jsonrpc: "2.0", id: "chain", method: "eth_chainId" },
      { jsonrpc: "2.0", id: "block", method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: "missing", method: "no_such_method" },
    ]);
    const batch = await client.take(Array.isArray, 5_000, "the batch response");
    assert.equal(batch.length, 3);
    const byId = new Map<string, Message>(batch.map((r: Message) => [r.id, r]));
    assert.equal(byId.get("chain").result, "0x7a69", "anvil's chain id is 31337");
    assert.match(byId.get("block").result, /^0x[0-9a-f]+$/);
    // anvil answers an unknown method with -32602 (its method enum failed to parse), not -32601
    assert.equal(byId.get("missing").error.code, -32602);
  });

  test("eth_subscribe newHeads delivers a head for each block mined with evm_mine", { timeout: 10_000 }, async () => {
    const start = Number(await client.call("eth_blockNumber"));
    const subscription = await client.call("eth_subscribe", ["newHeads"]);
    assert.match(subscription, /^0x[0-9a-f]+$/);
    const isHead = (m: Message): boolean => m.method === "eth_subscription" && m.params?.subscription === subscription;
    for (let i = 1; i <= 2; i++) {
      assert.equal(await client.call("evm_mine"), "0x0");
      const head = await client.take(isHead, 5_000, `head ${start + i}`);
      assert.equal(Number(head.params.result.number), start + i);
      assert.match(head.params.result.hash, /^0x[0-9a-f]{64}$/);
      assert.equal(head.id, undefined, "a notification has no id");
    }
    assert.equal(await client.call("eth_unsubscribe", [subscription]), true);
  });

  test("restart() starts a fresh node on the same port; the old connection closes", { timeout: 20_000 }, async () => {
    const { port, url } = anvil;
    const before = anvil.pid;
    await client.call("evm_mine");
    await anvil.restart();
    assert.equal(anvil.port, port);
    assert.equal(anvil.url, url);
    assert.notEqual(anvil.pid, before);
    assert.equal(alive(before), false, "the old process has exited");
    const { code } = await within(client.closed, 5_000, "the old connection to close");
    assert.equal(code, 1006, "anvil was killed: no closing handshake");
    client = await Client.open(url);
    assert.equal(await client.call("eth_blockNumber"), "0x0", "a restart is a fresh chain");
  });

  test("blockTime mines on an interval: heads arrive with no evm_mine", { timeout: 20_000 }, async () => {
    await using interval = await startAnvil({ blockTime: 0.2 });
    const own = await Client.open(interval.url);
    try {
      const subscription = await own.call("eth_subscribe", ["newHeads"]);
      const isHead = (m: Message): boolean => m.method === "eth_subscription" && m.params?.subscription === subscription;
      const first = await own.take(isHead, 5_000, "an interval head");
      const second = await own.take(isHead, 5_000, "a second interval head");
      assert.equal(Number(second.params.result.number), Number(first.params.result.number) + 1);
    } finally {
      await own.close();
    }
  });

  test("a start that fails (port taken) rejects at once with anvil's error", { timeout: 20_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      await assert.rejects(startAnvil({ port }), /exited \(code 1.*\n[\s\S]*Address already in use/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test("a start that takes too long fails with a timeout that names what it waited for", { timeout: 20_000 }, async () => {
    await assert.rejects(startAnvil({ startupTimeoutMillis: 1 }), /Timed out after 1 ms waiting for "Listening on 127\.0\.0\.1:PORT" from .*anvil/);
  });
});

describe("chromium over the DevTools Protocol", { timeout: 90_000, skip: chromiumSkipReason() }, () => {
  let chromium: Chromium;
  let pages: PageServer;
  let client: Client;

  before(async () => {
    pages = await startPageServer();
    chromium = await startChromium();
    client = await Client.open(chromium.browserWsUrl, { jsonrpc: false });
  });

  after(async () => {
    await client?.close();
    await chromium?.stop();
    await pages?.close();
    if (chromium) assert.equal(alive(-chromium.pid), false, "Chromium's whole process group has exited");
  });

  test("the browser endpoint is on 127.0.0.1 and answers Browser.getVersion", { timeout: 10_000 }, async () => {
    assert.match(chromium.browserWsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\/[0-9a-f-]+$/);
    const version = await client.call("Browser.getVersion");
    assert.match(version.product, /Chrome\/\d+/);
    assert.match(version.protocolVersion, /^\d+\.\d+$/);
    const unknown = await client.request("No.suchMethod");
    assert.equal(unknown.error.code, -32601);
  });

  test("a flattened session: navigate, loadEventFired with its sessionId, evaluate", { timeout: 30_000 }, async () => {
    const { targetId } = await client.call("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await client.call("Target.attachToTarget", { targetId, flatten: true });
    assert.equal(typeof sessionId, "string");
    try {
      await client.call("Page.enable", {}, { sessionId });
      const navigated = await client.call("Page.navigate", { url: pages.url("/") }, { sessionId });
      assert.equal(navigated.errorText, undefined);
      const load = await client.take((m) => m.method === "Page.loadEventFired" && m.sessionId === sessionId, 15_000, "Page.loadEventFired");
      assert.equal(typeof load.params.timestamp, "number");
      const evaluated = await client.call(
        "Runtime.evaluate",
        { expression: "document.title + ' ' + globalThis.kite.answer", returnByValue: true },
        { sessionId },
      );
      assert.deepEqual(evaluated.result, { type: "string", value: "kite-ws CDP test 42" });
      assert.ok(pages.requests.includes("/"), "the page came from the page server");
      // An error inside a session comes back in the session, with the request's id.
      const wrong = await client.request("Runtime.evaluate", { expression: 1 }, { sessionId });
      assert.equal(wrong.sessionId, sessionId);
      assert.equal(wrong.error.code, -32602);
    } finally {
      await client.call("Target.closeTarget", { targetId });
    }
  });
});

describe("the json-rpc-2.0 peer", { timeout: 30_000 }, () => {
  let peer: JsonRpcPeer;

  before(async () => {
    peer = await startJsonRpcPeer();
  });

  after(async () => {
    await peer?.close();
  });

  test("answers the built-in methods: results, an application error, a slow call overtaken", { timeout: 10_000 }, async () => {
    const client = await Client.open(peer.url);
    await peer.nextConnection(); // taken, so that the next test's nextConnection() is its own
    try {
      assert.match(peer.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await client.call("add", [2, 3]), 5);
      assert.deepEqual(await client.call("echo", { a: [1, "two"] }), { a: [1, "two"] });
      const failed = await client.request("fail");
      assert.deepEqual(failed.error, FAIL_ERROR);
      const custom = await client.request("fail", { code: -32050, message: "custom", data: [1] });
      assert.deepEqual(custom.error, { code: -32050, message: "custom", data: [1] });
      const unknown = await client.request("nope");
      assert.equal(unknown.error.code, -32601);
      // sleep answers after add although it was sent first
      const slow = client.request("sleep", [200, "late"]);
      const fast = await client.request("add", [1, 1]);
      const late = await slow;
      assert.equal(fast.result, 2);
      assert.equal(late.result, "late");
      assert.ok(late.id < fast.id);
      client.send([
        { jsonrpc: "2.0", id: 100, method: "add", params: [1, 2] },
        { jsonrpc: "2.0", method: "echo", params: ["a notification: no response"] },
        { jsonrpc: "2.0", id: 101, method: "echo", params: ["x"] },
      ]);
      const batch = await client.take(Array.isArray, 5_000, "the batch response");
      assert.deepEqual(
        batch.map((r: Message) => [r.id, r.result]).sort(),
        [
          [100, 3],
          [101, ["x"]],
        ],
      );
      client.send("{not json");
      const parseError = await client.take((m) => m.error?.code === -32700, 5_000, "a parse error");
      assert.equal(parseError.id, null);
    } finally {
      await client.close();
    }
  });

  test("calls the client and notifies it; the client's answers and errors come back", { timeout: 10_000 }, async () => {
    const client = await Client.open(peer.url);
    try {
      const connection = await peer.nextConnection();
      // the client answers `double` and fails `refuse`
      client.socket.on("message", (data) => {
        const m = JSON.parse(data.toString());
        if (m.method === "double") client.send({ jsonrpc: "2.0", id: m.id, result: m.params[0] * 2 });
        if (m.method === "refuse") client.send({ jsonrpc: "2.0", id: m.id, error: { code: 7, message: "no", data: "why" } });
      });
      assert.equal(await connection.call("double", [21]), 42);
      await assert.rejects(connection.call("refuse"), (error: Error & { code?: number; data?: unknown }) => {
        assert.equal(error.message, "no");
        assert.equal(error.code, 7);
        assert.equal(error.data, "why");
        return true;
      });
      // a call from the client that makes the server call the client back
      assert.equal(await client.call("callBack", ["double", [5]]), 10);

      connection.notify("tick", { n: 1 });
      const tick = await client.take((m) => m.method === "tick", 5_000, "the tick notification");
      assert.deepEqual(tick, { jsonrpc: "2.0", method: "tick", params: { n: 1 } });

      peer.addMethod("whoAmI", (_params, self) => peer.connections.indexOf(self));
      assert.equal(await client.call("whoAmI"), peer.connections.indexOf(connection));
    } finally {
      await client.close();
    }
  });

  test("a call to the client is rejected when the connection closes", { timeout: 10_000 }, async () => {
    const client = await Client.open(peer.url);
    const connection = await peer.nextConnection();
    const rejected = assert.rejects(connection.call("neverAnswered"), /connection closed \(1005\)/);
    await client.take((m) => m.method === "neverAnswered", 5_000, "the server's request");
    await client.close();
    await rejected;
  });
});
