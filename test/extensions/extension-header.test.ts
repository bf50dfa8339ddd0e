// Sec-WebSocket-Extensions parsing and writing (RFC 6455 §9.1, RFC 7230 lists).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { formatExtensionHeader, parameterRecord, parseExtensionHeader } from "../../src/extensions/extension-header.js";

describe("Sec-WebSocket-Extensions parsing", () => {
  test("an extension with flags and values, whitespace around every separator", () => {
    assert.deepEqual(parseExtensionHeader(" permessage-deflate ;client_no_context_takeover ;  server_max_window_bits = 10 "), [
      { name: "permessage-deflate", parameters: [["client_no_context_takeover", true], ["server_max_window_bits", "10"]] },
    ]);
  });

  test("several offers in one header (and several headers, which Node joins with a comma) keep their order", () => {
    const joined = ["permessage-deflate; client_max_window_bits=10", "permessage-deflate", "x-other; a=1, permessage-deflate; server_no_context_takeover"].join(", ");
    assert.deepEqual(
      parseExtensionHeader(joined).map((element) => [element.name, element.parameters]),
      [
        ["permessage-deflate", [["client_max_window_bits", "10"]]],
        ["permessage-deflate", []],
        ["x-other", [["a", "1"]]],
        ["permessage-deflate", [["server_no_context_takeover", true]]],
      ],
    );
  });

  test("a quoted value is unquoted (RFC 7692 §7.1.2.1 allows server_max_window_bits=\"10\")", () => {
    assert.deepEqual(parseExtensionHeader('permessage-deflate; server_max_window_bits="10"')[0].parameters, [["server_max_window_bits", "10"]]);
    assert.deepEqual(parseExtensionHeader('x; a="b\\c"')[0].parameters, [["a", "bc"]]);
  });

  test("repeated parameters are kept, so an extension can refuse them", () => {
    assert.deepEqual(parseExtensionHeader("permessage-deflate; a; a=1")[0].parameters, [["a", true], ["a", "1"]]);
  });

  test("empty list elements are skipped (RFC 7230 §7); an empty value has no extensions", () => {
    assert.deepEqual(parseExtensionHeader(", a ,, b,").map((element) => element.name), ["a", "b"]);
    assert.deepEqual(parseExtensionHeader("  "), []);
  });

  for (const bad of [
    "permessage-deflate;",
    "permessage-deflate; =1",
    "permessage-deflate; a=",
    "permessage-deflate; a=1 2",
    'permessage-deflate; a="1',
    'permessage-deflate; a="1 2"',
    'permessage-deflate; a=""',
    "perm{essage",
    "; a",
    "a b",
    "a; b; c=1=2",
  ]) {
    test(`malformed: ${JSON.stringify(bad)} throws a SyntaxError`, () => {
      assert.throws(() => parseExtensionHeader(bad), SyntaxError);
    });
  }
});

describe("Sec-WebSocket-Extensions writing", () => {
  test("elements, flags and values; a value that is not a token is quoted", () => {
    assert.equal(
      formatExtensionHeader([
        { name: "permessage-deflate", parameters: [["server_no_context_takeover", true], ["client_max_window_bits", "10"]] },
        { name: "x", parameters: [["a", "b c"]] },
      ]),
      'permessage-deflate; server_no_context_takeover; client_max_window_bits=10, x; a="b c"',
    );
  });

  test("round trip", () => {
    const value = "permessage-deflate; client_no_context_takeover; server_max_window_bits=9, permessage-deflate";
    assert.equal(formatExtensionHeader(parseExtensionHeader(value)), value);
  });

  test("parameterRecord: a frozen plain record; a parameter named __proto__ stays an entry", () => {
    const record = parameterRecord([["a", true], ["__proto__", "1"]]);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.ok(Object.isFrozen(record));
    assert.deepEqual(Object.keys(record), ["a", "__proto__"]);
    assert.equal(Object.getOwnPropertyDescriptor(record, "__proto__")?.value, "1");
  });
});
