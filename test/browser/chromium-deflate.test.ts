/**
 * permessage-deflate (RFC 7692) between headless Chromium's own `WebSocket` (a plain page script, no
 * kite-ws code in the page) and our `serve()` with WebSocketDeflateExtension installed. Chromium always
 * offers `permessage-deflate; client_max_window_bits`. Every connection goes through a TCP relay on
 * 127.0.0.1 that records the frames each way, so compression is checked on the wire (RSV1 and sizes),
 * not only by the echo. Same launch flags and skip rule as chromium.test.ts.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { serve, type WebSocketServer } from "../../src/server/index.js";
import { CloseReason, Frame, WebSocketDeflateExtension, type WebSocketDeflateConfig } from "../../src/index.js";
import type { NegotiatedExtension } from "../../src/extensions/extension.js";
import { eventually } from "../engine/helpers/servers.js";
import { startTap, type Tap, type WireFrame } from "../extensions/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (CI installs it: apt-get install chromium)` : false;
const T = { timeout: 60_000, skip };
const RSV1 = 0x40;
const KiB = 1024;
const MiB = 1024 * KiB;

type Kind = "json" | "binary" | "hex";

interface MessageSpec {
  readonly kind: Kind;
  readonly size: number;
  readonly seed: number;
}

/**
 * A deterministic message, built the same way in Node and in the page (its source is sent there, so it
 * must stand alone): "json" is JSON records (very compressible text), "binary" a 1 KiB pseudo-random
 * block repeated (compressible bytes), "hex" pseudo-random hex text (compresses about 2:1 by itself, far
 * better when the same message was sent before and the compression context is kept).
 */
function makeMessage(kind: Kind, size: number, seed: number): string | Uint8Array {
  let x = Math.imul(seed + 1, 0x9e3779b1) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  if (kind === "json") {
    const parts: string[] = [];
    let length = 0;
    for (let id = 0; length < size; id++) {
      const record = JSON.stringify({ id, seed, name: "kite-ws", tags: ["permessage-deflate", "chromium"], ok: id % 3 === 0, value: next() % 1000 }) + "\n";
      parts.push(record);
      length += record.length;
    }
    return parts.join("").slice(0, size);
  }
  if (kind === "hex") {
    const digits = "0123456789abcdef";
    let out = "";
    for (let i = 0; i < size; i++) out += digits[next() & 15];
    return out;
  }
  const block = new Uint8Array(1024);
  for (let i = 0; i < block.length; i++) block[i] = next() & 0xff;
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = block[i & 1023];
  return bytes;
}

function digest(message: string | Uint8Array): string {
  return createHash("sha256")
    .update(typeof message === "string" ? Buffer.from(message, "utf8") : message)
    .digest("hex");
}

/** What a server session saw. */
interface SessionRecord {
  readonly offer: string | null;
  readonly extensions: readonly NegotiatedExtension[];
  readonly received: { kind: "text" | "binary"; length: number; sha256: string }[];
  closeReason?: CloseReason | null;
}

interface DeflateServer {
  readonly server: WebSocketServer;
  readonly tap: Tap;
  readonly sessions: SessionRecord[];
  close(): Promise<void>;
}

/**
 * Our server with permessage-deflate, behind a recording relay. `/echo` echoes every message;
 * `/push?kind=json&size=N&seed=S&code=C&reason=R` sends that one message, then closes with C and R.
 */
