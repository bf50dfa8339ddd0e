/** The bench's outputs: latest.json (everything), latest.md (tables) and latest.svg (a ratio chart). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASELINE, CLIENT_NAMES, METRIC_UNITS, SERVER_NAMES, type MetricId } from "./scenarios.js";
import type { Cell } from "./stats.js";
import { CHART_LIMITS, find, ratio, targets, targetsTable } from "./targets.js";
import type { ClientId, Payload, ServerKind } from "./types.js";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
  readonly date: string;
  /** 1-minute load average when the bench started and when it ended (other work skews the figures). */
  readonly loadBefore: number;
  readonly loadAfter: number;
}

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly metrics: MetricId[];
  readonly servers: ServerKind[];
  readonly clients: ClientId[];
  readonly count: number;
  readonly window: number;
  readonly payload: Payload;
  readonly connections: number;
}

export interface Report {
  readonly machine: Machine;
  readonly run: {
    readonly quick: boolean;
    readonly rounds: number;
    readonly seconds: number;
    readonly deflateAvailable: boolean;
    readonly servers: ServerKind[];
    readonly pinned: boolean;
  };
  readonly scenarios: ScenarioInfo[];
  readonly cells: Cell[];
}

export interface ServerRow {
  readonly scenario: string;
  /** A few words for the chart. */
  readonly short: string;
  readonly metric: string;
  readonly unit: string;
  readonly values: Partial<Record<ServerKind, number>>;
  /** kite server / ws server. */
  readonly ratio: number | null;
}

