// What engines that get the agreed extensions as a string from their runtime (Platform, ws) report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExtensionsHeader } from "../../src/engine/shared.js";

test("a runtime's extensions string becomes the session's extensions, with their parameters", () => {
  assert.deepEqual(parseExtensionsHeader("permessage-deflate; client_max_window_bits=15; server_no_context_takeover, x-foo"), [
    { name: "permessage-deflate", parameters: { client_max_window_bits: "15", server_no_context_takeover: true } },
    { name: "x-foo", parameters: {} },
  ]);
  assert.deepEqual(parseExtensionsHeader('permessage-deflate; server_max_window_bits="10"'), [
    { name: "permessage-deflate", parameters: { server_max_window_bits: "10" } },
  ]);
});

test("no extensions string, or an empty one, is no extensions", () => {
  assert.deepEqual(parseExtensionsHeader(""), []);
  assert.deepEqual(parseExtensionsHeader(null), []);
  assert.deepEqual(parseExtensionsHeader(undefined), []);
});

test("a string that does not parse reports no extensions instead of throwing", () => {
  assert.deepEqual(parseExtensionsHeader("permessage-deflate; =15"), []);
  assert.deepEqual(parseExtensionsHeader('x; a="unterminated'), []);
});

test("a parameter named __proto__ stays a plain entry, and the result is frozen", () => {
  const [extension] = parseExtensionsHeader("x-foo; __proto__=1");
  assert.equal(Object.getPrototypeOf(extension.parameters), Object.prototype);
  assert.equal(Object.hasOwn(extension.parameters, "__proto__"), true);
  assert.ok(Object.isFrozen(extension) && Object.isFrozen(extension.parameters));
});