async function startDeflateServer(configure?: (d: WebSocketDeflateConfig) => void): Promise<DeflateServer> {
  const sessions: SessionRecord[] = [];
  const server = await serve({ host: "127.0.0.1", port: 0, extensions: (e) => e.install(WebSocketDeflateExtension, configure) }, (routes) => {
    const track = (session: { extensions: readonly NegotiatedExtension[]; closeReason: Promise<CloseReason | null> }, headers: Headers): SessionRecord => {
      const record: SessionRecord = { offer: headers.get("sec-websocket-extensions"), extensions: session.extensions, received: [] };
      sessions.push(record);
      void session.closeReason.then((reason) => (record.closeReason = reason));
      return record;
    };
    routes.webSocket("/echo", async (session, request) => {
      const record = track(session, request.headers);
      for await (const frame of session.incoming) {
        record.received.push({ kind: frame instanceof Frame.Text ? "text" : "binary", length: frame.data.length, sha256: digest(frame.data) });
        await session.send(frame);
      }
    });
    routes.webSocket("/push", async (session, request) => {
      track(session, request.headers);
      const query = request.url.searchParams;
      await session.send(makeMessage(query.get("kind") as Kind, Number(query.get("size")), Number(query.get("seed"))));
      await session.close(new CloseReason(Number(query.get("code")), query.get("reason") ?? ""));
    });
  });
  const tap = await startTap(server.port);
  return {
    server,
    tap,
    sessions,
    close: async () => {
      await tap.close();
      await server.close();
    },
  };
}

/** What the page reports of one connection. */
interface PageResult {
  readonly extensions: string;
  readonly echoes: { kind: string; length: number; equal: boolean }[];
  readonly received: { kind: string; length: number; equal: boolean }[];
  readonly close: { code: number; reason: string; wasClean: boolean };
}

interface PageRun {
  /** Path and query on the relay, e.g. "/echo". */
  readonly path: string;
  /** Sent all at once, then their echoes are read and compared in order. */
  readonly send?: readonly MessageSpec[];
  /** Messages the server sends by itself (not echoes), compared in order. */
  readonly expect?: readonly MessageSpec[];
  /** The page closes with this code and reason; without it, the page waits for the server to close. */
  readonly close?: { code: number; reason: string };
}