/** The server bench: each server echoing for the raw batched client. */
export function serverBench(report: Report): ServerRow[] {
  const rows: ServerRow[] = [];
  const kinds = report.run.servers;
  const pick = (scenario: string, metric: "cpuPerMsg" | "cpuPerMiB" | "kibPerConn", label: string, unit: string, short: string): void => {
    const values: Partial<Record<ServerKind, number>> = {};
    for (const kind of kinds) {
      const v = find(report.cells, scenario, "raw", kind)?.serverMetrics[metric];
      if (v !== undefined && Number.isFinite(v)) values[kind] = v;
    }
    if (Object.keys(values).length === 0) return;
    const title = report.scenarios.find((s) => s.id === scenario)?.title ?? scenario;
    rows.push({
      scenario: title,
      short,
      metric: label,
      unit,
      values,
      ratio: values.kite !== undefined && values.ws ? values.kite / values.ws : null,
    });
  };
  pick("text32", "cpuPerMsg", "server CPU per message", "µs", "CPU per message, 32 B");
  pick("bin64k", "cpuPerMiB", "server CPU per MiB", "ms", "CPU per MiB, 64 KiB");
  pick("bin16m", "cpuPerMiB", "server CPU per MiB", "ms", "CPU per MiB, 16 MiB");
  pick("idle2k", "kibPerConn", "server RSS per idle connection", "KiB", "RSS per idle connection");
  return rows;
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function ratioText(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "";
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.date.slice(0, 16).replace("T", " ")} UTC`;
}

export function markdown(report: Report): string {
  const { machine: m, run } = report;
  const lines: string[] = [];
  lines.push(`### kite-ws bench (${run.quick ? "quick" : "full"} run)`);
  lines.push("");
  lines.push(
    `Machine: ${machineLine(m)}. ${run.rounds} round(s), interleaved; figures are medians over rounds; ${run.seconds} s in all; ` +
      `${run.pinned ? "each client process pinned to CPU 0 and each server process to CPU 1 (taskset)" : "no CPU pinning"}.`,
  );
  lines.push(
    "Each cell: the figure, then its ratio to `ws` + bufferutil against the same server. CPU is the client process's user+sys time in the measured part. " +
      `Load average ${m.loadBefore.toFixed(2)} at the start, ${m.loadAfter.toFixed(2)} at the end.`,
  );
  lines.push("");
  const clients = [...new Set(report.scenarios.flatMap((s) => s.clients))].sort((a, b) => order(a) - order(b));
  lines.push(`| scenario | server | metric | ${clients.map((c) => CLIENT_NAMES[c]).join(" | ")} |`);
  lines.push(`|---|---|---|${clients.map(() => "---:").join("|")}|`);
  for (const s of report.scenarios) {
    for (const server of s.servers) {
      for (const metric of s.metrics) {
        const unit = METRIC_UNITS[metric];
        const cellsText = clients.map((client) => {
          if (!s.clients.includes(client)) return "";
          const c = find(report.cells, s.id, client, server);
          if (!c || c.note) return c?.note?.startsWith("n/a") ? "n/a" : "error";
          const v = c.metrics[metric];
          const r = ratio(report.cells, s.id, client, server, metric);
          return `${num(v)} (${ratioText(r)})`;
        });
        const label = `${unit.label}${unit.unit ? `, ${unit.unit}` : ""}${unit.lowerIsBetter ? "" : " ↑"}`;
        lines.push(`| ${s.title} | ${SERVER_NAMES[server]} | ${label} | ${cellsText.join(" | ")} |`);
      }
    }
  }
  const rows = serverBench(report);
  if (rows.length > 0) {
    lines.push("");
    lines.push("#### Server bench: each server echoing for the raw batched client");
    lines.push("");
    const kinds = run.servers;
    lines.push(`| scenario | metric | ${kinds.map((k) => SERVER_NAMES[k]).join(" | ")} | kite / ws |`);
    lines.push(`|---|---|${kinds.map(() => "---:").join("|")}|---:|`);
    for (const row of rows) {
      lines.push(`| ${row.scenario} | ${row.metric}, ${row.unit} | ${kinds.map((k) => num(row.values[k])).join(" | ")} | ${ratioText(row.ratio)} |`);
    }
  }
  const table = targetsTable(targets(report, serverBench(report)));
  if (table.length > 0) {
    lines.push("");
    lines.push("#### Targets: kite-ws / `ws` + bufferutil in this run (the floor: the raw TCP client on the same scale)");
    lines.push("");
    lines.push(...table);
  }
  const notes = report.cells.filter((c) => c.note && !c.note.startsWith("n/a"));
  const na = new Map<string, Set<string>>();
  for (const c of report.cells) {
    if (!c.note?.startsWith("n/a")) continue;
    const who = na.get(c.note.slice(5)) ?? new Set<string>();
    who.add(CLIENT_NAMES[c.client]);
    na.set(c.note.slice(5), who);
  }
  const noisy = report.cells.filter((c) => c.rounds > 1 && c.spread > 0.15);
  const negotiated = [...new Set(report.cells.filter((c) => c.scenario === "deflate" && c.negotiated).map((c) => `${CLIENT_NAMES[c.client]}: \`${c.negotiated}\``))];
  lines.push("");
  lines.push("Notes:");
  lines.push("- raw TCP floor: pre-built masked frames, the echoes of one read answered with one write, payloads not even looked at.");
  lines.push("- kite-ws (callback): the same session with its frames handed to a function instead of `incoming` (an internal hook), the yardstick for the `for await` path.");
  lines.push("- ws (no addons) runs with WS_NO_BUFFER_UTIL=1 and WS_NO_UTF_8_VALIDATE=1, checked in its process; on Node >= 18.14 `ws` validates UTF-8 with `buffer.isUtf8`, so utf-8-validate is loaded by neither `ws` client and only bufferutil (masking) differs.");
  lines.push("- CPU per MiB counts MiB of payload echoed (sent and received back once). Idle memory: RSS growth after a GC divided by the connections opened; 100 connections (a tenth of the count when smaller) are opened and kept before the baseline, for client and server alike.");
  if (report.scenarios.some((s) => s.id === "rpc1" || s.id === "rpc64")) {
    lines.push(
      "- JSON-RPC calls: kite-ws is its `JsonRpcClient` (`timeout: \"30s\"`) over a CIO session; both `ws` columns are a hand-written id map over `ws` " +
        "(`JSON.parse`, a `Map` from id to promise, a `setTimeout` per call cleared on the answer), the baseline of the ratios. The peer is each server's `/rpc` route, answering with the params.",
    );
  }
  if (negotiated.length > 0) lines.push(`- permessage-deflate negotiated: ${negotiated.join("; ")}.`);
  for (const [why, who] of na) lines.push(`- n/a (${[...who].join(", ")}): ${why}.`);
  for (const c of notes) lines.push(`- ${CLIENT_NAMES[c.client]} vs ${SERVER_NAMES[c.server]} in ${c.scenario}: ${c.note}`);
  if (noisy.length > 0) {
    lines.push(`- Spread over rounds above 15%: ${noisy.map((c) => `${CLIENT_NAMES[c.client]}/${c.server}/${c.scenario} ${(c.spread * 100).toFixed(0)}%`).join(", ")}.`);
  }
  return lines.join("\n");
}

