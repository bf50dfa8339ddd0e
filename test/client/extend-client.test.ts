// Builders added to HttpClient by their plugin's module (src/client/extend-client.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient } from "../../src/index.js";
import { extendHttpClient } from "../../src/client/extend-client.js";
import { MockEngine } from "../../src/testing/index.js";

test("a method added by a plugin's module is on every client, not enumerable, with the client as this", () => {
  extendHttpClient({
    testOnlyEngineName(this: HttpClient): string {
      return this.engine.name;
    },
  });
  const client = new HttpClient(new MockEngine(() => {}));
  try {
    assert.equal((client as unknown as { testOnlyEngineName(): string }).testOnlyEngineName(), "Mock");
    assert.ok(!Object.keys(HttpClient.prototype).includes("testOnlyEngineName"), "not enumerable, as a class's own methods");
  } finally {
    client.close();
    // Every other test's clients share the prototype: leave it as the package has it.
    delete (HttpClient.prototype as unknown as Record<string, unknown>).testOnlyEngineName;
  }
});

test("the WebSockets builders are there with the package root, as methods of the prototype", () => {
  for (const name of ["webSocket", "ws", "wss", "webSocketRaw", "webSocketSession", "webSocketRawSession"]) {
    assert.equal(typeof (HttpClient.prototype as unknown as Record<string, unknown>)[name], "function", name);
  }
});

test("a name the client already has is refused: a plugin cannot replace a member or another plugin's builder", () => {
  assert.throws(() => extendHttpClient({ close() {} }), /HttpClient already has a member named close/);
  assert.throws(() => extendHttpClient({ webSocket() {} }), /HttpClient already has a member named webSocket/);
  assert.throws(() => extendHttpClient({ toString() {} }), /already has a member named toString/);
});
