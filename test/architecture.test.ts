// The shape of src/ that a newcomer relies on, checked: no import cycle, the layers' dependencies
// point one way (the protocol core knows nothing of sockets, the session nothing of engines, the
// client nothing of plugins), and no file grows past 400 lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const src = join(root, "src");
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

/** Each file of src/ (as "client/target.ts") with what it imports: other files of src/, or bare specifiers. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const imported = ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map(({ fileName }) => {
      if (!fileName.startsWith(".")) return fileName;
      return relative(src, resolve(dirname(file), fileName.replace(/\.js$/, ".ts")));
    });
    graph.set(relative(src, file), imported);
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

test("no import cycle anywhere in src/ (type-only imports count too)", () => {
  assert.deepEqual(cycles(importGraph()), []);
});

test("the cycle finder finds a cycle (a self-check on a made-up graph)", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts", "node:net"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cycles(graph), [["a.ts", "b.ts", "c.ts"]]);
});

/** Which folders a layer may not import from, and why. */
const RULES: { layer: string; forbidden: RegExp; why: string }[] = [
  { layer: "protocol/", forbidden: /^(node:(net|tls|http|https)|session\/|transport\/|engine\/|client\/|plugins\/|server\/|cli\/)/, why: "the protocol core knows nothing of sockets or of the layers above it" },
  { layer: "session/", forbidden: /^(node:|engine\/|client\/|plugins\/|server\/|cli\/)/, why: "the session knows nothing of engines" },
  { layer: "transport/", forbidden: /^(engine\/|client\/|plugins\/|server\/|cli\/)/, why: "transports move frames for any engine" },
  { layer: "client/", forbidden: /^(plugins\/|server\/|cli\/)/, why: "the client knows nothing of plugins: they hook into it" },
  { layer: "engine/", forbidden: /^(plugins\/|server\/|cli\/)/, why: "engines know nothing of plugins" },
  { layer: "server/", forbidden: /^(plugins\/|client\/|cli\/)/, why: "the server shares the core, not the client" },
  { layer: "rpc/", forbidden: /^(node:|transport\/|client\/|server\/|cli\/|engine\/(?!config-checks)|plugins\/(?!reconnect\/reconnecting-session))/, why: "calls run over any session, in any runtime: they know sessions, not sockets, engines or the client" },
  { layer: "graphql/", forbidden: /^(node:|transport\/|client\/|server\/|cli\/|engine\/(?!config-checks)|plugins\/(?!reconnect\/(reconnecting-session|policy)))/, why: "GraphQL runs on the calls layer over any session, in any runtime" },
  { layer: "streams/", forbidden: /^(node:|transport\/|client\/|server\/|cli\/|engine\/(?!config-checks)|plugins\/)/, why: "Web Streams over any session, in any runtime: they know sessions, not sockets, engines or the client" },
  { layer: "node/", forbidden: /^(transport\/|client\/|server\/|cli\/|engine\/(?!config-checks)|plugins\/)/, why: "Node streams over any session: node:stream, and sessions, not sockets, engines or the client" },
  { layer: "util/", forbidden: /^(?!node:|util\/)[a-z]+\//, why: "util holds small pure helpers that depend on nothing of ours" },
];

test("each layer imports only what it may", () => {
  const broken: string[] = [];
  for (const [file, imports] of importGraph()) {
    for (const rule of RULES) {
      if (!file.startsWith(rule.layer)) continue;
      for (const target of imports) if (rule.forbidden.test(target)) broken.push(`${file} imports ${target}: ${rule.why}`);
    }
  }
  assert.deepEqual(broken, []);
});

test(`no file in src/ is over ${MAX_LINES} lines`, () => {
  const long = sourceFiles(src)
    .map((file) => ({ file: relative(src, file), lines: readFileSync(file, "utf8").split("\n").length }))
    .filter(({ lines }) => lines > MAX_LINES)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  assert.deepEqual(long, []);
});
