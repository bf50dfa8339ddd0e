// Fuzzing both sides of the opening handshake (RFC 6455 §4): the client gets answers built from
// valid and invalid parts, byte-mutated, split at random points; the server gets requests built the
// same way. Built answers have a known verdict that must be met exactly; mutated ones must never be
// accepted unless they are still a valid upgrade. Every case ends in bounded time without a crash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { Frame, WebSocketHandshakeError } from "../../src/index.js";
import { startRawServer, acceptFor, encodeFrame } from "../helpers/raw-server.js";
import { splitAt } from "../helpers/frames.js";
import { newClient, startServer, within, CrashTrap } from "../conformance/helpers.js";
import { mutationArb, mutate, cutsArb, fuzzParameters, runs, type Mutation } from "./model.js";

const CASE_BOUND_MILLIS = 3_000;
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// --- the client's side: answers to its upgrade request ---

/** A part of an answer, and whether it keeps the answer valid. */
interface Part {
  readonly text: string;
  readonly valid: boolean;
}

const part = (text: string, valid: boolean): Part => ({ text, valid });

/** One of `parts`, a valid one six times out of seven, so that whole valid messages are common. */
function choose(...parts: Part[]): fc.Arbitrary<Part> {
  const valid = parts.filter((p) => p.valid);
  const invalid = parts.filter((p) => !p.valid);
  if (valid.length === 0 || invalid.length === 0) return fc.constantFrom(...parts);
  return fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
}

/** Placeholder replaced by the right Sec-WebSocket-Accept for the request's key. */
const ACCEPT = "\u0000ACCEPT\u0000";

const answerArb = fc.record({
  status: choose(
    part("HTTP/1.1 101 Switching Protocols", true),
    part("HTTP/1.1 101", true),
    part("HTTP/1.1 101 ", true),
    part("HTTP/1.0 101 Switching Protocols", false),
    part("HTTP/1.1 200 OK", false),
    part("HTTP/1.1 301 Moved Permanently", false),
    part("HTTP/1.1 401 Unauthorized", false),
    part("HTTP/2 101", false),
    part("HTTP/1.1 1011 Switching", false),
    part("HTTP/1.1  101", false),
    part("ICY 101 OK", false),
  ),
  upgrade: choose(
    part("Upgrade: websocket", true),
    part("upgrade:WebSocket", true),
    part("UPGRADE:   websocket   ", true),
    part("", false),
    part("Upgrade: h2c", false),
    part("Upgrade: websocket2", false),
    part("Upgrade: web socket", false),
  ),
  connection: choose(
    part("Connection: Upgrade", true),
    part("connection: keep-alive, upgrade", true),
    part("Connection: UPGRADE,close", true),
    part("", false),
    part("Connection: close", false),
    part("Connection: upgraded", false),
  ),
  accept: choose(
    part(`Sec-WebSocket-Accept: ${ACCEPT}`, true),
    part(`sec-websocket-accept:${ACCEPT}  `, true),
    part("", false),
    part("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", false),
    part(`Sec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Accept: ${ACCEPT}`, false),
    part("Sec-WebSocket-Accept: ", false),
  ),
  extra: fc.uniqueArray(
    choose(
      part("Server: fuzz", true),
      part("X-Empty:", true),
      part(`X-Long: ${"v".repeat(2_000)}`, true),
      part("Date: Tue, 01 Jan 2030 00:00:00 GMT", true),
      part("Sec-WebSocket-Extensions: permessage-deflate", false),
      part("Sec-WebSocket-Protocol: chat", false),
      part("Bad Header: x", false),
      part("NoColonHere", false),
      part(" folded: continuation", false),
      part(": no name", false),
    ),
    { maxLength: 4, selector: (p) => p.text },
  ),
  order: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  frames: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: undefined }),
});

type Answer = typeof answerArb extends fc.Arbitrary<infer A> ? A : never;

function buildAnswer(answer: Answer): { text: string; valid: boolean } {
  const headers = [answer.upgrade, answer.connection, answer.accept, ...answer.extra].filter((p) => p.text !== "");
  // Shuffle the header lines by the generated order (header order carries no meaning in HTTP).
  const keyed = headers.map((p, i) => ({ p, k: answer.order[i % 4] * 100 + i }));
  keyed.sort((a, b) => a.k - b.k);
  const text = [answer.status.text, ...keyed.map((x) => x.p.text)].join("\r\n") + "\r\n\r\n";
  const valid = [answer.status, answer.upgrade, answer.connection, answer.accept, ...answer.extra].every((p) => p.valid);
  return { text, valid };
}

/**
 * What makes an accepted answer acceptable, checked independently on the bytes actually sent:
 * status line HTTP/1.1 101, Upgrade: websocket, Connection listing upgrade, exactly one
 * Sec-WebSocket-Accept equal to the expected value, no extension or subprotocol chosen.
 */
