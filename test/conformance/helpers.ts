// Shared helpers for the RFC 6455 conformance, fuzz, fault and load tests: a client session on the
// scriptable raw server (test/helpers/raw-server.ts), our server with a route that records what its
// handler saw, a raw TCP client that upgrades to our server and then writes arbitrary bytes, and a
// tracker that proves a test left no socket or timer behind.
import assert from "node:assert/strict";
import { createHook } from "node:async_hooks";
import { connect, type Socket } from "node:net";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";
import { HttpClient, CIO, WebSockets, type Frame, type WebSocketsConfig, type CioEngineConfig, type CloseReason } from "../../src/index.js";
import type { DefaultWebSocketSession } from "../../src/session/default-session.js";
import type { WebSocketSession } from "../../src/session/websocket-session.js";
import { serve, type DefaultWebSocketServerSession, type ServeOptions, type WebSocketServer, type WebSocketServerRequest } from "../../src/server/index.js";
import { RawConnection, encodeFrame, type AcceptOptions, type FrameSpec, type RawServer } from "../helpers/raw-server.js";
import { within } from "../helpers/ws-peer.js";

export { within };

export const T = { timeout: 15_000 };

export function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** A client with the WebSockets plugin, configured by `ws` and `engine`. */
export function newClient(ws: (ws: WebSocketsConfig) => void = () => {}, engine: (cio: CioEngineConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets, ws);
    config.engine(engine);
  });
}

/** Opens a default session on the raw server and answers its handshake (101 unless `accept` says otherwise). */
export async function openRaw(
  raw: RawServer,
  client: HttpClient,
  accept: AcceptOptions = {},
): Promise<{ conn: RawConnection; session: DefaultWebSocketSession }> {
  const pending = client.webSocketSession(raw.url);
  const conn = await raw.nextConnection();
  await conn.accept(accept);
  return { conn, session: await within(pending, 5_000, "the session to open") };
}

/** The socket under a session on the CIO engine (internal: for leak checks only). */
export function socketOf(session: WebSocketSession): Socket {
  const socket = (session as unknown as { transport: { socket?: Socket } }).transport.socket;
  assert.ok(socket, "the session's transport has a socket");
  return socket;
}

/** Encodes a frame masked with a random key, as a client must send it. */
export function masked(spec: FrameSpec): Buffer {
  return encodeFrame({ ...spec, mask: true });
}

// --- our server, with a route whose handler records what it saw ---

/** One session as the server's handler saw it. */
export interface ServerSessionRecord {
  readonly session: DefaultWebSocketServerSession;
  readonly request: WebSocketServerRequest;
  /** Frames that reached `incoming`, in order. */
  readonly frames: Frame[];
  /** What `for await` over `incoming` threw, or null when it ended normally. */
  error: unknown;
  /** The session's `closeReason` once settled. */
  closeReason: CloseReason | null | undefined;
  /** Settles when the handler has returned and `closeReason` is known. */
  readonly done: Promise<void>;
}

export interface ServerHarness {
  readonly server: WebSocketServer;
  readonly port: number;
  readonly records: ServerSessionRecord[];
  /** The next session's record (in accept order). */
  next(timeoutMillis?: number): Promise<ServerSessionRecord>;
  close(): Promise<void>;
}

export type HandlerMode = "collect" | "echo";

/**
 * Serves `/t` (and `/echo`): the handler drains `incoming` into its record ("collect") or echoes every
 * frame back ("echo"), catching what the channel throws. `/echo` always echoes.
 */
