// Runs the cross-runtime cases on whichever runtime loads it: `node`, `bun` or `deno run` of
// build/test/runtimes/runner.js. One line per case on stdout, prefixed by RESULT_PREFIX, a JSON
// CaseResult; anything else the runtime prints is ignored by the matrix. Exits 0 once every case has
// run (the matrix judges the results), 1 only when the runner itself broke.
import { scenarios, within } from "./scenarios.js";
import { RESULT_PREFIX, runtimeVersion, type CaseResult } from "./results.js";

const CASE_TIMEOUT_MILLIS = 20_000;

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack.split("\n").slice(1, 6).join("\n")}` : ""}`;
  return String(error);
}

const only = process.argv.slice(2);
const version = runtimeVersion();
for (const scenario of scenarios) {
  if (only.length > 0 && !only.includes(scenario.name)) continue;
  const started = performance.now();
  let result: CaseResult;
  const skipped = scenario.skip?.() ?? null;
  if (skipped !== null) {
    result = { runtime: version.runtime, version: version.version, case: scenario.name, area: scenario.area, status: "skip", ms: 0, detail: skipped };
  } else {
    try {
      await within(scenario.run(), CASE_TIMEOUT_MILLIS, scenario.name);
      result = { runtime: version.runtime, version: version.version, case: scenario.name, area: scenario.area, status: "pass", ms: Math.round(performance.now() - started) };
    } catch (error) {
      result = { runtime: version.runtime, version: version.version, case: scenario.name, area: scenario.area, status: "fail", ms: Math.round(performance.now() - started), detail: describeError(error) };
    }
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}
// A case that left a timer or a socket behind must not keep the process (and the matrix) waiting.
process.exit(0);
