/**
 * What `for await (const frame of session.incoming)` + `await session.send(...)` costs beyond a
 * callback, with no socket: the two resumptions of an async function per message that the language's
 * async iteration requires, over kite-ws's own `Channel`.
 *
 *   npx tsc -p bench/tsconfig.json && node build-bench/bench/hops.bench.js
 *
 * Each figure is the best of several rounds, in ns per message. The difference between the last two
 * lines is the floor of the `for await` path's overhead: the bench's `for await` / callback ratio
 * cannot go below (callback CPU per message + this) / callback CPU per message.
 */
import { Channel } from "../src/session/channel.js";

const MESSAGES = 1_000_000;
const ROUNDS = 7;
const RESOLVED: Promise<void> = Promise.resolve();

function best(run: () => Promise<number>): Promise<number> {
  let chain = Promise.resolve(Infinity);
  for (let i = 0; i < ROUNDS; i++) chain = chain.then(async (min) => Math.min(min, await run()));
  return chain;
}

function filled(): Channel<number> {
  const channel = new Channel<number>();
  for (let i = 0; i < MESSAGES; i++) channel.trySend(i);
  channel.close();
  return channel;
}

/** A callback per message: what a `ws` `message` listener does. */
async function callback(): Promise<number> {
  const channel = filled();
  let sum = 0;
  const onMessage = (value: number): void => {
    sum += value;
  };
  const start = process.hrtime.bigint();
  for (let value = channel.tryReceive(); value !== undefined; value = channel.tryReceive()) onMessage(value);
  const ns = Number(process.hrtime.bigint() - start) / MESSAGES;
  if (sum < 0) throw new Error("unreachable");
  return ns;
}

/** `for await` over the channel. */
async function forAwait(): Promise<number> {
  const channel = filled();
  let sum = 0;
  const start = process.hrtime.bigint();
  for await (const value of channel) sum += value;
  return Number(process.hrtime.bigint() - start) / MESSAGES + (sum < 0 ? 1 : 0);
}

/** `for await` plus an `await` of an already-settled promise per message (a `send` with room). */
async function forAwaitAndSend(): Promise<number> {
  const channel = filled();
  let sum = 0;
  const start = process.hrtime.bigint();
  for await (const value of channel) {
    sum += value;
    await RESOLVED;
  }
  return Number(process.hrtime.bigint() - start) / MESSAGES + (sum < 0 ? 1 : 0);
}

const results: [string, number][] = [
  ["callback", await best(callback)],
  ["for await", await best(forAwait)],
  ["for await + await send", await best(forAwaitAndSend)],
];
for (const [name, ns] of results) console.log(`${name.padEnd(24)} ${ns.toFixed(1).padStart(6)} ns/message`);
console.log(`for await + await send - callback: ${(results[2][1] - results[0][1]).toFixed(1)} ns/message`);
