// The public API is what api/*.api.md say: scripts/api-report.mjs (`npm run api` writes the reports)
// compares every entry point of package.json "exports", as the published .d.ts declare it, with the
// checked-in report, so an API change shows in review or fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

// The repository root, from build*/test/package/ (compiled) three levels up.
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const execFileAsync = promisify(execFile);

/** Runs the report script; resolves with its exit code and output, never rejects. */
async function apiReport(...args: string[]): Promise<{ code: number | string; output: string }> {
  try {
    const run = await execFileAsync(process.execPath, [join(root, "scripts/api-report.mjs"), ...args], { cwd: root, timeout: 150_000 });
    return { code: 0, output: run.stdout + run.stderr };
  } catch (error) {
    const failed = error as { code?: number | string | null; stdout?: string; stderr?: string };
    return { code: failed.code ?? "killed", output: (failed.stdout ?? "") + (failed.stderr ?? "") };
  }
}

test("the public API of every entry point matches its report in api/", { timeout: 180_000 }, async () => {
  const run = await apiReport();
  assert.equal(run.code, 0, `${run.output}\n(the message above says how to update the report when the change is meant)`);
});

test("a changed, missing or stale report fails the check, naming `npm run api`", { timeout: 180_000 }, async () => {
  const reports = mkdtempSync(join(tmpdir(), "kite-api-"));
  try {
    cpSync(join(root, "api"), reports, { recursive: true });
    const main = join(reports, "kite-ws.api.md");
    writeFileSync(main, readFileSync(main, "utf8").replace("    close(): void;\n", ""));
    const reconnect = readdirSync(reports).find((name) => name.includes("reconnect"));
    assert.ok(reconnect, "a report for kite-ws/reconnect");
    rmSync(join(reports, reconnect));
    writeFileSync(join(reports, "kite-ws-gone.api.md"), "## API report of `kite-ws/gone`\n");
    const run = await apiReport("--reports", reports);
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /kite-ws\.api\.md: the public API differs from the report, from line \d+\n {2}\+ {5}close\(\): void;/);
    assert.match(run.output, /kite-ws-reconnect\.api\.md: missing/);
    assert.match(run.output, /kite-ws-gone\.api\.md: a report for an entry point package\.json no longer has/);
    assert.match(run.output, /run `npm run api` and commit api\/ with it/);
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});
