import { Buffer } from "node:buffer";
import { fulfilsWithin } from "../../util/fulfils-within.js";
import { randomBytes } from "node:crypto";
import type { Backplane, BackplanePayload } from "../backplane.js";

/** Settings of {@link redisBackplane}. */
export interface RedisBackplaneOptions {
  /** Where Redis is: `redis://[[user]:password@]host[:port][/db]` or `rediss://` for TLS. */
  readonly url: string;
  /**
   * Prefix of the Redis channels (default `"kite-ws:"`): a topic `t` is published on `<prefix>t`.
   * Services sharing one Redis keep apart by giving each its own prefix.
   */
  readonly channelPrefix?: string;
}

/** The part of node-redis's client this file uses (its own types stay out of kite-ws's declarations). */
interface RedisConnection {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: "error", listener: (error: unknown) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  connect(): Promise<unknown>;
  duplicate(overrides: object): RedisConnection;
  pSubscribe(pattern: string, listener: (message: Buffer, channel: Buffer) => void, bufferMode: true): Promise<void>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

/** First byte of a message on the wire: its kind. Then 8 bytes of the publishing backplane's id, then the payload. */
const TEXT = 0x01;
const BINARY = 0x02;
const ID_BYTES = 8;
const HEADER_BYTES = 1 + ID_BYTES;
/** Retries after a lost connection: 100 ms, doubling, at most 2 s apart, for ever. */
const retryDelay = (retries: number): number => Math.min(100 * 2 ** retries, 2_000);
/** Most time `close()` waits for pending publishes before cutting the connections. */
const CLOSE_GRACE_MILLIS = 1_000;
const decoder = new TextDecoder();

/**
 * A backplane over Redis pub/sub for `serve({ backplane })`: `server.publish(topic, content)` on any
 * process sharing the Redis reaches the subscribers of `topic` on every process.
 *
 * ```ts
 * import { serve } from "kite-ws/server";
 * import { redisBackplane } from "kite-ws/server/redis";
 * const server = await serve({ port: 8080, backplane: redisBackplane({ url: "redis://127.0.0.1:6379" }) }, routes);
 * ```
 *
 * It opens two connections (one publishes, one subscribes). A lost connection is reported to the
 * server's `onError` once per outage and retried for ever; meanwhile each process still delivers to
 * its own subscribers, and messages published while Redis is away do not reach the other processes
 * (delivery is at most once). Bad options throw a `TypeError` naming them. Needs the `redis`
 * package (`npm install redis`), loaded when the server starts.
 */
export function redisBackplane(options: RedisBackplaneOptions): Backplane {
  if (options === null || typeof options !== "object") throw new TypeError("redisBackplane() takes { url, channelPrefix? }");
  const { url, channelPrefix = "kite-ws:" } = options;
  if (typeof url !== "string" || !/^rediss?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new TypeError(`redisBackplane({ url }): url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  if (typeof channelPrefix !== "string") throw new TypeError(`redisBackplane({ channelPrefix }) must be a string, got ${typeof channelPrefix}`);
  return new RedisBackplane(url, channelPrefix);
}

class RedisBackplane implements Backplane {
  /** Tags this backplane's messages, so that it does not deliver them a second time. */
  private readonly id = randomBytes(ID_BYTES);
  private publisher: RedisConnection | null = null;
  private subscriber: RedisConnection | null = null;
  private onError: (error: unknown) => void = () => {};
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly prefix: string,
  ) {}

  async start(deliver: (topic: string, payload: BackplanePayload) => void, onError: (error: unknown) => void): Promise<void> {
    if (this.publisher !== null || this.closed) throw new Error("A redisBackplane() serves one server: start it once, and not after close()");
    this.onError = onError;
    const { createClient } = await loadRedis();
    const publisher = createClient({ url: this.url, disableOfflineQueue: true, socket: { reconnectStrategy: retryDelay } }) as unknown as RedisConnection;
    // Subscriptions made while connecting wait in the offline queue; node-redis renews them after a reconnect.
    const subscriber = publisher.duplicate({ disableOfflineQueue: false });
    this.publisher = publisher;
    this.subscriber = subscriber;
    let firstError!: () => void;
    const failed = new Promise<void>((resolve) => (firstError = resolve));
    this.watch(publisher, "publishing", firstError);
    this.watch(subscriber, "subscribing", firstError);
    const connected = Promise.all([publisher.connect(), subscriber.connect()]);
    connected.catch(() => {}); // rejects only when closed meanwhile
    subscriber.pSubscribe(`${escapeGlob(this.prefix)}*`, (message, channel) => this.received(message, channel, deliver), true).catch((error: unknown) => {
      if (!this.closed) this.report(new Error("kite-ws/server/redis: subscribing to the topics failed", { cause: error }));
    });
    // Up: resolve once connected. Down: once the first attempt failed (reported; the retries go on).
    await Promise.race([connected, failed]);
  }

  publish(topic: string, payload: BackplanePayload): void {
    const publisher = this.publisher;
    if (publisher === null || this.closed) return;
    try {
      publisher.publish(this.prefix + topic, this.encode(payload)).catch(() => {
        // Redis is away (reported by the connection's "error" event) or the client closed: not delivered elsewhere.
      });
    } catch {
      // Same, thrown at once.
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.publisher, this.subscriber].map((client) => (client === null ? undefined : shutDown(client))));
  }

  private encode(payload: BackplanePayload): Buffer {
    if (typeof payload === "string") {
      const message = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(payload));
      message[0] = TEXT;
      this.id.copy(message, 1);
      message.write(payload, HEADER_BYTES);
      return message;
    }
    const message = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
    message[0] = BINARY;
    this.id.copy(message, 1);
    message.set(payload, HEADER_BYTES);
    return message;
  }

  private received(message: Buffer, channel: Buffer, deliver: (topic: string, payload: BackplanePayload) => void): void {
    if (this.closed || message.length < HEADER_BYTES) return;
    // Its own messages were delivered here when published.
    if (this.id.equals(message.subarray(1, HEADER_BYTES))) return;
    const kind = message[0];
    if (kind !== TEXT && kind !== BINARY) return;
    const topic = channel.toString("utf8").slice(this.prefix.length);
    const body = message.subarray(HEADER_BYTES);
    try {
      deliver(topic, kind === TEXT ? decoder.decode(body) : new Uint8Array(body));
    } catch (error) {
      this.report(error);
    }
  }

  /** Reports the first error of each outage of `client` (not every retry), and settles `start`'s wait. */
  private watch(client: RedisConnection, role: string, firstError: () => void): void {
    let reported = false;
    client.on("error", (error) => {
      firstError();
      if (reported || this.closed) return;
      reported = true;
      this.report(new Error(`kite-ws/server/redis: the ${role} connection to Redis failed; retrying`, { cause: error }));
    });
    client.on("ready", () => (reported = false));
  }

  private report(error: unknown): void {
    try {
      this.onError(error);
    } catch {
      // The server's onError threw: nothing further to tell.
    }
  }
}

async function loadRedis(): Promise<{ createClient: (options: object) => unknown }> {
  try {
    return await import("redis");
  } catch (error) {
    throw new Error("kite-ws/server/redis needs the redis package (node-redis): npm install redis", { cause: error });
  }
}

/** Closes `client` after its pending commands, or cuts it if that takes too long (Redis away). */
async function shutDown(client: RedisConnection): Promise<void> {
  if (!client.isOpen) return;
  // Not connected (Redis away): nothing can be flushed, and close() would wait for the reconnection.
  if (!client.isReady) return client.destroy();
  if (!(await fulfilsWithin(client.close(), CLOSE_GRACE_MILLIS)) && client.isOpen) client.destroy();
}

/** `prefix` as a literal in a Redis glob pattern. */
function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, "\\$&");
}
