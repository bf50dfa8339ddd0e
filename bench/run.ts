/**
 * `npm run bench`: kite-ws against `ws` (with and without its native addons), undici's WebSocket and
 * a raw-TCP floor, each client in its own process, interleaved round by round, against echo servers
 * in other processes (`ws`'s own, and kite-ws's `serve()`, which batches its writes). Writes
 * bench/results/latest.{json,md,svg}.
 *
 *   npm run bench                      # the full run (~10 min on 2 cores)
 *   npm run bench -- --quick           # a short run (< 1 min)
 *   npm run bench -- --only text32,bin64k --rounds 5
 *   npm run bench -- --batch-server    # also against the minimal batching echo in bench/lib
 *   npm run bench -- --profile         # clients under --cpu-prof (32 B and 64 KiB), summarized in profile.md
 *
 * Options: --quick, --rounds N, --only ids, --clients ids, --batch-server, --profile, --out DIR,
 * --no-write (print only), --no-pin (no taskset), --render FILE (rewrite the .md and .svg from a
 * latest.json, running nothing). Scenario ids: text32 latency bin64k bin16m deflate idle2k idle10k
 * rpc1 rpc64 (JSON-RPC calls, one and 64 in flight: kite-ws's JsonRpcClient against a hand-written
 * id map over `ws`).
 */
import { cpus, loadavg, release, totalmem, type as osType } from "node:os";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { nodeFor } from "./lib/runtimes.js";
import { guardChildren, killAll, pinned, runClient, ServerProcess, setPinning, type ClientRun } from "./lib/processes.js";
import { ALL_CLIENTS, CLIENT_NAMES, SERVER_NAMES, METRIC_UNITS, scenarios, type Scenario } from "./lib/scenarios.js";
import { cell, figures, type Cell, type RunFigures } from "./lib/stats.js";
import { updateReadme, writeReports, type Machine, type Report } from "./lib/report.js";
import { profileClients } from "./lib/profile.js";
import type { ClientId, RunSpec, ServerKind } from "./lib/types.js";

interface Options {
  quick: boolean;
  rounds: number;
  only: string[] | null;
  clients: ClientId[] | null;
  batchServer: boolean;
  profile: boolean;
  out: string;
  write: boolean;
  pin: boolean;
  render: string | null;
}

const REPO = resolve(fileURLToPath(new URL("../../", import.meta.url)));

const DEFAULT_OUT = join(REPO, "bench", "results");

