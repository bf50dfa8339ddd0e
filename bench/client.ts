/**
 * One client's run, in its own process: `node client.js '<RunSpec as JSON>'`, forked by run.ts. It
 * connects, warms up, tells the parent where the measured part starts and ends (so the parent can read
 * the server's CPU time there), measures its own CPU time with process.cpuUsage(), and sends a
 * RunResult back. It exits when the parent goes away. In rpc mode it makes JSON-RPC calls instead
 * (clients/rpc*.ts).
 */
import { performance } from "node:perf_hooks";
import type { MarkMessage, ResultMessage, RunResult, RunSpec } from "./lib/types.js";
import type { BenchClient } from "./clients/client.js";
import { checkAnswer, drive, type RpcBenchClient } from "./clients/rpc.js";

process.on("disconnect", () => process.exit(0));

async function load(spec: RunSpec): Promise<{ impl: BenchClient; addons?: RunResult["addons"] }> {
  switch (spec.client) {
    case "raw":
      return { impl: (await import("./clients/raw.js")).client };
    case "kite":
      return { impl: (await import("./clients/kite.js")).forAwaitClient };
    case "kite-cb":
      return { impl: (await import("./clients/kite.js")).callbackClient };
    case "undici":
      return { impl: await (await import("./clients/undici.js")).load(7) };
    case "undici8":
      return { impl: await (await import("./clients/undici.js")).load(8) };
    case "ws":
    case "ws-bu": {
      const module = await import("./clients/ws.js");
      return { impl: module.client, addons: module.loadedAddons() };
    }
  }
}

async function loadRpc(spec: RunSpec): Promise<{ impl: RpcBenchClient; addons?: RunResult["addons"] }> {
  switch (spec.client) {
    case "kite":
      return { impl: (await import("./clients/rpc-kite.js")).client };
    case "ws":
    case "ws-bu": {
      const [rpc, ws] = await Promise.all([import("./clients/rpc-ws.js"), import("./clients/ws.js")]);
      return { impl: rpc.client, addons: ws.loadedAddons() };
    }
    default:
      throw new Error(`n/a: no JSON-RPC client for ${spec.client}`);
  }
}

function mark(phase: MarkMessage["phase"], gc = false): Promise<void> {
  return new Promise((resolve) => {
    process.once("message", () => resolve());
    process.send!({ type: "mark", phase, gc } satisfies MarkMessage);
  });
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencySummary(samples: number[]): NonNullable<RunResult["latencyUs"]> {
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    samples: samples.length,
  };
}

/**
 * The measured part of a run: marks its start and end for the parent (which reads the server's CPU
 * time there), with this process's CPU time and the wall time of `work`, then closes the connection.
 */
async function measured<T>(work: () => Promise<T>, connection: { close(): Promise<void> }): Promise<{ result: T; used: NodeJS.CpuUsage; wallMs: number }> {
  await mark("start");
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await mark("end");
  await connection.close();
  return { result, used, wallMs };
}

/** JSON-RPC calls: `window` in flight, each timed when there is one. */
async function runRpc(spec: RunSpec): Promise<RunResult> {
  const { impl, addons } = await loadRpc(spec);
  const connection = await impl.connect(spec.url);
  await checkAnswer(connection);
  const timed = spec.window === 1;
  await drive(connection, spec.warmup, spec.window, spec.timeLimitMs, timed);
  const { result, used, wallMs } = await measured(() => drive(connection, spec.count, spec.window, spec.timeLimitMs, timed), connection);
  const { calls, samples } = result;
  return {
    client: spec.client,
    messages: calls,
    bytes: 0,
    cpuUserUs: used.user,
    cpuSystemUs: used.system,
    wallMs,
    latencyUs: samples === null ? undefined : latencySummary(samples),
    addons,
  };
}

/** Fan-out: subscribers, warm-up rounds, then the measured rounds (clients/fanout.ts). */
async function runFanout(spec: RunSpec): Promise<RunResult> {
  const { openSubscribers, fanoutRounds, fanoutResult } = await import("./clients/fanout.js");
  const { sockets, round } = await openSubscribers(spec);
  await fanoutRounds(round, spec.warmup, sockets.length);
  const all = { close: async () => void sockets.forEach((socket) => socket.terminate()) };
  const { result, used, wallMs } = await measured(() => fanoutRounds(round, spec.count, sockets.length), all);
  return fanoutResult(spec, result, used, wallMs, latencySummary(result.samples));
}

async function run(spec: RunSpec): Promise<RunResult> {
  if (spec.mode === "rpc") return runRpc(spec);
  if (spec.mode === "fanout") return runFanout(spec);
  const { impl, addons } = await load(spec);
  if (spec.mode === "idle") {
    // A few connections first, so code paths, lazily loaded modules and the heap's working size are in
    // the baseline rather than charged to the connections measured.
    const held: unknown[] = [];
    const warm = Math.min(100, Math.ceil(spec.connections / 10));
    for (let i = 0; i < warm; i++) held.push(await impl.openIdle(spec.url));
    await sleep(200);
    collect();
    const rssBefore = process.memoryUsage.rss();
    await mark("start", true);
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let opened = 0; opened < spec.connections; ) {
      const batch = Math.min(spec.openBatch, spec.connections - opened);
      const pending: Promise<unknown>[] = [];
      for (let i = 0; i < batch; i++) pending.push(impl.openIdle(spec.url));
      held.push(...(await Promise.all(pending)));
      opened += batch;
    }
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    await sleep(500);
    collect();
    const rssAfter = process.memoryUsage.rss();
    await mark("end", true);
    return {
      client: spec.client,
      messages: 0,
      bytes: 0,
      cpuUserUs: used.user,
      cpuSystemUs: used.system,
      wallMs,
      rssBefore,
      rssAfter,
      connections: held.length - warm,
      addons,
    };
  }

  const connection = await impl.connect(spec.url, spec.payload, spec.deflate);
  if (spec.mode === "latency") await connection.latency(spec.warmup, spec.timeLimitMs);
  else await connection.pipeline(spec.warmup, spec.window, spec.timeLimitMs);
  const { result, used, wallMs } = await measured(async () => {
    if (spec.mode !== "latency") return { ...(await connection.pipeline(spec.count, spec.window, spec.timeLimitMs)), latencyUs: undefined };
    const samples = await connection.latency(spec.count, spec.timeLimitMs);
    return { messages: samples.length, bytes: samples.length * spec.payload.size, latencyUs: latencySummary(samples) };
  }, connection);
  const { messages, bytes, latencyUs } = result;
  return {
    client: spec.client,
    messages,
    bytes,
    cpuUserUs: used.user,
    cpuSystemUs: used.system,
    wallMs,
    latencyUs,
    addons,
    negotiated: connection.negotiated,
  };
}

const spec = JSON.parse(process.argv[2] ?? "{}") as RunSpec;
run(spec).then(
  (result) => {
    process.send!({ type: "result", result } satisfies ResultMessage, () => process.exit(0));
  },
  (error: unknown) => {
    console.error(`bench client ${spec.client} (${spec.mode}) failed:`, error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
