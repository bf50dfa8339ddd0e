// Helpers for the Reconnect tests: clients with fast settings, a raw TCP server that can be scripted
// per connection and restarted on the same port, and event recorders.
import { createServer, type Server, type AddressInfo } from "node:net";
import { HttpClient, CIO, WebSockets, type WebSocketsConfig } from "../../../src/index.js";
import { Reconnect, type ReconnectConfig, type ReconnectEvent, type ReconnectingWebSocketSession } from "../../../src/plugins/reconnect/index.js";
import { RawConnection, Op } from "../../helpers/raw-server.js";
import { within } from "../../helpers/ws-peer.js";

/** A client with WebSockets and Reconnect; short delays unless `reconnect` says otherwise. */
export function reconnectClient(
  reconnect: (r: ReconnectConfig) => void = () => {},
  ws: (w: WebSocketsConfig) => void = () => {},
  engine: { connectTimeoutMillis?: number } = {},
): HttpClient {
  return new HttpClient(CIO, (config) => {
    config.install(WebSockets, ws);
    config.install(Reconnect, (r) => {
      r.minDelay = "20ms";
      r.maxDelay = "200ms";
      r.minUptime = "50ms";
      r.connectTimeout = "3s";
      reconnect(r);
    });
    if (engine.connectTimeoutMillis !== undefined) {
      const millis = engine.connectTimeoutMillis;
      config.engine((cio) => (cio.connectTimeoutMillis = millis));
    }
  });
}

/** Every event of a session, in order, with the time it came (ms since the recorder started). */
export class EventLog {
  readonly events: { at: number; event: ReconnectEvent }[] = [];
  private readonly started = performance.now();
  private readonly waiters: { test: (event: ReconnectEvent) => boolean; resolve: (event: ReconnectEvent) => void }[] = [];

  constructor(session: ReconnectingWebSocketSession) {
    for (const type of ["connecting", "open", "closed", "failed", "retry", "gaveUp", "dropped", "ended"] as const) {
      session.on(type, (event: ReconnectEvent) => this.record(event));
    }
  }

  /** The types, in order. */
  get types(): string[] {
    return this.events.map((e) => e.event.type);
  }

  of<K extends ReconnectEvent["type"]>(type: K): Extract<ReconnectEvent, { type: K }>[] {
    return this.events.filter((e) => e.event.type === type).map((e) => e.event as Extract<ReconnectEvent, { type: K }>);
  }

  timesOf(type: ReconnectEvent["type"]): number[] {
    return this.events.filter((e) => e.event.type === type).map((e) => e.at);
  }

  /** The `count`-th event (1-based) of `type`, waiting for it if needed. */
  nth<K extends ReconnectEvent["type"]>(type: K, count = 1, millis = 5_000): Promise<Extract<ReconnectEvent, { type: K }>> {
    const seen = this.of(type);
    if (seen.length >= count) return Promise.resolve(seen[count - 1]);
    let left = count - seen.length;
    return new Promise<ReconnectEvent>((resolve, reject) => {
      const waiter = {
        test: (event: ReconnectEvent) => event.type === type && --left === 0,
        resolve: (event: ReconnectEvent) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`Timed out after ${millis} ms waiting for ${type} event #${count} (seen: ${this.types.join(", ")})`));
      }, millis);
      this.waiters.push(waiter);
    }) as Promise<Extract<ReconnectEvent, { type: K }>>;
  }

  private record(event: ReconnectEvent): void {
    this.events.push({ at: performance.now() - this.started, event });
    for (const waiter of [...this.waiters]) {
      if (waiter.test(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  }
}

/** What a scripted server does with the `index`-th connection (0-based). */
export type ConnectionScript = (connection: RawConnection, index: number) => void | Promise<void>;

/**
 * A raw TCP server on 127.0.0.1 whose connections are scripted (see `ConnectionScript`), that can stop
 * and start again on the same port: for drops at chosen points, refusals and restarts.
 */
export class ScriptedServer {
  readonly connections: RawConnection[] = [];
  private server: Server | null = null;
  private waiting: ((connection: RawConnection) => void)[] = [];
  private taken = 0;

  private constructor(
    private readonly script: ConnectionScript,
    public port: number,
  ) {}

  static async start(script: ConnectionScript, port = 0): Promise<ScriptedServer> {
    const server = new ScriptedServer(script, port);
    await server.listen();
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Starts listening (again, on the same port once one was picked). */
  async listen(): Promise<void> {
    if (this.server !== null) return;
    const server = createServer((socket) => {
      const connection = new RawConnection(socket);
      const index = this.connections.length;
      this.connections.push(connection);
      void Promise.resolve()
        .then(() => this.script(connection, index))
        .catch(() => connection.destroy());
      const waiter = this.waiting.shift();
      if (waiter) {
        this.taken++;
        waiter(connection);
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every connection (a crash, as the clients see it). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const connection of this.connections) connection.destroy();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  nextConnection(millis = 5_000): Promise<RawConnection> {
    if (this.taken < this.connections.length) return Promise.resolve(this.connections[this.taken++]);
    return within(new Promise<RawConnection>((resolve) => this.waiting.push(resolve)), millis, "a TCP connection");
  }
}

/** Echoes text and binary frames, answers pings, and answers a Close, until the connection ends or `until` says stop. */
export async function echoFrames(connection: RawConnection, until: (payload: Buffer, count: number) => boolean = () => false): Promise<"closed" | "eof" | "stopped"> {
  let count = 0;
  for (;;) {
    const frame = await connection.readFrame(60_000).catch(() => null);
    if (frame === null) return "eof";
    if (frame.opcode === Op.CLOSE) {
      connection.sendFrame({ opcode: Op.CLOSE, payload: frame.payload });
      connection.end();
      return "closed";
    }
    if (frame.opcode === Op.PING) {
      connection.sendFrame({ opcode: Op.PONG, payload: frame.payload });
      continue;
    }
    if (frame.opcode === Op.TEXT || frame.opcode === Op.BINARY) {
      count++;
      if (until(frame.payload, count)) return "stopped";
      connection.sendFrame({ opcode: frame.opcode, payload: frame.payload });
    }
  }
}

/** A small seeded generator (mulberry32), so a failing random run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function stdev(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
}