function parseOptions(argv: string[]): Options {
  const options: Options = {
    quick: false,
    rounds: 0,
    only: null,
    clients: null,
    batchServer: false,
    profile: false,
    out: DEFAULT_OUT,
    write: true,
    pin: true,
    render: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--quick") options.quick = true;
    else if (arg === "--rounds") options.rounds = Math.max(1, Number.parseInt(value(), 10) || 1);
    else if (arg === "--only") options.only = value().split(",");
    else if (arg === "--clients") options.clients = value().split(",") as ClientId[];
    else if (arg === "--batch-server") options.batchServer = true;
    else if (arg === "--profile") options.profile = true;
    else if (arg === "--out") options.out = resolve(value());
    else if (arg === "--no-write") options.write = false;
    else if (arg === "--no-pin") options.pin = false;
    else if (arg === "--render") options.render = resolve(value());
    else if (arg === "--help" || arg === "-h") {
      console.log("usage: npm run bench -- [--quick] [--rounds N] [--only ids] [--clients ids] [--batch-server] [--profile] [--out DIR] [--no-write] [--no-pin] [--render FILE]");
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (try --help)`);
  }
  if (options.rounds === 0) options.rounds = options.quick ? 1 : 3;
  if (options.clients) for (const c of options.clients) if (!ALL_CLIENTS.includes(c)) throw new Error(`unknown client ${c}; known: ${ALL_CLIENTS.join(", ")}`);
  return options;
}

function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    node: process.version,
    os: `${osType()} ${release()}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    date: new Date().toISOString(),
    loadBefore: loadavg()[0],
    loadAfter: NaN,
  };
}

/** What a client process's environment must say about `ws`'s native addons. */
function clientEnv(client: ClientId): NodeJS.ProcessEnv {
  if (client === "ws") return { WS_NO_BUFFER_UTIL: "1", WS_NO_UTF_8_VALIDATE: "1" };
  return { WS_NO_BUFFER_UTIL: undefined, WS_NO_UTF_8_VALIDATE: undefined };
}

function rotate<T>(list: readonly T[], by: number): T[] {
  const n = list.length;
  return list.map((_, i) => list[(i + by) % n]);
}

function format(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function progress(scenario: Scenario, round: number, client: ClientId, server: ServerKind, run: ClientRun, f: RunFigures | null): void {
  const label = `  ${scenario.id} r${round + 1} ${CLIENT_NAMES[client].padEnd(19)} -> ${SERVER_NAMES[server].padEnd(22)}`;
  if (f === null) {
    console.log(`${label} ${run.error ?? "no result"}`);
    return;
  }
  const parts = scenario.metrics.map((m) => `${format(f.metrics[m])} ${METRIC_UNITS[m].unit || METRIC_UNITS[m].label}`.trim());
  const serverCpu = scenario.mode === "idle" ? f.server.kibPerConn : f.server.cpuPerMsg;
  const unit = scenario.mode === "idle" ? "KiB/conn" : "µs/msg";
  console.log(`${label} ${parts.join("  ")}   [server ${format(serverCpu)} ${unit}] ${(run.lifeMs / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.render !== null) {
    const report = JSON.parse(readFileSync(options.render, "utf8")) as Report;
    console.log(writeReports(report, options.write ? options.out : null));
    if (options.write && !report.run.quick && updateReadme(report, join(REPO, "README.md"))) console.log("README.md: bench section updated");
    return;
  }
  guardChildren();
  setPinning(options.pin);
  const kite = (await import("../src/index.js")) as Record<string, unknown>;
  const deflateAvailable = kite["WebSocketDeflateExtension"] !== undefined;
  const started = Date.now();
  const info = machine();
  if (info.loadBefore > 1) {
    console.log(`warning: load average ${info.loadBefore.toFixed(1)} before the bench: other work on this machine will skew the figures`);
  }
  console.log(
    `kite-ws bench: ${info.cpu}, ${info.cores} cores, Node ${info.node}, ${options.quick ? "quick" : "full"} run, ${options.rounds} round(s), ` +
      (pinned() ? "clients on CPU 0, servers on CPU 1" : "no CPU pinning"),
  );

  const kinds: ServerKind[] = options.batchServer ? ["ws", "kite", "batch"] : ["ws", "kite"];
  const shared = new Map<ServerKind, ServerProcess>();
  for (const kind of kinds) shared.set(kind, await ServerProcess.start(kind));

  if (options.profile) {
    mkdirSync(options.out, { recursive: true });
    const clients = options.clients ?? ["kite", "kite-cb", "ws-bu"];
    await profileClients(clients, shared, options.quick, join(REPO, "build-bench", "profiles"), options.write ? options.out : null, options.only);
    for (const server of shared.values()) await server.stop();
    killAll();
    return;
  }

  let list = scenarios(options.quick, options.rounds, options.batchServer);
  if (options.only) list = list.filter((s) => options.only!.includes(s.id));
  const cells: Cell[] = [];
  for (const scenario of list) {
    const clients = scenario.clients.filter((c) => options.clients === null || options.clients.includes(c));
    console.log(`\n${scenario.title}`);
    const runs = new Map<string, RunFigures[]>();
    const notes = new Map<string, string>();
    const negotiated = new Map<string, string>();
    const key = (client: ClientId, server: ServerKind): string => `${client}@${server}`;
    for (let round = 0; round < scenario.rounds; round++) {
      for (const client of rotate(clients, round)) {
        for (const server of rotate(scenario.servers, round)) {
          const k = key(client, server);
          if (scenario.mode === "fanout" && client === "raw" && server !== "ws") {
            notes.set(k, "n/a: the fan-out floor is measured on ws's server (a pre-built frame per socket)");
            continue;
          }
          if (scenario.deflate && client === "raw") {
            notes.set(k, "n/a: the floor sends pre-built frames, no compression");
            continue;
          }
          if (scenario.deflate && (client === "kite" || client === "kite-cb") && !deflateAvailable) {
            notes.set(k, "n/a: WebSocketDeflateExtension is not exported yet");
            continue;
          }
          if (scenario.deflate && shared.get(server)?.ports.deflate === null) {
            notes.set(k, `n/a: the ${SERVER_NAMES[server]} has no permessage-deflate yet`);
            continue;
          }
          if (notes.has(k)) continue;
          let node: string;
          try {
            node = nodeFor(client, REPO);
          } catch (error) {
            notes.set(k, (error as Error).message);
            continue;
          }
          const fresh = scenario.freshServer;
          const target = fresh ? await ServerProcess.start(server) : shared.get(server)!;
          const spec: RunSpec = {
            client,
            mode: scenario.mode,
            url: target.url(scenario.deflate, scenario.path),
            deflate: scenario.deflate,
            payload: scenario.payload,
            count: scenario.count,
            warmup: scenario.warmup,
            window: scenario.window,
            timeLimitMs: scenario.timeLimitMs,
            connections: scenario.connections,
            openBatch: scenario.openBatch,
          };
          const run = await runClient(spec, target, {
            env: clientEnv(client),
            node,
            execArgv: scenario.mode === "idle" ? ["--expose-gc"] : [],
            timeoutMs: scenario.mode === "idle" ? 180_000 : 2 * scenario.timeLimitMs + 30_000,
          });
          if (fresh) await target.stop();
          const addons = run.result?.addons;
          if (client === "ws-bu" && addons && !addons.bufferutil) throw new Error("the ws + bufferutil client did not load bufferutil");
          if (client === "ws" && addons && (addons.bufferutil || addons.utf8validate)) throw new Error("the ws (no addons) client loaded a native addon");
          if (run.result?.negotiated) negotiated.set(k, run.result.negotiated);
          const f = figures(scenario, run);
          progress(scenario, round, client, server, run, f);
          if (f === null) {
            const error = run.error ?? "no result";
            notes.set(k, error.startsWith("n/a") ? error : `error: ${error}`);
            continue;
          }
          runs.set(k, [...(runs.get(k) ?? []), f]);
        }
      }
    }
    for (const client of clients) {
      for (const server of scenario.servers) {
        const k = key(client, server);
        cells.push(cell(scenario, client, server, runs.get(k) ?? [], runs.has(k) ? null : (notes.get(k) ?? "no result"), negotiated.get(k)));
      }
    }
  }
  for (const server of shared.values()) await server.stop();

  const report: Report = {
    machine: { ...info, loadAfter: loadavg()[0] },
    run: {
      quick: options.quick,
      rounds: options.rounds,
      seconds: Math.round((Date.now() - started) / 1000),
      deflateAvailable,
      servers: kinds,
      pinned: pinned(),
    },
    scenarios: list.map((s) => ({
      id: s.id,
      title: s.title,
      metrics: [...s.metrics],
      servers: [...s.servers],
      clients: s.clients.filter((c) => options.clients === null || options.clients.includes(c)),
      count: s.count,
      window: s.window,
      payload: s.payload,
      connections: s.connections,
    })),
    cells,
  };
  const markdown = writeReports(report, options.write ? options.out : null);
  // Only a full run of every scenario speaks for the README.
  const full = !options.quick && options.only === null && options.clients === null && options.out === DEFAULT_OUT;
  if (options.write && full && updateReadme(report, join(REPO, "README.md"))) console.log("README.md: bench section updated");
  console.log(`\n${markdown}`);
  if (options.write) console.log(`\nwritten: ${join(options.out, "latest.json")}, latest.md, latest.svg (${report.run.seconds} s)`);
}

main().then(
  () => {
    killAll();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    killAll();
    process.exit(1);
  },
);
