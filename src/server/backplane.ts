/**
 * What `publish` hands on to other processes: a pub/sub engine shared by every process of a service
 * (Redis with `kite-ws/server/redis`), given to `serve()` as its `backplane` option.
 */

/** A published message's content as it crosses processes: text (a Text frame) or bytes (a Binary frame). */
export type BackplanePayload = string | Uint8Array;

/**
 * Fan-out across processes for `serve({ backplane })`. `serve()` calls `start` before it listens and
 * `close` from its own `close()`; `server.publish(topic, content)` delivers to the process's own
 * subscribers at once, then calls `publish`. A backplane calls `deliver` for each message another
 * process published (never for the ones this one published: those were delivered already).
 */
export interface Backplane {
  /**
   * Connects. `deliver` takes the messages of other processes; `onError` is told about failures
   * (a lost connection, which the backplane retries by itself). `serve()` waits for the promise, so it
   * should settle once connected or once the first attempt failed (and the retries go on).
   */
  start(deliver: (topic: string, payload: BackplanePayload) => void, onError: (error: unknown) => void): Promise<void> | void;
  /** Sends a message to the other processes; fire and forget: it never throws, failures go to `onError`. */
  publish(topic: string, payload: BackplanePayload): void;
  /** Disconnects; `deliver` is not called after it. */
  close(): Promise<void>;
}

/** @internal Checks the `backplane` option: an object with start, publish and close. */
export function checkBackplane(value: unknown): Backplane | null {
  if (value === undefined || value === null) return null;
  const candidate = value as Partial<Backplane>;
  if (typeof value !== "object" || typeof candidate.start !== "function" || typeof candidate.publish !== "function" || typeof candidate.close !== "function") {
    throw new TypeError("backplane must have start(), publish() and close(), e.g. redisBackplane({ url }) from kite-ws/server/redis");
  }
  return value as Backplane;
}
