// Runs every compiled test under build/test with Node's own test runner.
// Node 20's `--test` takes no globs, so the files are listed here.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...find(path));
    else if (name.endsWith(".test.js")) found.push(path);
  }
  return found;
}

const only = process.argv.slice(2);
const files = find("build/test").filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const result = spawnSync(
  process.execPath,
  ["--test", "--test-timeout=60000", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
