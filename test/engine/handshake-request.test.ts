// A CIO connection never makes a `Headers` object (on Node.js 20 the first one loads undici: ~9 MB and
// 30-50 ms), with or without extra request headers, and the caller's headers are still sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets } from "../../src/index.js";
import { HandshakeRequest, callerHeaderFields } from "../../src/engine/handshake-request.js";
import { startRawServer } from "../helpers/raw-server.js";

const T = { timeout: 10_000 };
/** Where kite-ws's compiled code lives, to tell its stack frames from the tests'. */
const SOURCE_DIR = new URL("../../src/", import.meta.url).href;

/**
 * Counts the `Headers` that kite-ws's own code makes while `body` runs (the global is swapped for a
 * counting subclass; the test helpers' own are not counted).
 */
async function countingHeaders<R>(body: () => Promise<R>): Promise<{ made: number; result: R }> {
  const Original = globalThis.Headers;
  let made = 0;
  globalThis.Headers = class extends Original {
    constructor(init?: ConstructorParameters<typeof Headers>[0]) {
      super(init);
      if ((new Error().stack ?? "").includes(SOURCE_DIR)) made++;
    }
  };
  try {
    const result = await body();
    return { made, result };
  } finally {
    globalThis.Headers = Original;
  }
}

test("a CIO connection without extra headers makes no Headers object, through the whole handshake", T, async () => {
  const raw = await startRawServer();
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const { made, result: request } = await countingHeaders(async () => {
      const pending = client.webSocketSession(raw.url);
      const conn = await raw.nextConnection();
      const request = await conn.accept();
      const session = await pending;
      session.terminate();
      return request;
    });
    assert.equal(made, 0);
    assert.equal(request.headers.get("upgrade"), "websocket");
    assert.equal(request.headers.get("sec-websocket-version"), "13");
  } finally {
    client.close();
    await raw.close();
  }
});

test("extra headers given by the caller are sent, still without a Headers object", T, async () => {
  const raw = await startRawServer();
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const { made, result: request } = await countingHeaders(async () => {
      const pending = client.webSocketSession({ url: raw.url, headers: [["X-Trace", " abc "], ["x-trace", "def"], ["Authorization", "Bearer t"]] });
      const conn = await raw.nextConnection();
      const request = await conn.accept();
      (await pending).terminate();
      return request;
    });
    assert.equal(made, 0);
    assert.equal(request.headers.get("x-trace"), "abc, def");
    assert.equal(request.headers.get("authorization"), "Bearer t");
  } finally {
    client.close();
    await raw.close();
  }
});

test("callerHeaderFields: null for none, the fields otherwise; `headers` is made from them when read", () => {
  const fields = { url: new URL("ws://127.0.0.1/"), method: "GET", protocols: [], signal: undefined, maxFrameSize: 1024, extensions: [] };
  const none = new HandshakeRequest(fields, []);
  assert.equal(callerHeaderFields(none), null);
  assert.deepEqual([...none.headers], []);
  const some = new HandshakeRequest(fields, [["x-a", "1"], ["x-b", "2"]]);
  assert.deepEqual(callerHeaderFields(some), [["x-a", "1"], ["x-b", "2"]]);
  assert.deepEqual([...some.headers], [["x-a", "1"], ["x-b", "2"]]);
  // Any other WebSocketRequest (a redirect's copy, one built by hand) is read through its `headers`.
  assert.deepEqual(callerHeaderFields({ ...fields, headers: new Headers({ "X-A": "1" }) }), [["x-a", "1"]]);
  assert.equal(callerHeaderFields({ ...fields, headers: new Headers() }), null);
});
