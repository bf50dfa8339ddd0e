/** What every bench client implements, each in its library's own idiom. */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import type { Payload } from "../lib/types.js";

export interface Exchange {
  /** Data messages echoed back, and their payload bytes. */
  readonly messages: number;
  readonly bytes: number;
}

export interface BenchConnection {
  /**
   * Keeps `window` messages in flight until `count` have come back, sending one more for each echo;
   * stops sending after `limitMs` and then waits for those in flight.
   */
  pipeline(count: number, window: number, limitMs: number): Promise<Exchange>;
  /** One message in flight: `count` round trips (or until `limitMs`), each in microseconds. */
  latency(count: number, limitMs: number): Promise<number[]>;
  /** A normal close (1000), bounded in time. */
  close(): Promise<void>;
  /** Extensions the handshake agreed, as the library reports them. */
  readonly negotiated: string;
}

export interface BenchClient {
  connect(url: string, payload: Payload, deflate: boolean): Promise<BenchConnection>;
  /** Opens a connection and leaves it idle; the result is kept referenced by the caller. */
  openIdle(url: string): Promise<unknown>;
}

/** The message a payload describes: a string for text, bytes for binary. */
export function payloadValue(payload: Payload): string | Buffer {
  if (payload.type === "binary") {
    return payload.content === "random" ? randomBytes(payload.size) : Buffer.alloc(payload.size, 0x61);
  }
  if (payload.content === "json") {
    let text = "[";
    for (let i = 0; text.length < payload.size; i++) {
      text += `{"id":${i},"name":"item-${i % 97}","tags":["alpha","beta"],"price":${(i % 50) + 0.5},"ok":true},`;
    }
    return text.slice(0, payload.size);
  }
  let text = "";
  for (let i = 0; i < payload.size; i++) text += String.fromCharCode(97 + (i % 26));
  return text;
}

/** A flag that turns true after `ms`, so hot loops test a boolean instead of reading the clock. */
export function deadline(ms: number): { late: boolean; cancel(): void } {
  const state = {
    late: false,
    cancel: () => clearTimeout(timer),
  };
  const timer = setTimeout(() => (state.late = true), ms);
  return state;
}

export function elapsedUs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Waits for `promise` at most `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
  ]);
}