function acceptable(head: string, accept: string): string | null {
  const lines = head.split("\r\n");
  if (!/^HTTP\/1\.1 101(?: |$)/.test(lines[0])) return `status line ${JSON.stringify(lines[0])}`;
  const fields = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) return `malformed line ${JSON.stringify(line)}`;
    const name = line.slice(0, colon).toLowerCase();
    fields.set(name, [...(fields.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  const one = (name: string): string | undefined => (fields.get(name)?.length === 1 ? fields.get(name)![0] : undefined);
  if (one("upgrade")?.toLowerCase() !== "websocket") return "Upgrade";
  if (!(one("connection") ?? "").split(",").some((t) => t.trim().toLowerCase() === "upgrade")) return "Connection";
  if (one("sec-websocket-accept") !== accept) return "Sec-WebSocket-Accept";
  if ((fields.get("sec-websocket-extensions") ?? []).some((v) => v !== "")) return "extensions";
  if (fields.has("sec-websocket-protocol")) return "subprotocol";
  return null;
}

test("fuzz: the client accepts exactly the valid handshake answers, however they are cut or mangled", { timeout: 600_000 }, async (t) => {
  const raw = await startRawServer();
  const client = newClient(undefined, (cio) => (cio.connectTimeoutMillis = 2_000));
  const trap = new CrashTrap();
  const tally = { accepted: 0, refused: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(answerArb, fc.option(fc.array(mutationArb, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }), cutsArb, async (answer, mutations, cuts) => {
        await within(runCase(answer, mutations, cuts), CASE_BOUND_MILLIS, "a handshake case");
        trap.check();
      }),
      fuzzParameters(runs(150)),
    );
  } finally {
    trap.stop();
    client.close();
    await raw.close();
  }
  trap.check();
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  assert.ok(tally.accepted > 0 && tally.refused > 0, `outcomes: ${JSON.stringify(tally)}`);

  async function runCase(answer: Answer, mutations: Mutation[] | undefined, cuts: number[]): Promise<void> {
    const outcome = client.webSocketSession(raw.url).then(
      (session) => ({ session }),
      (error: unknown) => ({ error }),
    );
    const conn = await raw.nextConnection();
    const request = await conn.request;
    const accept = acceptFor(request.headers.get("sec-websocket-key") ?? "");
    const built = buildAnswer(answer);
    const head = Buffer.from(built.text.split(ACCEPT).join(accept), "latin1");
    const bytes = mutations === undefined ? head : Buffer.from(mutate(head, mutations));
    const tail = answer.frames === undefined ? Buffer.alloc(0) : encodeFrame({ opcode: 0x2, payload: answer.frames });
    for (const chunk of splitAt(Buffer.concat([bytes, tail]), cuts)) {
      conn.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    conn.end();
    const result = await outcome;
    if ("session" in result) {
      tally.accepted++;
      const sentHead = bytes.toString("latin1");
      const end = sentHead.indexOf("\r\n\r\n");
      assert.ok(end >= 0, "accepted without a complete head");
      const why = acceptable(sentHead.slice(0, end), accept);
      assert.equal(why, null, `accepted an invalid answer (${why}): ${JSON.stringify(sentHead.slice(0, 300))}`);
      if (mutations === undefined) assert.ok(built.valid, "accepted an answer built from an invalid part");
      result.session.terminate();
    } else {
      tally.refused++;
      assert.ok(result.error instanceof WebSocketHandshakeError, `refused with ${String(result.error)}`);
      if (mutations === undefined) assert.equal(built.valid, false, `refused a valid answer: ${String(result.error)}\n${JSON.stringify(built.text.slice(0, 300))}`);
      await within(conn.closed, CASE_BOUND_MILLIS, "the client to drop the socket");
    }
  }
});

// --- the server's side: upgrade requests ---

const requestArb = fc.record({
  line: choose(
    part("GET /t HTTP/1.1", true),
    part("GET /t?x=1 HTTP/1.1", true),
    part("GET /t HTTP/1.0", false),
    part("POST /t HTTP/1.1", false),
    part("GET /other HTTP/1.1", false),
    part("GET /t", false),
    part("BREW /t HTTP/1.1", false),
  ),
  host: choose(part("Host: 127.0.0.1", true), part("host:example.com:8080", true), part("", false)),
  upgrade: choose(part("Upgrade: websocket", true), part("Upgrade: WebSocket", true), part("", false), part("Upgrade: h2c", false)),
  connection: choose(part("Connection: Upgrade", true), part("Connection: keep-alive, Upgrade", true), part("", false), part("Connection: close", false)),
  version: choose(part("Sec-WebSocket-Version: 13", true), part("", false), part("Sec-WebSocket-Version: 8", false), part("Sec-WebSocket-Version: 13x", false)),
  key: choose(
    part("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", true),
    part("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==", true),
    part("", false),
    part("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ", false),
    part("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAA", false),
    part("Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==", false),
  ),
  extra: fc.uniqueArray(
    choose(
      part("Origin: http://example.com", true),
      part("Sec-WebSocket-Protocol: chat, superchat", true),
      part("Sec-WebSocket-Extensions: permessage-deflate", true),
      part("User-Agent: fuzz", true),
      part("Sec-WebSocket-Protocol: bad token", false),
    ),
    { maxLength: 3, selector: (p) => p.text },
  ),
});

type Request = typeof requestArb extends fc.Arbitrary<infer R> ? R : never;

function buildRequest(request: Request): { text: string; valid: boolean } {
  const parts = [request.line, request.host, request.upgrade, request.connection, request.version, request.key, ...request.extra];
  const text = parts.map((p) => p.text).filter((t) => t !== "").join("\r\n") + "\r\n\r\n";
  return { text, valid: parts.every((p) => p.valid) };
}

/** Reads the server's answer head (or what came before it closed). */
async function exchange(port: number, bytes: Uint8Array, cuts: number[]): Promise<{ head: string; closed: boolean }> {
  const socket = connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await once(socket, "connect");
  let received = Buffer.alloc(0);
  const done = new Promise<boolean>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.includes("\r\n\r\n")) resolve(false);
    });
    socket.on("close", () => resolve(true));
  });
  for (const chunk of splitAt(bytes, cuts)) {
    if (socket.destroyed) break;
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!socket.destroyed) socket.end();
  const closed = await done;
  socket.destroy();
  const text = received.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  return { head: end < 0 ? text : text.slice(0, end), closed };
}