export async function startServer(options: ServeOptions = {}, mode: HandlerMode = "collect", onError: (error: unknown) => void = () => {}): Promise<ServerHarness> {
  const records: ServerSessionRecord[] = [];
  const waiting: ((record: ServerSessionRecord) => void)[] = [];
  let taken = 0;
  const handler = (echo: boolean) => async (session: DefaultWebSocketServerSession, request: WebSocketServerRequest): Promise<void> => {
    let finish!: () => void;
    const record: ServerSessionRecord = {
      session,
      request,
      frames: [],
      error: null,
      closeReason: undefined,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    records.push(record);
    void session.closeReason.then((reason) => {
      record.closeReason = reason;
      finish();
    });
    const waiter = waiting.shift();
    if (waiter) {
      taken++;
      waiter(record);
    }
    try {
      for await (const frame of session.incoming) {
        record.frames.push(frame);
        if (echo) await session.send(frame);
      }
    } catch (error) {
      record.error = error;
    }
  };
  const server = await serve({ host: "127.0.0.1", port: 0, onError, ...options }, (routes) => {
    routes.webSocket("/t", handler(mode === "echo"));
    routes.webSocket("/echo", handler(true));
  });
  return {
    server,
    port: server.port,
    records,
    next(timeoutMillis = 5_000) {
      if (taken < records.length) return Promise.resolve(records[taken++]);
      return within(new Promise<ServerSessionRecord>((resolve) => waiting.push(resolve)), timeoutMillis, "a server session");
    },
    close: () => within(server.close(), 10_000, "server.close()"),
  };
}

/** The bytes of a valid upgrade request for `path`; override or drop (null) header fields. */
export function upgradeRequestBytes(port: number, path = "/t", overrides: Record<string, string | null> = {}): string {
  const headers: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
    "Sec-WebSocket-Version": "13",
    ...overrides,
  };
  let text = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/**
 * A raw TCP client that has upgraded to our server: write any bytes with `conn.write`, read the
 * server's frames with `conn.readFrame` / `conn.expectClose` (the raw-server helper's parser, which
 * reports each frame's mask bit). `status` is the answer's status code.
 */
export async function upgraded(port: number, path = "/t", overrides: Record<string, string | null> = {}): Promise<{ conn: RawConnection; status: number; headers: Headers }> {
  const socket = connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  socket.setNoDelay(true);
  // The raw-server helper reads an HTTP head, then frames: from this side the head is the response.
  const conn = new RawConnection(socket);
  socket.write(upgradeRequestBytes(port, path, overrides));
  const head = await within(conn.request, 5_000, "the upgrade response");
  // Parsed as a request line: "HTTP/1.1 101 Switching Protocols" gives method "HTTP/1.1", target "101".
  return { conn, status: Number(head.target), headers: head.headers };
}

// --- leak checks ---

// TLSWRAP is left out: its destroy hook only runs when the object is garbage collected; the TCPWRAP
// under it is what holds the descriptor, and it is tracked.
const TRACKED_TYPES = new Set(["Timeout", "TCPWRAP", "TCPCONNECTWRAP", "PIPEWRAP"]);

/**
 * Tracks the timers and sockets created while it is on (ref'd or not: `process.getActiveResourcesInfo()`
 * does not list unref'd timers, which is what sessions use), so a test can prove all of them are gone.
 */
export class ResourceTracker {
  private readonly live = new Map<number, string>();
  private readonly baseline: string[];
  /** Set while the tracker makes its own polling timers, which are not the test's. */
  private own = false;
  private readonly hook = createHook({
    init: (id, type) => {
      if (!this.own && TRACKED_TYPES.has(type)) this.live.set(id, type);
    },
    destroy: (id) => {
      this.live.delete(id);
    },
  });

  constructor() {
    this.baseline = process.getActiveResourcesInfo().filter((name) => name !== "CloseReq");
    this.hook.enable();
  }

  /** Resources created since the start and not yet destroyed, by type. */
  alive(type?: string): string[] {
    return [...this.live.values()].filter((t) => type === undefined || t === type);
  }

  /**
   * Waits until every tracked resource of `types` created since the start is destroyed, failing with
   * what is left after `millis`.
   */
  async settled(millis = 3_000, types: readonly string[] = [...TRACKED_TYPES]): Promise<void> {
    const deadline = Date.now() + millis;
    for (;;) {
      const left = [...this.live.values()].filter((t) => types.includes(t));
      if (left.length === 0) return;
      if (Date.now() > deadline) assert.fail(`resources left after ${millis} ms: ${left.join(", ")}`);
      await this.pause(5);
    }
  }

  /**
   * Asserts `process.getActiveResourcesInfo()` holds nothing that was not there at the start (as a
   * multiset: a resource left over from an earlier test may have gone since, which is fine).
   */
  async backToBaseline(millis = 3_000): Promise<void> {
    const deadline = Date.now() + millis;
    for (;;) {
      const extra = [...process.getActiveResourcesInfo()];
      for (const name of this.baseline) {
        const at = extra.indexOf(name);
        if (at >= 0) extra.splice(at, 1);
      }
      const left = extra.filter((name) => name !== "CloseReq");
      if (left.length === 0) return;
      if (Date.now() > deadline) assert.fail(`active resources beyond the baseline: ${left.join(", ")} (baseline ${this.baseline.join(", ")})`);
      await this.pause(10);
    }
  }

  /** Waits without counting its own timer. */
  private pause(millis: number): Promise<void> {
    this.own = true;
    try {
      return new Promise((resolve) => setTimeout(resolve, millis));
    } finally {
      this.own = false;
    }
  }

  stop(): void {
    this.hook.disable();
  }
}

/** Records uncaught exceptions and unhandled rejections while on; `check()` fails if any happened. */
export class CrashTrap {
  readonly errors: unknown[] = [];
  private readonly onError = (error: unknown): void => {
    this.errors.push(error);
  };

  constructor() {
    process.on("uncaughtException", this.onError);
    process.on("unhandledRejection", this.onError);
  }

  check(): void {
    assert.deepEqual(this.errors.map(String), [], "no uncaught exception or unhandled rejection");
  }

  stop(): void {
    process.off("uncaughtException", this.onError);
    process.off("unhandledRejection", this.onError);
  }
}
