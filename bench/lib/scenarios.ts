/** The bench's scenarios, full and `--quick`. */
import type { ClientId, Payload, RunSpec, ServerKind } from "./types.js";

export type MetricId =
  | "cpuPerMsg"
  | "cpuPerMiB"
  | "userPerMiB"
  | "msgsPerSec"
  | "mibPerSec"
  | "p50"
  | "p99"
  | "kibPerConn"
  | "totalRssMB"
  | "callsPerSec"
  | "cpuPerCall"
  | "serverCpuPerDelivery";

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly mode: RunSpec["mode"];
  readonly payload: Payload;
  readonly count: number;
  readonly warmup: number;
  readonly window: number;
  readonly timeLimitMs: number;
  readonly connections: number;
  readonly openBatch: number;
  readonly deflate: boolean;
  /** The server endpoint: "/" echoes, "/rpc" answers JSON-RPC. */
  readonly path: string;
  readonly clients: readonly ClientId[];
  readonly servers: readonly ServerKind[];
  readonly rounds: number;
  /** Metrics in the table, the first being the one the targets and the chart use. */
  readonly metrics: readonly MetricId[];
  /** Idle scenarios get a fresh server process per run, so the server's RSS per connection means something. */
  readonly freshServer: boolean;
}

export const ALL_CLIENTS: readonly ClientId[] = ["raw", "kite", "kite-cb", "ws-bu", "ws", "undici", "undici8"];
const CLIENTS: readonly ClientId[] = ["raw", "kite", "ws-bu", "ws", "undici", "undici8"];
/** RPC scenarios: kite-ws's `JsonRpcClient`, and a hand-written id map over `ws` (with and without bufferutil). */
const RPC_CLIENTS: readonly ClientId[] = ["kite", "ws-bu", "ws"];
export const BASELINE: ClientId = "ws-bu";

export const CLIENT_NAMES: Record<ClientId, string> = {
  raw: "raw TCP floor",
  kite: "kite-ws",
  "kite-cb": "kite-ws (callback)",
  "ws-bu": "ws + bufferutil",
  ws: "ws (no addons)",
  undici: "undici 7",
  undici8: "undici 8 (Node 22)",
};

export const SERVER_NAMES: Record<ServerKind, string> = {
  ws: "ws server",
  kite: "kite server",
  batch: "minimal batching echo",
};

export const METRIC_UNITS: Record<MetricId, { label: string; unit: string; lowerIsBetter: boolean }> = {
  cpuPerMsg: { label: "client CPU per message", unit: "µs", lowerIsBetter: true },
  cpuPerMiB: { label: "client CPU per MiB", unit: "ms", lowerIsBetter: true },
  userPerMiB: { label: "of which user space", unit: "ms", lowerIsBetter: true },
  msgsPerSec: { label: "messages/s", unit: "", lowerIsBetter: false },
  mibPerSec: { label: "MiB/s", unit: "", lowerIsBetter: false },
  p50: { label: "round trip p50", unit: "µs", lowerIsBetter: true },
  p99: { label: "round trip p99", unit: "µs", lowerIsBetter: true },
  kibPerConn: { label: "client RSS per connection", unit: "KiB", lowerIsBetter: true },
  totalRssMB: { label: "client process RSS in all", unit: "MB", lowerIsBetter: true },
  callsPerSec: { label: "calls/s", unit: "", lowerIsBetter: false },
  cpuPerCall: { label: "client CPU per call", unit: "µs", lowerIsBetter: true },
  serverCpuPerDelivery: { label: "server CPU per delivered message", unit: "µs", lowerIsBetter: true },
};

