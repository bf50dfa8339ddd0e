// The cross-runtime matrix (issue #23): every case of scenarios.ts on Node.js 20 (the project's own),
// 22, 24 and 26, Bun and Deno, each from runtimes/package.json's pins. Prints the matrix to the log,
// fails on any failure, and checks that the README's "Runtimes" table and engine table say what the
// matrix found.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, columnName, failures, matrixText, runMatrix, runtimesTable, tableIn, type RuntimeRun } from "./matrix.js";

const linuxX64 = process.platform === "linux" && process.arch === "x64";
const projectNode20 = process.versions.node.split(".")[0] === "20";
let runs: RuntimeRun[] | undefined;

test("every case passes on every runtime", { timeout: 150_000, skip: linuxX64 ? false : "runtimes/ pins Linux x64 binaries" }, async () => {
  const started = performance.now();
  runs = await runMatrix();
  console.log(`runtime matrix (${runs.length} runtimes, ${Math.round(performance.now() - started)} ms):\n${matrixText(runs)}`);
  const found = failures(runs);
  assert.deepEqual(found, [], `the matrix failed:\n${found.join("\n\n")}`);
  // Not vacuous: every runtime ran every case of the list, and each kind of runtime ran.
  const counts = new Set(runs.map((run) => run.results.length));
  assert.equal(counts.size, 1, `runtimes ran different numbers of cases: ${[...counts].join(", ")}`);
  assert.ok(runs[0].results.length >= 12, `only ${runs[0].results.length} cases ran`);
  assert.deepEqual(new Set(runs.map((run) => run.results[0].runtime)), new Set(["node", "bun", "deno"]));
});

test("README's Runtimes table is the matrix's", { skip: linuxX64 && projectNode20 ? false : "the README's table is for Node.js 20 on Linux x64" }, (t) => {
  if (runs === undefined || failures(runs).length > 0) return t.skip("the matrix did not pass");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = tableIn(readme);
  assert.notEqual(table, null, "README.md has no generated Runtimes table: run `node scripts/runtimes-matrix.mjs --update`");
  assert.equal(table, runtimesTable(runs), "README.md's Runtimes table is out of date: run `node scripts/runtimes-matrix.mjs --update`");
});

/** The README engine table's "runs on" cell of `engine`. */
function runsOn(readme: string, engine: string): string {
  const row = readme.split("\n").find((line) => line.startsWith(`| \`${engine}\``));
  assert.ok(row !== undefined, `README.md's engine table has no ${engine} row`);
  return row.split(" | ")[2];
}

test("README's engine table claims the runtimes the matrix passed, for CIO and Platform", (t) => {
  if (runs === undefined || failures(runs).length > 0) return t.skip("the matrix did not pass");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const passed = (area: string, kind: string) =>
    runs!.filter((run) => run.runtime.runtime === kind && run.results.some((result) => result.area === area && result.status === "pass"));
  const claims: [string, string, string][] = [
    ["CIO", "CIO", "Bun"],
    ["CIO", "CIO", "Deno"],
    ["Platform", "Platform", "Bun"],
    ["Platform", "Platform", "Deno"],
  ];
  for (const [engine, area, name] of claims) {
    if (passed(area, name.toLowerCase()).length > 0) assert.match(runsOn(readme, engine), new RegExp(name), `${engine} passes on ${name}: its row should say so`);
  }
  // Node.js: the lowest major on which every case of the area passed, written "Node.js <major>+".
  for (const [engine, area] of [["CIO", "CIO"], ["Platform", "Platform"]]) {
    const majors = passed(area, "node").map((run) => Number(columnName(run).split(" ")[1].split(".")[0]));
    assert.match(runsOn(readme, engine), new RegExp(`Node\\.js ${Math.min(...majors)}\\+`), `${engine}'s row should say Node.js ${Math.min(...majors)}+`);
  }
});
