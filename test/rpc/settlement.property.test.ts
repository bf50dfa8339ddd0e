// A property test of the calls layer: random interleavings of calls (with deadlines, signals and
// `retry`), answers in any order, duplicate and foreign answers, garbage, aborts and dropped
// connections, over one session and over a reconnecting one (MockEngine). Afterwards every promise
// has settled once with what its own answer said, and nothing is left: no call, no deadline.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Frame, HttpClient, WebSockets } from "../../src/index.js";
import { Reconnect } from "../../src/plugins/reconnect/index.js";
import { MockEngine, type MockServerSession } from "../../src/testing/index.js";
import { JsonRpcClient, JsonRpcError } from "../../src/rpc/index.js";
import type { RpcCore } from "../../src/rpc/rpc-core.js";
import { delay } from "./helpers.js";

type Command =
  | { kind: "call"; timeout: number | null; abortable: boolean; retry: boolean }
  | { kind: "answer"; pick: number; as: "result" | "error" | "twice" }
  | { kind: "noise"; what: "unknown-id" | "garbage" | "huge-id" | "no-id" }
  | { kind: "abort"; pick: number }
  | { kind: "drop" }
  | { kind: "wait"; millis: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("call" as const), timeout: fc.option(fc.integer({ min: 1, max: 40 }), { freq: 3 }), abortable: fc.boolean(), retry: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("answer" as const), pick: fc.nat(), as: fc.constantFrom("result" as const, "error" as const, "twice" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noise" as const), what: fc.constantFrom("unknown-id" as const, "garbage" as const, "huge-id" as const, "no-id" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), millis: fc.integer({ min: 0, max: 15 }) }) },
);

interface Outcome {
  readonly n: number;
  settled: number;
  value?: unknown;
  error?: unknown;
}

/** The server side: requests of the current connection, answered when the test says. */
class Peer {
  session: MockServerSession | null = null;
  requests: { id: number; n: number }[] = [];
  connections = 0;

  handler = async (session: MockServerSession): Promise<void> => {
    this.session = session;
    this.requests = [];
    this.connections++;
    for await (const frame of session.incoming) {
      const message = JSON.parse((frame as Frame.Text).readText()) as { id: number; params: [number] };
      this.requests.push({ id: message.id, n: message.params[0] });
    }
  };

  send(value: unknown): void {
    void this.session?.send(typeof value === "string" ? value : JSON.stringify(value)).catch(() => {});
  }
}

async function run(commands: Command[], reconnecting: boolean): Promise<void> {
  const peer = new Peer();
  const engine = new MockEngine(peer.handler);
  const client = new HttpClient(engine, (config) => {
    config.install(WebSockets);
    if (reconnecting) config.install(Reconnect, (r) => ((r.minDelay = 1), (r.maxDelay = 5), (r.minUptime = 1)));
  });
  const session = reconnecting ? client.reconnectingSession("ws://mock.test/") : await client.webSocketSession("ws://mock.test/");
  const rpc = new JsonRpcClient(session, { timeout: null, onProtocolError: () => {} });
  const outcomes: Outcome[] = [];
  const controllers: AbortController[] = [];
  const promises: Promise<void>[] = [];
  for (const step of commands) {
    switch (step.kind) {
      case "call": {
        const outcome: Outcome = { n: outcomes.length, settled: 0 };
        outcomes.push(outcome);
        const controller = new AbortController();
        if (step.abortable) controllers.push(controller);
        const promise = rpc.call("echo", [outcome.n], { timeout: step.timeout, retry: step.retry, signal: step.abortable ? controller.signal : undefined });
        promises.push(
          promise.then(
            (value) => void ((outcome.settled++, (outcome.value = value))),
            (error: unknown) => void ((outcome.settled++, (outcome.error = error))),
          ),
        );
        break;
      }
      case "answer": {
        if (peer.requests.length === 0) break;
        const { id, n } = peer.requests[step.pick % peer.requests.length];
        const answer = step.as === "error" ? { jsonrpc: "2.0", id, error: { code: -32000 - n, message: "no" } } : { jsonrpc: "2.0", id, result: n };
        peer.send(answer);
        if (step.as === "twice") peer.send(answer);
        break;
      }
      case "noise":
        peer.send(
          step.what === "garbage" ? "{oops" : step.what === "huge-id" ? { jsonrpc: "2.0", id: 1e300, result: 0 } : step.what === "no-id" ? { jsonrpc: "2.0", result: 0 } : { jsonrpc: "2.0", id: 987654321, result: 0 },
        );
        break;
      case "abort":
        if (controllers.length > 0) controllers[step.pick % controllers.length].abort(new Error("aborted by the test"));
        break;
      case "drop":
        peer.session?.terminate();
        break;
      case "wait":
        await delay(step.millis);
        break;
    }
  }
  await delay(5);
  await rpc.close();
  const settledInTime = await Promise.race([Promise.all(promises).then(() => true), delay(3_000).then(() => false)]);
  assert.ok(settledInTime, "some promise never settled");
  for (const outcome of outcomes) {
    assert.equal(outcome.settled, 1);
    if ("value" in outcome && outcome.error === undefined) assert.equal(outcome.value, outcome.n, "a call resolved with another call's answer");
    if (outcome.error instanceof JsonRpcError) assert.equal(outcome.error.code, -32000 - outcome.n, "a call rejected with another call's error");
  }
  const core = (rpc as unknown as { core: RpcCore }).core;
  assert.equal(rpc.pendingCalls, 0);
  assert.equal(core.calls.deadlineCount, 0);
}

test("every call settles exactly once, with its own answer, and nothing is left: one session", { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => run(commands, false)),
    { numRuns: 60 },
  );
});

test("every call settles exactly once, with its own answer, and nothing is left: a reconnecting session", { timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => run(commands, true)),
    { numRuns: 60 },
  );
});
