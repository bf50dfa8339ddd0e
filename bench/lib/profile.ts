/**
 * `npm run bench -- --profile`: runs clients (kite-ws, its callback variant and `ws` + bufferutil by
 * default; `--clients` to choose) under `node --cpu-prof` in the 32 B and 64 KiB scenarios (or those
 * `--only` names, rpc1 and rpc64 included) against each echo server, and sums the profiles' self time
 * by function and by area. Writes profile.md next to the other results.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runClient, ServerProcess } from "./processes.js";
import { scenarios } from "./scenarios.js";
import { CLIENT_NAMES, SERVER_NAMES } from "./scenarios.js";
import type { ClientId, RunSpec, ServerKind } from "./types.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

export interface ProfileSummary {
  readonly title: string;
  readonly totalMs: number;
  readonly idleMs: number;
  readonly functions: { name: string; where: string; ms: number; share: number }[];
  readonly areas: { area: string; ms: number; share: number }[];
}

function where(url: string): string {
  if (url === "") return "";
  const build = url.indexOf("/build-bench/");
  if (build >= 0) return url.slice(build + "/build-bench/".length).replace(/\.js$/, ".ts");
  const modules = url.indexOf("/node_modules/");
  if (modules >= 0) return url.slice(modules + 1);
  return url;
}

function area(name: string, url: string): string {
  if (name.startsWith("(") && url === "") return name;
  const path = where(url);
  if (path.startsWith("src/")) return `kite-ws ${path.split("/").slice(0, 2).join("/")}/`;
  if (path.startsWith("bench/")) return "bench harness";
  if (path.startsWith("node:internal/")) {
    const part = path.slice("node:internal/".length).split("/")[0].replace(/\.js$/, "");
    return `node: ${part}`;
  }
  if (path.startsWith("node:")) return `node: ${path.slice(5)}`;
  if (path === "") return `native: ${name || "(anonymous)"}`;
  return path;
}

export function summarize(title: string, profile: CpuProfile, top = 15): ProfileSummary {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byArea = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    total += us;
    const name = functionName || "(anonymous)";
    const place = url ? `${where(url)}:${lineNumber + 1}` : "";
    const key = `${name}@${place}`;
    const entry = byFunction.get(key) ?? { name, where: place, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    const a = area(functionName, url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const functions = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((f) => ({ name: f.name, where: f.where, ms: f.us / 1000, share: f.us / total }));
  const areas = [...byArea.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ area: name, ms: us / 1000, share: us / total }));
  return { title, totalMs: total / 1000, idleMs: idle / 1000, functions, areas };
}

function markdown(summaries: ProfileSummary[]): string {
  const lines = ["### CPU profiles (self time)", ""];
  lines.push(
    "Client sections first, then servers. Whole process, start to exit, under `node --cpu-prof` (the measured part dominates). Line numbers are those of the compiled " +
      "JavaScript in build-bench/ (`.ts` path shown). Shares are of the non-idle samples. Time in a syscall (e.g. `writeBuffer`, " +
      "a socket write) counts for the native function that made it; the self time of an `async` function includes resuming it after `await`.",
  );
  for (const s of summaries) {
    lines.push("", `#### ${s.title}: ${s.totalMs.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle`, "");
    lines.push("| function | where | self ms | share |", "|---|---|---:|---:|");
    for (const f of s.functions) lines.push(`| ${f.name} | ${f.where} | ${f.ms.toFixed(1)} | ${(f.share * 100).toFixed(1)}% |`);
    lines.push("", "| area | self ms | share |", "|---|---:|---:|");
    for (const a of s.areas) lines.push(`| ${a.area} | ${a.ms.toFixed(1)} | ${(a.share * 100).toFixed(1)}% |`);
  }
  return lines.join("\n");
}

export async function profileClients(
  clients: readonly ClientId[],
  servers: ReadonlyMap<ServerKind, ServerProcess>,
  quick: boolean,
  profileDir: string,
  outDir: string | null,
  only: readonly string[] | null = null,
): Promise<void> {
  const summaries: ProfileSummary[] = [];
  const ids = only ?? ["text32", "bin64k"];
  for (const scenario of scenarios(quick, 1, false).filter((s) => ids.includes(s.id))) {
    for (const [kind, server] of servers) {
      for (const client of clients) {
      if (!scenario.clients.includes(client)) continue;
      const dir = join(profileDir, `${scenario.id}-${client}-${kind}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const spec: RunSpec = {
        client,
        mode: scenario.mode === "rpc" ? "rpc" : "pipeline",
        url: server.url(scenario.deflate, scenario.path),
        deflate: scenario.deflate,
        payload: scenario.payload,
        count: scenario.count * 2,
        warmup: scenario.warmup,
        window: scenario.window,
        timeLimitMs: scenario.timeLimitMs * 2,
        connections: 0,
        openBatch: 0,
      };
      const env = client === "ws" ? { WS_NO_BUFFER_UTIL: "1", WS_NO_UTF_8_VALIDATE: "1" } : {};
      const run = await runClient(spec, server, { env, execArgv: ["--cpu-prof", `--cpu-prof-dir=${dir}`], timeoutMs: 4 * scenario.timeLimitMs + 30_000 });
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (run.result === null || file === undefined) {
        console.log(`  ${scenario.id} ${client} vs ${kind}: no profile (${run.error ?? "no file"})`);
        continue;
      }
      const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
      const r = run.result;
      const cpuMs = (r.cpuUserUs + r.cpuSystemUs) / 1000;
      const unit = scenario.mode === "rpc" ? "call" : "message";
      const title =
        `${CLIENT_NAMES[client]}: ${scenario.title}, vs ${SERVER_NAMES[kind]} ` +
        `(${r.messages.toLocaleString("en-US")} ${unit}s measured, ${((cpuMs * 1000) / r.messages).toFixed(2)} µs CPU/${unit === "message" ? "msg" : unit}, ${(r.cpuSystemUs / 1000).toFixed(0)} of ${cpuMs.toFixed(0)} ms in the kernel)`;
      summaries.push(summarize(title, profile));
      console.log(`  profiled ${scenario.id} ${client} vs ${kind}: ${join(dir, file)}`);
      }
    }
  }
  // The kite server and the ws server, each echoing for the raw client (which cannot deflate): one fresh server per scenario.
  for (const scenario of scenarios(quick, 1, false).filter((s) => ids.includes(s.id) && !s.deflate && s.mode === "pipeline")) {
    for (const kind of ["kite", "ws"] as const) {
      const dir = join(profileDir, `${scenario.id}-server-${kind}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const server = await ServerProcess.start(kind, ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
      const spec: RunSpec = {
        client: "raw",
        mode: "pipeline",
        url: server.url(false),
        deflate: false,
        payload: scenario.payload,
        count: scenario.count * 2,
        warmup: scenario.warmup,
        window: scenario.window,
        timeLimitMs: scenario.timeLimitMs * 2,
        connections: 0,
        openBatch: 0,
      };
      const run = await runClient(spec, server, { timeoutMs: 4 * scenario.timeLimitMs + 30_000 });
      await server.exit();
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (run.result === null || run.server === null || file === undefined) {
        console.log(`  ${scenario.id} ${kind} server: no profile (${run.error ?? "no file"})`);
        continue;
      }
      const r = run.result;
      const cpuUs = run.server.end.cpu.user + run.server.end.cpu.system - run.server.start.cpu.user - run.server.start.cpu.system;
      const systemUs = run.server.end.cpu.system - run.server.start.cpu.system;
      const title =
        `${SERVER_NAMES[kind]} echoing for the raw client: ${scenario.title} ` +
        `(${r.messages.toLocaleString("en-US")} messages measured, ${(cpuUs / r.messages).toFixed(2)} µs server CPU/msg, ${(systemUs / 1000).toFixed(0)} of ${(cpuUs / 1000).toFixed(0)} ms in the kernel)`;
      summaries.push(summarize(title, JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile));
      console.log(`  profiled the ${kind} server in ${scenario.id}: ${join(dir, file)}`);
    }
  }
  const md = markdown(summaries);
  console.log(`\n${md}`);
  if (outDir !== null) writeFileSync(join(outDir, "profile.md"), md + "\n");
}
