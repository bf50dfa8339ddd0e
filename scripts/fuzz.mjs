// `npm run fuzz`: the property-based fuzz tests of test/fuzz with many more cases than the test suite
// runs, for local use. Compiles test/fuzz (and what it imports) into build-fuzz/, then runs it.
//   FUZZ_RUNS=20000 npm run fuzz     cases per property (default 5000; the suite runs a few hundred)
//   FUZZ_SEED=123 npm run fuzz       replay the seed a failure printed
//   npm run fuzz -- client           only the files whose path contains "client"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const OUT = "build-fuzz";
mkdirSync(OUT, { recursive: true });
// A config of its own, so that fuzzing needs only test/fuzz and what it imports to compile.
writeFileSync(
  join(OUT, "tsconfig.json"),
  JSON.stringify({ extends: "../tsconfig.json", compilerOptions: { rootDir: "..", outDir: "." }, include: ["../test/fuzz/**/*.ts"] }, null, 2),
);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const compiled = spawnSync(process.execPath, [tsc, "-p", join(OUT, "tsconfig.json")], { stdio: "inherit" });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const only = process.argv.slice(2);
const dir = join(OUT, "test", "fuzz");
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".test.js"))
  .map((name) => join(dir, name))
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)));
const env = { ...process.env, FUZZ_RUNS: process.env.FUZZ_RUNS ?? "5000" };
console.log(`fuzzing ${files.length} files with FUZZ_RUNS=${env.FUZZ_RUNS}${env.FUZZ_SEED ? ` FUZZ_SEED=${env.FUZZ_SEED}` : ""}`);
const run = spawnSync(process.execPath, ["--test", "--test-timeout=0", "--test-reporter=spec", ...files], { stdio: "inherit", env });
process.exit(run.status ?? 1);
