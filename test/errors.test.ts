// Every WebSocketError has a stable code, and docs/errors.md's table lists each one with its class.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as root from "../src/index.js";
import * as browser from "../src/browser.js";
import * as reconnect from "../src/plugins/reconnect/index.js";
import * as logging from "../src/plugins/logging/index.js";
import * as server from "../src/server/index.js";
import * as testing from "../src/testing/index.js";
import * as wsEngine from "../src/engine/ws/index.js";
import * as platformEngine from "../src/engine/platform/index.js";
import * as msgpack from "../src/serialization/msgpack/index.js";
import * as rpc from "../src/rpc/index.js";
import * as graphql from "../src/graphql/index.js";
import * as nodeStreams from "../src/node/index.js";
import { WebSocketError, ConnectError, TlsError, ConnectTimeoutError, CloseTimeoutError, ConnectionClosedError } from "../src/errors.js";

const docs = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
const source = readFileSync(new URL("../../src/errors.ts", import.meta.url), "utf8");

/** The table's rows: code → class name. */
function tableRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of docs.matchAll(/^\| `(KITE_ERR_[A-Z_]+)` \| `(\w+)`/gm)) {
    assert.ok(!rows.has(match[1]), `${match[1]} is listed twice`);
    rows.set(match[1], match[2]);
  }
  return rows;
}

/** Every error class any entry point exports. */
function exportedErrorClasses(): Map<string, typeof WebSocketError> {
  const classes = new Map<string, typeof WebSocketError>();
  for (const entry of [root, browser, reconnect, logging, server, testing, wsEngine, platformEngine, msgpack, rpc, graphql, nodeStreams]) {
    for (const [name, value] of Object.entries(entry)) {
      if (typeof value === "function" && (value === WebSocketError || value.prototype instanceof WebSocketError)) {
        classes.set(name, value as typeof WebSocketError);
      }
    }
  }
  return classes;
}

test("every exported error class has its own code, listed in docs/errors.md with that class", () => {
  const rows = tableRows();
  const classes = exportedErrorClasses();
  assert.ok(classes.size >= 20, `only ${classes.size} error classes found`);
  for (const [name, cls] of classes) {
    assert.match(cls.code, /^KITE_ERR_[A-Z_]+$/, name);
    assert.equal(rows.get(cls.code), name, `${name}.code ${cls.code} is not in the table with ${name}`);
    if (cls !== WebSocketError) {
      const parent = Object.getPrototypeOf(cls) as typeof WebSocketError;
      assert.notEqual(cls.code, parent.code, `${name} has no code of its own`);
    }
  }
});

test("the table lists exactly the codes of WebSocketErrorCode, and each class it names is exported", () => {
  const union = source.match(/export type WebSocketErrorCode =([^;]+);/);
  assert.ok(union, "WebSocketErrorCode not found in src/errors.ts");
  const codes = [...union[1].matchAll(/"(KITE_ERR_[A-Z_]+)"/g)].map((m) => m[1]).sort();
  const rows = tableRows();
  assert.deepEqual([...rows.keys()].sort(), codes);
  const classes = exportedErrorClasses();
  for (const [code, name] of rows) assert.ok(classes.has(name), `${code}: ${name} is not exported`);
});

test("an instance carries its class's code, or the narrower one it was given", () => {
  assert.equal(new WebSocketError("x").code, "KITE_ERR_WEBSOCKET");
  assert.equal(new WebSocketError("x", { code: "KITE_ERR_ABORTED" }).code, "KITE_ERR_ABORTED");
  const tls = new TlsError("bad certificate", "DEPTH_ZERO_SELF_SIGNED_CERT", { cause: new Error("inner") });
  assert.ok(tls instanceof ConnectError);
  assert.equal(tls.code, "KITE_ERR_TLS");
  assert.equal(tls.systemCode, "DEPTH_ZERO_SELF_SIGNED_CERT");
  assert.equal((tls.cause as Error).message, "inner");
  assert.equal(tls.name, "TlsError");
  assert.ok(new ConnectTimeoutError("slow") instanceof ConnectError);
  assert.equal(new ConnectTimeoutError("slow").systemCode, null);
  const timeout = new CloseTimeoutError("no answer", 250);
  assert.ok(timeout instanceof ConnectionClosedError);
  assert.equal(timeout.code, "KITE_ERR_CLOSE_TIMEOUT");
  assert.equal(timeout.timeoutMillis, 250);
  // No `cause` key unless one was given, as with Error itself.
  assert.equal("cause" in new WebSocketError("x"), false);
});
