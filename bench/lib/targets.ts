/**
 * kite-ws's performance targets, each judged in the run that measured it: a ratio to `ws` + bufferutil
 * against the same server (or kite server / ws server for the server's own figures), beside the floor,
 * the raw TCP client's ratio on the same scale, which says how far down the figure can go at all.
 * In the RPC scenarios the baseline `ws` + bufferutil client is a hand-written id map over `ws`.
 */
import { BASELINE, SERVER_NAMES, type MetricId } from "./scenarios.js";
import type { Cell } from "./stats.js";
import type { ClientId, ServerKind } from "./types.js";
import type { Report, ServerRow } from "./report.js";

export interface Target {
  readonly name: string;
  /** The figure the target is about (a ratio, or MB for the 10k total). */
  readonly value: number | null;
  readonly limit: number;
  readonly unit: "x" | "MB";
  /** The raw TCP client's figure on the same scale, where it has one. */
  readonly floor: number | null;
  readonly met: boolean | null;
  /** Higher is better (a rate): met when the figure is at least the limit. */
  readonly atLeast?: boolean;
}

/** Each scenario's limit for kite-ws / ws + bufferutil on its first metric, per server (the chart's dashed line). */
export const CHART_LIMITS: Record<string, (server: ServerKind) => number | undefined> = {
  text32: (server) => (server === "ws" ? 1.0 : 0.6),
  latency: () => 1.0,
  bin64k: () => 0.95,
  bin16m: () => 1.0,
  deflate: () => 0.9,
  idle2k: () => 0.6,
  rpc1: () => 1.0,
  rpc64: () => 1.0,
};

export function find(cells: readonly Cell[], scenario: string, client: ClientId, server: ServerKind): Cell | undefined {
  return cells.find((c) => c.scenario === scenario && c.client === client && c.server === server);
}

export function value(cells: readonly Cell[], scenario: string, client: ClientId, server: ServerKind, metric: MetricId): number | null {
  const v = find(cells, scenario, client, server)?.metrics[metric];
  return v !== undefined && Number.isFinite(v) ? v : null;
}

export function ratio(cells: readonly Cell[], scenario: string, client: ClientId, server: ServerKind, metric: MetricId, base: ClientId = BASELINE): number | null {
  const a = value(cells, scenario, client, server, metric);
  const b = value(cells, scenario, base, server, metric);
  return a !== null && b !== null && b > 0 ? a / b : null;
}