const README_START = "<!-- bench:start -->";
const README_END = "<!-- bench:end -->";

/**
 * Rewrites the README's bench section (between its two markers) with the machine and the targets of
 * a full run, so the README always shows the figures of the last full run next to its chart.
 * Returns false when the README has no such section.
 */
export function updateReadme(report: Report, readmePath: string): boolean {
  const text = readFileSync(readmePath, "utf8");
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return false;
  const section = [
    README_START,
    `Last full run (${report.run.seconds} s, ${report.run.rounds} rounds): ${machineLine(report.machine)}. ` +
      "Ratios are kite-ws / `ws` + bufferutil in the same run; lower is better.",
    "",
    ...targetsTable(targets(report, serverBench(report))),
    "",
  ];
  writeFileSync(readmePath, text.slice(0, start) + section.join("\n") + text.slice(end));
  return true;
}

function order(client: ClientId): number {
  return ["raw", "kite", "kite-cb", "ws-bu", "ws", "undici", "undici8"].indexOf(client);
}

const COLORS: Record<ClientId, string> = {
  raw: "#9e9e9e",
  kite: "#1f77b4",
  "kite-cb": "#6baed6",
  "ws-bu": "#000000",
  ws: "#ff7f0e",
  undici: "#2ca02c",
  undici8: "#98df8a",
};

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A horizontal bar chart of ratios to ws + bufferutil on a log scale centred on 1x. */
export function svg(report: Report): string {
  interface Group {
    title: string;
    bars: { label: string; color: string; ratio: number | null; text: string }[];
    /** kite-ws's target for this group, drawn as a dashed red line. */
    limit?: number;
  }
  const groups: Group[] = [];
  for (const s of report.scenarios) {
    const metric = s.metrics[0];
    for (const server of s.servers) {
      const bars = s.clients
        .filter((c) => c !== BASELINE)
        .sort((a, b) => order(a) - order(b))
        .map((client) => {
          const c = find(report.cells, s.id, client, server);
          const r = ratio(report.cells, s.id, client, server, metric);
          return { label: CLIENT_NAMES[client], color: COLORS[client], ratio: r, text: c?.note?.startsWith("n/a") ? "n/a" : ratioText(r) || "-" };
        });
      groups.push({ title: `${s.title} · ${SERVER_NAMES[server]} · ${METRIC_UNITS[metric].label}`, bars, limit: CHART_LIMITS[s.id]?.(server) });
    }
  }
  const rows = serverBench(report).filter((r) => r.ratio !== null);
  const bar = (r: ServerRow): Group["bars"][number] => ({ label: r.short, color: "#1f77b4", ratio: r.ratio, text: ratioText(r.ratio) });
  const cpuRows = rows.filter((r) => r.unit !== "KiB");
  const memoryRows = rows.filter((r) => r.unit === "KiB");
  if (cpuRows.length > 0) groups.push({ title: "Server bench: kite server / ws server, echoing for the raw batched client", bars: cpuRows.map(bar), limit: 0.8 });
  if (memoryRows.length > 0) groups.push({ title: "Server bench: kite server / ws server, idle connections", bars: memoryRows.map(bar), limit: 0.8 });
  const width = 980;
  const labelWidth = 300;
  const plotLeft = labelWidth + 10;
  const plotWidth = width - plotLeft - 70;
  const barHeight = 13;
  const barGap = 3;
  const groupGap = 12;
  const titleHeight = 16;
  const top = 70;
  const min = Math.log2(1 / 16);
  const max = Math.log2(16);
  const x = (r: number): number => plotLeft + ((Math.log2(Math.min(16, Math.max(1 / 16, r))) - min) / (max - min)) * plotWidth;
  let height = top;
  for (const g of groups) height += titleHeight + g.bars.length * (barHeight + barGap) + groupGap;
  height += 30;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">kite-ws bench: ratio to ws + bufferutil (log scale; left of 1x is better)</text>`);
  out.push(`<text x="10" y="38" fill="#555">${escapeXml(machineLine(report.machine))} · ${report.run.quick ? "quick" : "full"} run, ${report.run.rounds} round(s)</text>`);
  for (const tick of [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8, 16]) {
    const tx = x(tick).toFixed(1);
    out.push(`<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${height - 25}" stroke="${tick === 1 ? "#000" : "#ddd"}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`);
    out.push(`<text x="${tx}" y="${top - 12}" text-anchor="middle" fill="#555">${tick < 1 ? `1/${1 / tick}` : tick}x</text>`);
  }
  let y = top;
  for (const g of groups) {
    out.push(`<text x="10" y="${y + 11}" font-weight="bold">${escapeXml(g.title)}</text>`);
    y += titleHeight;
    if (g.limit !== undefined) {
      const lx = x(g.limit).toFixed(1);
      const bottom = y + g.bars.length * (barHeight + barGap) - barGap;
      out.push(`<line x1="${lx}" y1="${y - 2}" x2="${lx}" y2="${bottom + 2}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    }
    for (const bar of g.bars) {
      out.push(`<text x="${labelWidth}" y="${y + barHeight - 3}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      if (bar.ratio !== null && Number.isFinite(bar.ratio)) {
        const x0 = x(1);
        const x1 = x(bar.ratio);
        const left = Math.min(x0, x1);
        const w = Math.max(1, Math.abs(x1 - x0));
        out.push(`<rect x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${bar.color}"/>`);
        const tx = bar.ratio >= 1 ? x1 + 4 : x1 - 4;
        out.push(`<text x="${tx.toFixed(1)}" y="${y + barHeight - 3}" text-anchor="${bar.ratio >= 1 ? "start" : "end"}">${bar.text}</text>`);
      } else {
        out.push(`<text x="${(x(1) + 4).toFixed(1)}" y="${y + barHeight - 3}" fill="#888">${bar.text}</text>`);
      }
      y += barHeight + barGap;
    }
    y += groupGap;
  }
  out.push(
    `<text x="10" y="${height - 8}" fill="#555">CPU = client process user+sys time; memory = RSS per idle connection; ` +
      `dashed red = kite-ws's target. Written by npm run bench (bench/run.ts).</text>`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/** Writes latest.json, latest.md and latest.svg into `dir` (unless null); returns the Markdown. */
export function writeReports(report: Report, dir: string | null): string {
  const md = markdown(report);
  if (dir !== null) {
    mkdirSync(dir, { recursive: true });
    const json = { ...report, serverBench: serverBench(report), targets: targets(report, serverBench(report)) };
    writeFileSync(join(dir, "latest.json"), JSON.stringify(json, null, 2) + "\n");
    writeFileSync(join(dir, "latest.md"), md + "\n");
    writeFileSync(join(dir, "latest.svg"), svg(report));
  }
  return md;
}
