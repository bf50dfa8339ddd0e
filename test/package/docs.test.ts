// The API reference (`npm run docs`) builds from typedoc.json without a single warning: every exported
// symbol of every public subpath has a TSDoc comment, every {@link} resolves, and every subpath of
// package.json "exports" is an entry point.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";

// The repository root, from build*/test/package/ (compiled) three levels up.
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const execFileAsync = promisify(execFile);

interface TypeDocOptions {
  readonly entryPoints: readonly string[];
}

/** typedoc.json, read as TypeDoc reads it (JSON with comments). */
function typedocOptions(): TypeDocOptions {
  const read = ts.readConfigFile(join(root, "typedoc.json"), ts.sys.readFile);
  if (read.error) assert.fail(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return read.config as TypeDocOptions;
}

type Exports = string | null | { readonly [condition: string]: Exports };

/** Every file an export can resolve to, under any condition. */
function targets(value: Exports): string[] {
  if (value === null) return [];
  if (typeof value === "string") return [value];
  return Object.values(value).flatMap(targets);
}

test("typedoc.json has an entry point for every subpath of package.json \"exports\"", () => {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, Exports> };
  const entryPoints = new Set(typedocOptions().entryPoints.map((path) => path.replace(/^\.\//, "")));
  for (const entry of entryPoints) assert.ok(existsSync(join(root, entry)), `typedoc.json names ${entry}, which does not exist`);
  const missing: string[] = [];
  for (const [subpath, value] of Object.entries(manifest.exports)) {
    // The JavaScript a Node.js user loads: ./dist/<path>.js, compiled from src/<path>.ts. The "browser"
    // build of "." (src/browser.ts) re-exports src/api.ts, which src/index.ts re-exports as well.
    const js = targets(value).filter((path) => path.startsWith("./dist/") && path.endsWith(".js") && path !== "./dist/browser.js");
    for (const path of js) {
      const source = `src/${path.slice("./dist/".length, -".js".length)}.ts`;
      if (!entryPoints.has(source)) missing.push(`${subpath} (${source})`);
    }
  }
  assert.deepEqual(missing, [], "add these to typedoc.json's entryPoints");
});

test("npm run docs: TypeDoc builds the API reference with no undocumented symbol and no broken link", { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "kite-docs-"));
  try {
    // The same command as `npm run docs`, into a temporary directory.
    const typedoc = join(root, "node_modules/typedoc/bin/typedoc");
    const run = await execFileAsync(process.execPath, [typedoc, "--options", "typedoc.json", "--out", out], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 150_000,
      maxBuffer: 16 * 1024 * 1024,
    }).then(
      (result) => ({ code: 0, output: result.stdout + result.stderr }),
      (error: { code?: number | string; stdout?: string; stderr?: string }) => ({
        code: error.code ?? "killed",
        output: (error.stdout ?? "") + (error.stderr ?? ""),
      }),
    );
    // eslint-disable-next-line no-control-regex -- TypeDoc colours its output on some terminals.
    const output = run.output.replace(/\x1b\[[0-9;]*m/g, "");
    const problems = output.split("\n").filter((line) => /^\[(?:warning|error)\]/.test(line) && !/^\[\w+\] Found \d+ errors? and \d+ warnings?/.test(line));
    assert.equal(
      run.code,
      0,
      `TypeDoc failed (exit ${run.code}). An undocumented symbol needs a /** comment */ (or @internal, if it is ` +
        `not public); a {@link} must name an exported symbol:\n${problems.length > 0 ? problems.join("\n") : output}`,
    );
    assert.deepEqual(problems, [], output);
    assert.ok(existsSync(join(out, "index.html")), "TypeDoc wrote no index.html");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
