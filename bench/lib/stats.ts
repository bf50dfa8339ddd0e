/** Figures from runs: per-run metrics, medians over rounds, ratios to the baseline. */
import type { ClientRun } from "./processes.js";
import type { MetricId, Scenario } from "./scenarios.js";
import type { ClientId, ServerKind } from "./types.js";

const MiB = 1024 * 1024;

export interface RunFigures {
  readonly metrics: Partial<Record<MetricId, number>>;
  /** Server CPU per message (µs) and per MiB (ms) in the measured part; server RSS per idle connection (KiB). */
  readonly server: { cpuPerMsg?: number; cpuPerMiB?: number; kibPerConn?: number };
}

export function figures(scenario: Scenario, run: ClientRun): RunFigures | null {
  const r = run.result;
  if (r === null) return null;
  const cpuUs = r.cpuUserUs + r.cpuSystemUs;
  const metrics: Partial<Record<MetricId, number>> = {};
  const server: RunFigures["server"] = {};
  const serverCpuUs = run.server
    ? run.server.end.cpu.user + run.server.end.cpu.system - (run.server.start.cpu.user + run.server.start.cpu.system)
    : NaN;
  if (scenario.mode === "idle") {
    const n = r.connections ?? 0;
    metrics.kibPerConn = (r.rssAfter! - r.rssBefore!) / n / 1024;
    metrics.totalRssMB = r.rssAfter! / 1e6;
    if (run.server) server.kibPerConn = (run.server.end.rss - run.server.start.rss) / n / 1024;
    return { metrics, server };
  }
  if (r.messages === 0) return null;
  const mib = r.bytes / MiB;
  metrics.cpuPerMsg = cpuUs / r.messages;
  metrics.cpuPerMiB = mib > 0 ? cpuUs / 1000 / mib : NaN;
  metrics.userPerMiB = mib > 0 ? r.cpuUserUs / 1000 / mib : NaN;
  metrics.msgsPerSec = r.messages / (r.wallMs / 1000);
  metrics.mibPerSec = mib / (r.wallMs / 1000);
  if (scenario.mode === "rpc") {
    metrics.cpuPerCall = cpuUs / r.messages;
    metrics.callsPerSec = r.messages / (r.wallMs / 1000);
  }
  if (r.latencyUs) {
    metrics.p50 = r.latencyUs.p50;
    metrics.p99 = r.latencyUs.p99;
  }
  server.cpuPerMsg = serverCpuUs / r.messages;
  if (scenario.mode === "fanout") metrics.serverCpuPerDelivery = server.cpuPerMsg;
  server.cpuPerMiB = mib > 0 ? serverCpuUs / 1000 / mib : NaN;
  return { metrics, server };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One client against one server in one scenario: medians over its rounds. */
export interface Cell {
  readonly scenario: string;
  readonly client: ClientId;
  readonly server: ServerKind;
  readonly rounds: number;
  readonly metrics: Partial<Record<MetricId, number>>;
  readonly serverMetrics: RunFigures["server"];
  /** (max - min) / median of the scenario's first metric over the rounds. */
  readonly spread: number;
  /** Why there is no figure (an error, or "n/a ..."). */
  readonly note: string | null;
  readonly negotiated?: string;
}

export function cell(
  scenario: Scenario,
  client: ClientId,
  server: ServerKind,
  runs: readonly RunFigures[],
  note: string | null,
  negotiated?: string,
): Cell {
  const metrics: Partial<Record<MetricId, number>> = {};
  const keys = new Set(runs.flatMap((r) => Object.keys(r.metrics) as MetricId[]));
  for (const key of keys) metrics[key] = median(runs.map((r) => r.metrics[key] ?? NaN));
  const serverMetrics: RunFigures["server"] = {};
  for (const key of ["cpuPerMsg", "cpuPerMiB", "kibPerConn"] as const) {
    const value = median(runs.map((r) => r.server[key] ?? NaN));
    if (Number.isFinite(value)) serverMetrics[key] = value;
  }
  const first = runs.map((r) => r.metrics[scenario.metrics[0]] ?? NaN).filter(Number.isFinite);
  const mid = median(first);
  const spread = first.length > 1 ? (Math.max(...first) - Math.min(...first)) / mid : 0;
  return { scenario: scenario.id, client, server, rounds: runs.length, metrics, serverMetrics, spread, note, negotiated };
}