export function targets(report: Report, serverRows: readonly ServerRow[]): Target[] {
  const cells = report.cells;
  const servers = (id: string): ServerKind[] => report.scenarios.find((s) => s.id === id)?.servers ?? [];
  const list: Target[] = [];
  const add = (name: string, v: number | null, limit: number, floor: number | null = null, unit: Target["unit"] = "x"): void => {
    list.push({ name, value: v, limit, unit, floor, met: v === null ? null : v <= limit });
  };
  /** kite against ws + bufferutil on one metric, with the raw client's ratio as the floor. */
  const client = (id: string, metric: MetricId, name: (server: ServerKind) => string, limit: (server: ServerKind) => number): void => {
    for (const server of servers(id)) add(name(server), ratio(cells, id, "kite", server, metric), limit(server), ratio(cells, id, "raw", server, metric));
  };
  const vs = (server: ServerKind): string => `vs ${SERVER_NAMES[server]}`;

  client("latency", "p50", (s) => `32 B round trip p50 ${vs(s)}`, () => 1.0);
  client("latency", "p99", (s) => `32 B round trip p99 ${vs(s)}`, () => 1.0);
  client("latency", "cpuPerMsg", (s) => `32 B round trip: client CPU per message ${vs(s)}`, () => 0.9);
  client("text32", "cpuPerMsg", (s) => `32 B pipelined: client CPU/msg ${vs(s)}${s === "ws" ? "" : " (batching; aim 0.3x)"}`, (s) => (s === "ws" ? 1.0 : 0.6));
  for (const server of servers("text32")) {
    add(`32 B pipelined ${vs(server)}: \`for await\` + \`await send\` / callback, CPU/msg`, ratio(cells, "text32", "kite", server, "cpuPerMsg", "kite-cb"), 1.05);
  }
  client("deflate", "cpuPerMsg", (s) => `permessage-deflate 4 KiB JSON: client CPU/msg ${vs(s)}`, () => 0.9);
  client("bin64k", "cpuPerMiB", (s) => `64 KiB: client CPU/MiB ${vs(s)}`, () => 0.95);
  client("bin16m", "cpuPerMiB", (s) => `16 MiB: client CPU/MiB ${vs(s)}`, () => 1.0);
  client("idle2k", "kibPerConn", (s) => `idle connections: client RSS/conn ${vs(s)}`, () => 0.6);
  const idle10k = report.scenarios.find((s) => s.id === "idle10k");
  for (const server of idle10k?.servers ?? []) {
    const n = idle10k!.connections;
    const name = `${n.toLocaleString("en-US")} idle connections ${vs(server)}: client process RSS in all`;
    const v = value(cells, "idle10k", "kite", server, "totalRssMB");
    const floor = value(cells, "idle10k", "raw", server, "totalRssMB");
    // The limit is for 10,000 connections: a shorter run (--quick) shows its figure, judged by none.
    if (n === 10_000) add(name, v, 100, floor, "MB");
    else list.push({ name: `${name} (the limit is for 10,000)`, value: v, limit: 100, unit: "MB", floor, met: null });
  }
  // JSON-RPC calls: kite-ws's JsonRpcClient (deadlines on one shared timer, validation of each message)
  // against the hand-written id map over ws (a setTimeout per call, JSON.parse and a Map lookup).
  for (const id of ["rpc1", "rpc64"]) {
    const scenario = report.scenarios.find((s) => s.id === id);
    if (scenario === undefined) continue;
    const what = `JSON-RPC calls, ${scenario.window === 1 ? "one" : scenario.window.toLocaleString("en-US")} in flight`;
    for (const server of scenario.servers) {
      add(`${what}: client CPU per call ${vs(server)}`, ratio(cells, id, "kite", server, "cpuPerCall"), 1.0);
      const rate = ratio(cells, id, "kite", server, "callsPerSec");
      list.push({ name: `${what}: calls/s ${vs(server)}`, value: rate, limit: 1.0, unit: "x", floor: null, met: rate === null ? null : rate >= 1.0, atLeast: true });
    }
  }
  // Fan-out: kite-ws's server.publish against ws's loop over wss.clients, the same subscribers.
  const fanout = report.scenarios.find((s) => s.id === "fanout10k");
  if (fanout !== undefined) {
    const per = (server: ServerKind): number | null => value(cells, "fanout10k", "ws-bu", server, "serverCpuPerDelivery");
    const kite = per("kite");
    const ws = per("ws");
    const n = fanout.connections.toLocaleString("en-US");
    const floor = value(cells, "fanout10k", "raw", "ws", "serverCpuPerDelivery");
    const ratio = (v: number | null): number | null => (v !== null && ws !== null && ws > 0 ? v / ws : null);
    add(`fan-out to ${n} subscribers: server CPU per delivered message (kite server / ws server)`, ratio(kite), 0.5, ratio(floor));
  }
  for (const row of serverRows) add(`server: ${row.metric}, ${row.scenario} (kite server / ws server)`, row.ratio, 0.8);
  return list;
}

function ratioText(r: number | null): string {
  return r === null || !Number.isFinite(r) ? "-" : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

/** The targets as Markdown table lines (none when the run measured none of them). */
export function targetsTable(list: readonly Target[]): string[] {
  if (list.length === 0) return [];
  const lines = ["| target | figure | limit | floor (raw TCP) | |", "|---|---:|---:|---:|---|"];
  for (const t of list) {
    const mb = (v: number | null): string => (v === null ? "-" : `${v.toFixed(0)} MB`);
    const figure = t.unit === "MB" ? mb(t.value) : ratioText(t.value);
    const floor = t.floor === null ? "" : t.unit === "MB" ? mb(t.floor) : ratioText(t.floor);
    const limit = t.unit === "MB" ? `< ${t.limit} MB` : `${t.atLeast === true ? ">=" : "<="} ${t.limit}x`;
    lines.push(`| ${t.name} | ${figure} | ${limit} | ${floor} | ${t.met === null ? "n/a" : t.met ? "met" : "**missed**"} |`);
  }
  return lines;
}
