// A connection without extra request headers never makes a `Headers` (on Node.js 20 the first one
// loads undici: ~9 MB and ~50 ms), and one with them still sends them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, CIO, WebSockets } from "../../src/index.js";
import { HandshakeRequest, callerHeaders } from "../../src/engine/handshake-request.js";
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

test("extra headers given by the caller are still sent", T, async () => {
  const raw = await startRawServer();
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const pending = client.webSocketSession({ url: raw.url, headers: { "X-Trace": "abc" } });
    const conn = await raw.nextConnection();
    const request = await conn.accept();
    (await pending).terminate();
    assert.equal(request.headers.get("x-trace"), "abc");
  } finally {
    client.close();
    await raw.close();
  }
});

test("callerHeaders: null for none or an empty set, the headers otherwise; `headers` reads as empty when none were given", () => {
  const fields = { url: new URL("ws://127.0.0.1/"), method: "GET", protocols: [], signal: undefined, maxFrameSize: 1024, extensions: [] };
  const none = new HandshakeRequest(fields, null);
  assert.equal(callerHeaders(none), null);
  assert.deepEqual([...none.headers], []);
  assert.equal(callerHeaders(none), null, "reading headers does not make them the caller's");
  assert.equal(callerHeaders(new HandshakeRequest(fields, new Headers())), null);
  const given = new Headers({ "x-a": "1" });
  assert.equal(callerHeaders(new HandshakeRequest(fields, given)), given);
  // Any other WebSocketRequest (a redirect's copy, a custom caller) is read through its `headers`.
  assert.equal(callerHeaders({ ...fields, headers: given }), given);
  assert.equal(callerHeaders({ ...fields, headers: new Headers() }), null);
});
