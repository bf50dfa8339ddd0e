// Runs the cross-runtime matrix (test/runtimes) and prints it; with --update, writes README.md's
// "Runtimes" table from its results. Needs the test build (`npx tsc -p tsconfig.test.json`) and
// runtimes/ installed (`npm ci --prefix runtimes`).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { URL } from "node:url";

const compiled = new URL("../build/test/runtimes/matrix.js", import.meta.url);
if (!existsSync(compiled)) {
  console.error("runtimes-matrix: build the tests first: npx tsc -p tsconfig.test.json");
  process.exit(1);
}
const { ROOT, failures, matrixText, runMatrix, runtimesTable, tableIn } = await import(compiled.href);

const runs = await runMatrix();
console.log(matrixText(runs));
const found = failures(runs);
if (found.length > 0) {
  console.error(`\nthe matrix failed (README.md left as it is):\n${found.join("\n\n")}`);
  process.exit(1);
}
if (process.argv.includes("--update")) {
  const path = `${ROOT}/README.md`;
  const readme = readFileSync(path, "utf8");
  const table = tableIn(readme);
  if (table === null) {
    console.error("runtimes-matrix: README.md has no runtimes:begin / runtimes:end markers to write between");
    process.exit(1);
  }
  writeFileSync(path, readme.replace(table, runtimesTable(runs)));
  console.log("\nREADME.md's Runtimes table updated");
}
