import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled browser entry next to this compiled test (build-something/src/browser.js): the same compiler and options as dist/. */
const compiledEntry = resolve(here, "../../src/browser.js");
const repository = resolve(here, "../../..");
const builtins = new Set(builtinModules.flatMap((name) => [name, name.split("/")[0]]));

interface Graph {
  readonly files: string[];
  /** Every import that a browser could not load, as "file: specifier (why)". */
  readonly problems: string[];
}

/**
 * Walks the ES module graph from `entry`: static imports, re-exports and dynamic `import()`s, as
 * TypeScript's own pre-processor reads them (comments and strings are not mistaken for imports).
 * A `node:` module, a bare Node builtin ("fs", "buffer"), any other bare specifier (no import map
 * in a plain page) or a relative path without ".js" is a problem.
 */
function walk(entry: string): Graph {
  const files: string[] = [];
  const problems: string[] = [];
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    files.push(file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      const where = `${relative(repository, file)}: ${specifier}`;
      if (specifier.startsWith("node:")) problems.push(`${where} (a node: module)`);
      else if (builtins.has(specifier) || builtins.has(specifier.split("/")[0])) problems.push(`${where} (a Node builtin)`);
      else if (!specifier.startsWith("./") && !specifier.startsWith("../")) problems.push(`${where} (a bare specifier: a page cannot resolve it)`);
      else if (!specifier.endsWith(".js")) problems.push(`${where} (a relative path without .js)`);
      else {
        const target = resolve(dirname(file), specifier);
        if (!existsSync(target)) problems.push(`${where} (missing file)`);
        else pending.push(target);
      }
    }
  }
  return { files, problems };
}

/** transport/ holds the socket transport and what it is made of; the interface and the forwarding base are runtime-neutral. */
function isSocketTransport(name: string): boolean {
  return name.startsWith("transport/") && name !== "transport/frame-transport.js" && name !== "transport/forwarding-transport.js";
}

describe("the browser build", () => {
  test("its import graph has no node: module, no Node builtin and no bare specifier", () => {
    const graph = walk(compiledEntry);
    assert.deepEqual(graph.problems, []);
    const names = graph.files.map((file) => relative(resolve(here, "../../src"), file).replaceAll("\\", "/"));
    assert.ok(names.includes("engine/platform/platform-engine.js"), "Platform is in it");
    assert.ok(names.includes("client/http-client.js"), "the client is in it");
    assert.ok(!names.some((name) => name.startsWith("engine/cio/")), `CIO is not in it: ${names.filter((n) => n.startsWith("engine/cio/"))}`);
    assert.ok(!names.some(isSocketTransport), `nor the socket transport: ${names.filter(isSocketTransport)}`);
  });

  test("kite-ws/reconnect and kite-ws/logging, which browsers import beside it, reach no node: module either", () => {
    for (const entry of ["plugins/reconnect/index.js", "plugins/logging/index.js"]) {
      const graph = walk(resolve(here, "../../src", entry));
      assert.deepEqual(graph.problems, [], entry);
      const names = graph.files.map((file) => relative(resolve(here, "../../src"), file).replaceAll("\\", "/"));
      assert.ok(!names.some((name) => name.startsWith("engine/cio/") || isSocketTransport(name)), `${entry} reaches no CIO: ${names}`);
    }
  });

  test("the walker itself catches what it must (a self-check on a made-up graph)", () => {
    const dir = mkdtempSync(join(tmpdir(), "kite-graph-"));
    try {
      writeFileSync(
        join(dir, "entry.js"),
        [
          "// import { x } from \"node:fs\"; (a comment, not an import)",
          'const text = "import(\\"node:os\\")"; // nor is a string',
          'import { randomBytes } from "node:crypto";',
          'import { Buffer } from "buffer";',
          'export { readFile } from "fs/promises";',
          'import "some-package";',
          'import { ok } from "./clean.js";',
          "export const lazy = () => import(\"./lazy.js\");",
          "console.log(text, randomBytes, Buffer, ok);",
        ].join("\n"),
      );
      writeFileSync(join(dir, "clean.js"), 'export const ok = 1;\nexport { missing } from "./nested.js";\n');
      writeFileSync(join(dir, "lazy.js"), 'export const z = await import("node:zlib");\n');
      const problems = walk(join(dir, "entry.js")).problems.map((p) => p.replace(/^.*?: /, "")).sort();
      assert.deepEqual(problems, [
        "./nested.js (missing file)",
        "buffer (a Node builtin)",
        "fs/promises (a Node builtin)",
        "node:crypto (a node: module)",
        "node:zlib (a node: module)",
        "some-package (a bare specifier: a page cannot resolve it)",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("package.json sends the browser condition of '.' to dist/browser.js, the compiled src/browser.ts", () => {
    const pkg = JSON.parse(readFileSync(resolve(repository, "package.json"), "utf8")) as {
      exports: Record<string, Record<string, unknown>>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const root = pkg.exports["."];
    assert.deepEqual(Object.keys(root)[0], "browser", "browser comes first, before types and default");
    assert.deepEqual(root.browser, { types: "./dist/browser.d.ts", default: "./dist/browser.js" });
    assert.equal(pkg.exports["./engines/ws"]?.default, "./dist/engine/ws/index.js");
    assert.equal(pkg.exports["./engines/platform"]?.default, "./dist/engine/platform/index.js");
    assert.ok(pkg.peerDependencies?.ws, "ws is a peer dependency");
    assert.equal(pkg.peerDependenciesMeta?.ws?.optional, true, "an optional one");
    // tsconfig files may hold comments: read as TypeScript reads them.
    const build = ts.readConfigFile(resolve(repository, "tsconfig.build.json"), ts.sys.readFile).config as { compilerOptions: { rootDir: string; outDir: string } };
    assert.equal(build.compilerOptions.rootDir, "src");
    assert.equal(build.compilerOptions.outDir, "dist");
    assert.ok(existsSync(resolve(repository, "src/browser.ts")));
  });

  test("dist/browser.js, when built, has the same clean graph", (t) => {
    const dist = resolve(repository, "dist/browser.js");
    if (!existsSync(dist)) {
      t.skip("dist/ has no browser.js (npm run build makes it); the compiled copy above was checked");
      return;
    }
    assert.deepEqual(walk(dist).problems, []);
  });

  test("it exports the root's API less CIO and what needs node: (permessage-deflate)", async () => {
    const node = await import("../../src/index.js");
    const browser = await import("../../src/browser.js");
    const nodeOnly = new Set([
      "CIO",
      "CioEngine",
      "CioEngineConfig",
      "ProxyConnectError",
      "WebSocketDeflateExtension",
      "WebSocketDeflateConfig",
    ]);
    const missing = Object.keys(node).filter((name) => !(name in browser) && !nodeOnly.has(name));
    assert.deepEqual(missing, [], "exported by the root but not by the browser build: add them to src/browser.ts, or list them here as Node-only");
    const extra = Object.keys(browser).filter((name) => !(name in node));
    assert.deepEqual(extra, []);
    for (const name of Object.keys(browser)) {
      assert.equal((browser as Record<string, unknown>)[name], (node as Record<string, unknown>)[name], `${name} is the same object in both`);
    }
    assert.ok(!("CIO" in browser));
  });
});