export function scenarios(quick: boolean, rounds: number, batchServer: boolean): Scenario[] {
  const servers: ServerKind[] = batchServer ? ["ws", "kite", "batch"] : ["ws", "kite"];
  const scale = (full: number, short: number): number => (quick ? short : full);
  // --quick keeps both servers where the server decides the result (small messages) and uses the ws
  // server alone elsewhere, to stay under a minute.
  const fewer: ServerKind[] = quick ? ["ws"] : servers;
  const base = {
    warmup: 0,
    window: 1,
    timeLimitMs: 8000,
    connections: 0,
    openBatch: 0,
    deflate: false,
    path: "/",
    clients: CLIENTS,
    servers,
    rounds,
    freshServer: false,
  };
  return [
    {
      ...base,
      id: "text32",
      title: "32 B text, pipelined (window 1,000)",
      mode: "pipeline",
      payload: { type: "text", size: 32, content: "ascii" },
      count: scale(1_000_000, 200_000),
      warmup: scale(20_000, 5_000),
      window: 1000,
      timeLimitMs: scale(1500, 300),
      clients: ALL_CLIENTS,
      metrics: ["cpuPerMsg", "msgsPerSec"],
    },
    {
      ...base,
      id: "latency",
      title: "32 B text, round trip (one in flight)",
      mode: "latency",
      payload: { type: "text", size: 32, content: "ascii" },
      // Thousands of round trips first: the first ones run in the interpreter while the JIT warms
      // up, which decides the tail of a short run; a long-lived connection's tail is what is measured.
      count: scale(20_000, 2_000),
      warmup: scale(5_000, 2_000),
      timeLimitMs: scale(4000, 500),
      servers: fewer,
      metrics: ["p50", "p99", "cpuPerMsg"],
    },
    {
      ...base,
      id: "bin64k",
      title: "64 KiB binary, pipelined (window 16)",
      mode: "pipeline",
      payload: { type: "binary", size: 64 * 1024, content: "random" },
      count: scale(20_000, 4_000),
      warmup: scale(300, 100),
      window: 16,
      timeLimitMs: scale(1500, 300),
      servers: fewer,
      metrics: ["cpuPerMiB", "userPerMiB", "mibPerSec"],
    },
    {
      ...base,
      id: "bin16m",
      title: "16 MiB binary, pipelined (window 2)",
      mode: "pipeline",
      payload: { type: "binary", size: 16 * 1024 * 1024, content: "random" },
      count: scale(48, 8),
      warmup: scale(2, 1),
      window: 2,
      timeLimitMs: scale(2000, 400),
      servers: fewer,
      metrics: ["cpuPerMiB", "userPerMiB", "mibPerSec"],
    },
    {
      ...base,
      id: "deflate",
      title: "permessage-deflate, 4 KiB JSON-like text, pipelined (window 100)",
      mode: "pipeline",
      payload: { type: "text", size: 4096, content: "json" },
      count: scale(40_000, 4_000),
      warmup: scale(1_000, 300),
      window: 100,
      timeLimitMs: scale(1500, 300),
      deflate: true,
      clients: ["kite", "ws-bu", "ws", "undici", "undici8"],
      servers: quick ? ["ws"] : ["ws", "kite"],
      metrics: ["cpuPerMsg", "msgsPerSec"],
    },
    {
      ...base,
      id: "idle2k",
      title: `${quick ? "500" : "2,000"} idle connections, opened at once`,
      mode: "idle",
      payload: { type: "binary", size: 0, content: "ascii" },
      count: 0,
      connections: scale(2_000, 500),
      openBatch: scale(2_000, 500),
      rounds: 1,
      servers: fewer,
      freshServer: true,
      metrics: ["kibPerConn"],
    },
    {
      ...base,
      id: "idle10k",
      title: `${quick ? "1,000" : "10,000"} idle connections in one process, opened 500 at a time`,
      mode: "idle",
      payload: { type: "binary", size: 0, content: "ascii" },
      count: 0,
      connections: scale(10_000, 1_000),
      openBatch: 500,
      rounds: 1,
      servers: fewer,
      freshServer: true,
      metrics: ["totalRssMB", "kibPerConn"],
    },
    // JSON-RPC calls (clients/rpc.ts) against each server's /rpc route, which answers with the params
    // as the result. The baseline is a hand-written id map over `ws`, with a setTimeout per call.
    {
      ...base,
      id: "rpc1",
      title: "JSON-RPC calls, one in flight",
      mode: "rpc",
      payload: { type: "text", size: 0, content: "ascii" },
      count: scale(20_000, 2_000),
      warmup: scale(5_000, 2_000),
      timeLimitMs: scale(4000, 500),
      path: "/rpc",
      clients: RPC_CLIENTS,
      servers: quick ? ["ws"] : ["ws", "kite"],
      metrics: ["cpuPerCall", "callsPerSec", "p50", "p99"],
    },
    {
      ...base,
      id: "rpc64",
      title: "JSON-RPC calls, 64 in flight",
      mode: "rpc",
      payload: { type: "text", size: 0, content: "ascii" },
      count: scale(200_000, 20_000),
      warmup: scale(20_000, 5_000),
      window: 64,
      timeLimitMs: scale(2000, 300),
      path: "/rpc",
      clients: RPC_CLIENTS,
      servers: quick ? ["ws"] : ["ws", "kite"],
      metrics: ["cpuPerCall", "callsPerSec"],
    },
    // Fan-out: one message to 10,000 subscribers a round, on each server's /fanout route (kite-ws's
    // server.publish, and the usual loop over wss.clients on ws's). The figures are the server's: its
    // CPU per delivered message, and the time until the last subscriber has the message (p50/p99 over
    // rounds). The subscribers are `ws` clients in the client process, whatever the server.
    {
      ...base,
      id: "fanout10k",
      title: "Fan-out, one message to 10,000 subscribers",
      mode: "fanout",
      payload: { type: "text", size: 32, content: "ascii" },
      count: scale(50, 20),
      warmup: scale(10, 5),
      timeLimitMs: scale(20_000, 5_000),
      connections: scale(10_000, 1_000),
      openBatch: 500,
      path: "/fanout",
      clients: ["ws-bu", "raw"],
      servers: ["ws", "kite"],
      metrics: ["serverCpuPerDelivery", "p50", "p99"],
    },
  ];
}