describe("Chromium's WebSocket ↔ our server, permessage-deflate", () => {
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];
  const servers: DeflateServer[] = [];
  let plain: DeflateServer;
  let serverNoContext: DeflateServer;
  let clientNoContext: DeflateServer;

  before(async () => {
    if (skip) return;
    plain = await startDeflateServer();
    serverNoContext = await startDeflateServer((d) => (d.serverNoContextTakeover = true));
    clientNoContext = await startDeflateServer((d) => (d.clientNoContextTakeover = true));
    servers.push(plain, serverNoContext, clientNoContext);
    userDataDir = mkdtempSync(join(tmpdir(), "kite-chromium-deflate-"));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });

  after(async () => {
    if (skip) return;
    await context?.close();
    for (const server of servers) await server.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** One connection of the page's own WebSocket through `server`'s relay; everything in it is bounded. */
  function inPage(server: DeflateServer, run: PageRun): Promise<PageResult> {
    return page.evaluate(
      async ({ url, generator, send, expect, close }) => {
        const make = new Function(`return (${generator})`)() as (kind: string, size: number, seed: number) => string | Uint8Array;
        const within = <T>(promise: Promise<T>, millis: number, what: string): Promise<T> =>
          Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`page: timed out waiting for ${what}`)), millis))]);
        const same = (a: string | Uint8Array, b: unknown): boolean => {
          if (typeof a === "string") return a === b;
          if (!(b instanceof ArrayBuffer) || b.byteLength !== a.length) return false;
          const view = new Uint8Array(b);
          for (let i = 0; i < a.length; i++) if (view[i] !== a[i]) return false;
          return true;
        };
        const describe = (data: unknown): { kind: string; length: number } =>
          typeof data === "string" ? { kind: "text", length: data.length } : { kind: "binary", length: (data as ArrayBuffer).byteLength };

        const ws = new WebSocket(url);
        ws.binaryType = "arraybuffer";
        const inbox: unknown[] = [];
        let wake: (() => void) | null = null;
        ws.onmessage = (event) => {
          inbox.push(event.data);
          wake?.();
        };
        const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
          ws.onclose = (event) => {
            resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
            wake?.();
          };
        });
        const nextMessage = async (): Promise<unknown> => {
          while (inbox.length === 0) {
            if (ws.readyState === WebSocket.CLOSED) throw new Error("page: closed before a message");
            await new Promise<void>((resolve) => (wake = resolve));
            wake = null;
          }
          return inbox.shift();
        };
        await within(
          new Promise<void>((resolve, reject) => {
            ws.onopen = () => resolve();
            ws.onerror = () => reject(new Error(`page: could not open ${url}`));
          }),
          10_000,
          "open",
        );
        const received: { kind: string; length: number; equal: boolean }[] = [];
        for (const spec of expect) {
          const data = await within(nextMessage(), 30_000, "a message from the server");
          received.push({ ...describe(data), equal: same(make(spec.kind, spec.size, spec.seed), data) });
        }
        const messages = send.map((spec) => make(spec.kind, spec.size, spec.seed));
        for (const message of messages) ws.send(message);
        const echoes: { kind: string; length: number; equal: boolean }[] = [];
        for (const message of messages) {
          const data = await within(nextMessage(), 30_000, "an echo");
          echoes.push({ ...describe(data), equal: same(message, data) });
        }
        if (close) ws.close(close.code, close.reason);
        return { extensions: ws.extensions, echoes, received, close: await within(closed, 10_000, "the close") };
      },
      { url: `${server.tap.url}${run.path}`, generator: makeMessage.toString(), send: run.send ?? [], expect: run.expect ?? [], close: run.close ?? null },
    );
  }

  /** Data frames (continuations included) of the last connection through `server`'s relay. */
  function dataFrames(frames: WireFrame[]): WireFrame[] {
    return frames.filter((frame) => frame.opcode < 8);
  }

  /** Payload sizes of each message's frames, summed, and whether its first frame had RSV1. */
  function messagesOnWire(frames: WireFrame[]): { bytes: number; compressed: boolean }[] {
    const out: { bytes: number; compressed: boolean }[] = [];
    for (const frame of dataFrames(frames)) {
      if (frame.opcode !== 0) out.push({ bytes: 0, compressed: frame.rsv === RSV1 });
      else assert.equal(frame.rsv, 0, "RSV1 is set on a message's first frame only");
      out[out.length - 1].bytes += frame.payload.length;
    }
    return out;
  }

  const total = (specs: readonly MessageSpec[]): number => specs.reduce((sum, spec) => sum + spec.size, 0);
  const expectedReceived = (specs: readonly MessageSpec[]): SessionRecord["received"] =>
    specs.map((spec) => {
      const message = makeMessage(spec.kind, spec.size, spec.seed);
      return { kind: typeof message === "string" ? "text" : "binary", length: spec.size, sha256: digest(message) };
    });
  const last = (server: DeflateServer): SessionRecord => {
    const record = server.sessions.at(-1);
    assert.ok(record, "the server saw a session");
    return record;
  };

  test("Chromium offers client_max_window_bits and both sides agree on permessage-deflate", T, async () => {
    const result = await inPage(plain, { path: "/echo", send: [{ kind: "json", size: 100, seed: 0 }], close: { code: 1000, reason: "" } });
    const session = last(plain);
    assert.match(session.offer ?? "", /^permessage-deflate;\s*client_max_window_bits$/, `Chromium's offer: ${session.offer}`);
    assert.equal(plain.tap.answer(), "permessage-deflate");
    assert.equal(result.extensions, "permessage-deflate");
    assert.equal(session.extensions.length, 1);
    assert.equal(session.extensions[0].name, "permessage-deflate");
    assert.deepEqual(session.extensions[0].parameters, {});
    assert.deepEqual(result.echoes, [{ kind: "text", length: 100, equal: true }]);
    assert.deepEqual(pageErrors, []);
  });

  test("64 KiB JSON text and binary, several in a row both ways: echoed intact, compressed on the wire", T, async () => {
    const send: MessageSpec[] = [
      { kind: "json", size: 64 * KiB, seed: 1 },
      { kind: "binary", size: 64 * KiB, seed: 2 },
      { kind: "json", size: 64 * KiB, seed: 3 },
      { kind: "binary", size: 64 * KiB, seed: 4 },
      { kind: "json", size: 64 * KiB, seed: 5 },
      { kind: "binary", size: 64 * KiB, seed: 6 },
    ];
    const result = await inPage(plain, { path: "/echo", send, close: { code: 1000, reason: "done" } });
    assert.deepEqual(
      result.echoes,
      send.map((spec) => ({ kind: spec.kind === "binary" ? "binary" : "text", length: spec.size, equal: true })),
    );
    assert.deepEqual(last(plain).received, expectedReceived(send), "the server inflated exactly what Chromium sent");
    const fromClient = messagesOnWire(plain.tap.fromClient());
    const fromServer = messagesOnWire(plain.tap.fromServer());
    assert.deepEqual(
      fromClient.map((m) => m.compressed),
      send.map(() => true),
      "Chromium compressed every message",
    );
    assert.deepEqual(
      fromServer.map((m) => m.compressed),
      send.map(() => true),
      "we compressed every echo",
    );
    const clientBytes = fromClient.reduce((sum, m) => sum + m.bytes, 0);
    const serverBytes = fromServer.reduce((sum, m) => sum + m.bytes, 0);
    assert.ok(clientBytes < total(send) / 10, `Chromium → server: ${clientBytes} bytes on the wire for ${total(send)}`);
    assert.ok(serverBytes < total(send) / 10, `server → Chromium: ${serverBytes} bytes on the wire for ${total(send)}`);
  });

  const repeated: MessageSpec[] = [0, 1, 2, 3].map(() => ({ kind: "hex", size: 8 * KiB, seed: 7 }));
  /** Compressed sizes of four copies of one 8 KiB random hex message, per direction. */
  async function repeatedSizes(server: DeflateServer): Promise<{ client: number[]; server: number[] }> {
    const result = await inPage(server, { path: "/echo", send: repeated, close: { code: 1000, reason: "" } });
    assert.ok(
      result.echoes.every((echo) => echo.equal && echo.length === 8 * KiB),
      JSON.stringify(result.echoes),
    );
    assert.deepEqual(last(server).received, expectedReceived(repeated));
    const client = messagesOnWire(server.tap.fromClient());
    const fromServer = messagesOnWire(server.tap.fromServer());
    assert.ok(client.length === 4 && client.every((m) => m.compressed));
    assert.ok(fromServer.length === 4 && fromServer.every((m) => m.compressed));
    return { client: client.map((m) => m.bytes), server: fromServer.map((m) => m.bytes) };
  }
  const shrinks = (sizes: number[]): boolean => sizes[0] > 8 * KiB * 0.4 && sizes.slice(1).every((size) => size < sizes[0] / 20);
  const stays = (sizes: number[]): boolean => sizes[0] > 8 * KiB * 0.4 && sizes.every((size) => Math.abs(size - sizes[0]) < sizes[0] / 10);

  test("context takeover (the default): a repeated message shrinks after the first, both ways", T, async () => {
    const sizes = await repeatedSizes(plain);
    assert.ok(shrinks(sizes.client), `Chromium → server sizes ${sizes.client.join(", ")}`);
    assert.ok(shrinks(sizes.server), `server → Chromium sizes ${sizes.server.join(", ")}`);
  });

  test("serverNoContextTakeover: answered, and only our messages start afresh", T, async () => {
    const sizes = await repeatedSizes(serverNoContext);
    assert.equal(serverNoContext.tap.answer(), "permessage-deflate; server_no_context_takeover");
    assert.deepEqual(last(serverNoContext).extensions[0].parameters, { server_no_context_takeover: true });
    assert.ok(stays(sizes.server), `server → Chromium sizes ${sizes.server.join(", ")}`);
    assert.ok(shrinks(sizes.client), `Chromium → server sizes ${sizes.client.join(", ")}`);
  });

  test("clientNoContextTakeover: answered, and Chromium starts every message afresh", T, async () => {
    const sizes = await repeatedSizes(clientNoContext);
    assert.equal(clientNoContext.tap.answer(), "permessage-deflate; client_no_context_takeover");
    assert.deepEqual(last(clientNoContext).extensions[0].parameters, { client_no_context_takeover: true });
    assert.ok(stays(sizes.client), `Chromium → server sizes ${sizes.client.join(", ")}`);
    assert.ok(shrinks(sizes.server), `server → Chromium sizes ${sizes.server.join(", ")}`);
  });

  test("4 MiB messages, text and binary, both ways", T, async () => {
    const send: MessageSpec[] = [
      { kind: "json", size: 4 * MiB, seed: 8 },
      { kind: "binary", size: 4 * MiB, seed: 9 },
    ];
    const result = await inPage(plain, { path: "/echo", send, close: { code: 1000, reason: "" } });
    assert.deepEqual(result.echoes, [
      { kind: "text", length: 4 * MiB, equal: true },
      { kind: "binary", length: 4 * MiB, equal: true },
    ]);
    assert.deepEqual(last(plain).received, expectedReceived(send));
    const fromClient = messagesOnWire(plain.tap.fromClient());
    const fromServer = messagesOnWire(plain.tap.fromServer());
    assert.ok(fromClient.length === 2 && fromClient.every((m) => m.compressed));
    assert.ok(fromServer.length === 2 && fromServer.every((m) => m.compressed));
    for (const [direction, messages] of [
      ["Chromium → server", fromClient],
      ["server → Chromium", fromServer],
    ] as const) {
      for (const [i, m] of messages.entries()) assert.ok(m.bytes < (4 * MiB) / 10, `${direction}, message ${i}: ${m.bytes} bytes on the wire`);
    }
  });

  test("close codes from Chromium reach the server", T, async () => {
    for (const [server, code, reason] of [
      [plain, 1000, "normal"],
      [plain, 4001, "bye from Chromium"],
      [clientNoContext, 4003, "ünïcode reason"],
    ] as const) {
      const result = await inPage(server, { path: "/echo", send: [{ kind: "json", size: 16 * KiB, seed: 10 }], close: { code, reason } });
      assert.equal(result.echoes[0]?.equal, true);
      assert.deepEqual(result.close, { code, reason, wasClean: true });
      const record = last(server);
      await eventually(() => record.closeReason !== undefined, 5_000, "the server's close reason");
      assert.deepEqual(record.closeReason, new CloseReason(code, reason));
    }
  });

  test("a compressed message then a close code from the server reach Chromium", T, async () => {
    for (const [server, code, reason] of [
      [plain, 1001, "going away"],
      [plain, 4002, "custom"],
      [serverNoContext, 1011, "server error"],
    ] as const) {
      const spec: MessageSpec = { kind: "json", size: 64 * KiB, seed: 11 };
      const query = new URLSearchParams({ kind: spec.kind, size: String(spec.size), seed: String(spec.seed), code: String(code), reason });
      const result = await inPage(server, { path: `/push?${query}`, expect: [spec] });
      assert.deepEqual(result.received, [{ kind: "text", length: spec.size, equal: true }]);
      assert.deepEqual(result.close, { code, reason, wasClean: true });
      const [pushed] = messagesOnWire(server.tap.fromServer());
      assert.ok(pushed?.compressed && pushed.bytes < spec.size / 10, `pushed ${JSON.stringify(pushed)}`);
      const record = last(server);
      await eventually(() => record.closeReason !== undefined, 5_000, "the server's close reason");
      assert.equal(record.closeReason?.code, code);
    }
    assert.deepEqual(pageErrors, []);
  });
});