/** Independent check of a request the server upgraded: GET /t over HTTP/1.1, version 13, one valid key, and the accept that goes with it. */
function validUpgrade(request: string, response: string): string | null {
  const end = request.indexOf("\r\n\r\n");
  if (end < 0) return "no complete request head";
  const [line, ...rest] = request.slice(0, end).split("\r\n");
  // Node's HTTP parser (llhttp) tolerates repeated spaces in the request line; the meaning is the same.
  // RFC 6455 §4.2.1 asks for "HTTP/1.1 or higher", so "HTTP/2.0" in this syntax passes too.
  if (!/^GET +\/t(\?\S*)? +HTTP\/(1\.[1-9]|[2-9]\.\d)$/.test(line)) return `request line ${JSON.stringify(line)}`;
  const get = (name: string): string[] =>
    rest.filter((l) => l.toLowerCase().startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
  if (get("sec-websocket-version").join() !== "13") return "version";
  const keys = get("sec-websocket-key");
  if (keys.length !== 1 || Buffer.from(keys[0], "base64").length !== 16) return "key";
  const accept = createHash("sha1").update(keys[0] + GUID).digest("base64");
  if (!response.toLowerCase().includes(`sec-websocket-accept: ${accept.toLowerCase()}`)) return "accept";
  if (get("host").length === 0) return "host";
  return null;
}

test("fuzz: the server upgrades exactly the valid requests and answers or closes every other one", { timeout: 600_000 }, async (t) => {
  const harness = await startServer({ handshakeTimeoutMillis: 2_000 });
  const trap = new CrashTrap();
  const tally = { upgraded: 0, refused: 0, closed: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(requestArb, fc.option(fc.array(mutationArb, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }), cutsArb, async (request, mutations, cuts) => {
        const built = buildRequest(request);
        const head = Buffer.from(built.text, "latin1");
        const bytes = mutations === undefined ? head : mutate(head, mutations);
        const { head: answer, closed } = await within(exchange(harness.port, bytes, cuts), CASE_BOUND_MILLIS, "the server's answer");
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
        if (status === 101) {
          tally.upgraded++;
          const why = validUpgrade(Buffer.from(bytes).toString("latin1"), answer);
          assert.equal(why, null, `upgraded an invalid request (${why}): ${JSON.stringify(Buffer.from(bytes).toString("latin1"))}`);
          if (mutations === undefined) assert.ok(built.valid, "upgraded a request built from an invalid part");
        } else {
          if (status === 0) tally.closed++;
          else tally.refused++;
          assert.ok(status === 0 ? closed : status >= 400 && status < 600, `answered ${JSON.stringify(answer.slice(0, 80))}`);
          if (mutations === undefined) assert.equal(built.valid, false, `refused a valid request with ${status}: ${JSON.stringify(built.text)}`);
        }
        trap.check();
      }),
      fuzzParameters(runs(150)),
    );
    // The server is still healthy, and no session is left over.
    const client = newClient();
    try {
      const echoed = await client.webSocket(`ws://127.0.0.1:${harness.port}/echo`, async (session) => {
        await session.send("still here");
        return ((await session.incoming.receive()) as Frame.Text).readText();
      });
      assert.equal(echoed, "still here");
    } finally {
      client.close();
    }
    for (let i = 0; i < 100 && harness.server.routes.sessions.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(harness.server.routes.sessions.size, 0);
  } finally {
    trap.stop();
    await harness.close();
  }
  trap.check();
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  assert.ok(tally.upgraded > 0 && tally.refused > 0, `outcomes: ${JSON.stringify(tally)}`);
});
