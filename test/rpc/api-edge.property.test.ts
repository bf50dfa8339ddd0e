// Arbitrary JS values at every entry of JsonRpcClient: each is taken as documented or refused with a
// TypeError / RangeError that names the parameter, before anything is sent; the client stays usable.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Frame, HttpClient, WebSockets } from "../../src/index.js";
import { MockEngine } from "../../src/testing/index.js";
import { JsonRpcClient } from "../../src/rpc/index.js";

const anything = fc.anything({ withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
const value = fc.oneof(anything, fc.constantFrom<unknown>(undefined, null, "", "x", 0, -1, 1.5, NaN, Infinity, Symbol("s"), () => 1, [], {}, [1n], { timeout: "1s" }, { timeout: -1 }, { signal: "no" }));

async function echoClient(): Promise<JsonRpcClient> {
  const engine = new MockEngine(async (session) => {
    for await (const frame of session.incoming) {
      const message = JSON.parse((frame as Frame.Text).readText()) as { id?: number; params?: unknown } | unknown[];
      if (Array.isArray(message)) {
        await session.send(JSON.stringify(message.map((m) => ({ jsonrpc: "2.0", id: (m as { id: number }).id, result: null }))));
      } else if (message.id !== undefined) {
        await session.send(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: message.params ?? null }));
      }
    }
  });
  const client = new HttpClient(engine, (config) => config.install(WebSockets));
  return new JsonRpcClient(await client.webSocketSession("ws://mock.test/"), { timeout: "2s" });
}

/** Runs `attempt`; a refusal must be a TypeError or RangeError with a message. */
async function takenOrRefused(attempt: () => unknown): Promise<void> {
  try {
    const result = attempt();
    if (result instanceof Promise) await result;
  } catch (error) {
    assert.ok(error instanceof TypeError || error instanceof RangeError, `${String(error)} is neither a TypeError nor a RangeError`);
    assert.notEqual(error.message, "");
  }
}

test("any value at any parameter is taken or refused with a TypeError / RangeError; the client stays usable", { timeout: 60_000 }, async () => {
  const rpc = await echoClient();
  try {
    await fc.assert(
      fc.asyncProperty(value, value, value, async (a, b, c) => {
        const entries = [
          () => rpc.call(a as string, b as [], c as object),
          () => rpc.call("echo", a as [], b as object),
          () => rpc.notify(a as string, b as [], c as object),
          () => rpc.batch(a as [], b as object),
          () => rpc.batch([[a as string, b as []]]),
          () => rpc.subscribe(a as string, b as [], c as object),
          () => rpc.notifications(a as string, b as object).return?.(),
          () => rpc.handle(a as string, b as () => unknown)(),
          () => new JsonRpcClient(a as never, b as object),
        ];
        for (const entry of entries) await takenOrRefused(entry);
      }),
      { numRuns: 300 },
    );
    // After all that, the client works.
    assert.deepEqual(await rpc.call("echo", [1, 2]), [1, 2]);
    assert.equal(rpc.protocolErrors, 0);
  } finally {
    await rpc.close();
  }
});
