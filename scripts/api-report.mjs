// The public API of kite-ws as a report per entry point (api/<name>.api.md), in the manner of
// api-extractor's: `npm run api` writes the reports, `node scripts/api-report.mjs` (what
// test/package/api-report.test.ts runs) fails when the API differs from them.
//
// Written with the TypeScript compiler API rather than @microsoft/api-extractor: api-extractor analyses
// with the TypeScript it bundles (5.x) while this package builds with TypeScript 6, and it would be a new
// dependency. What it reports is the same in kind: every export of every entry point of package.json
// "exports", its declaration as the published .d.ts has it (comments left out, @internal stripped), and
// the declarations that exports mention without exporting them. Module augmentations count: HttpClient
// in "kite-ws" has the WebSockets builders; in "kite-ws/reconnect", the Reconnect builders too.
//
//   node scripts/api-report.mjs [--update] [--reports DIR]
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const UPDATE_COMMAND = "npm run api";

const args = process.argv.slice(2);
const update = args.includes("--update");
const reportsIndex = args.indexOf("--reports");
const reportsDir = reportsIndex === -1 ? join(root, "api") : resolve(args[reportsIndex + 1]);

/** Every entry point of package.json "exports" with types: its report's name and its .d.ts. */
function entryPoints() {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const entries = [];
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target !== "object" || target === null) continue;
    const name = subpath === "." ? "kite-ws" : `kite-ws${subpath.slice(1)}`;
    for (const [condition, value] of Object.entries(target)) {
      if (condition === "types" && typeof value === "string") entries.push({ name, types: value });
      else if (typeof value === "object" && value !== null && typeof value.types === "string") entries.push({ name: `${name} (${condition})`, types: value.types });
    }
  }
  return entries;
}

/** The published declarations, emitted in memory from src/ as `npm run build` would: path under dist/ → text. */
function emitDeclarations() {
  const configPath = join(root, "tsconfig.build.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  const options = { ...parsed.options, declaration: true, emitDeclarationOnly: true, declarationMap: false, sourceMap: false, noEmit: false };
  const program = ts.createProgram(parsed.fileNames, options);
  const files = new Map();
  const result = program.emit(undefined, (fileName, text) => files.set(resolve(fileName), text), undefined, true);
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, ts.createCompilerHost(options)));
  return { files, options };
}

/** A compiler host that reads the emitted declarations from memory, everything else from disk, parsing each file once. */
function declarationHost(files, options) {
  const host = ts.createCompilerHost(options);
  const cache = new Map();
  const directories = new Set();
  for (const file of files.keys()) for (let dir = dirname(file); !directories.has(dir) && dir !== dirname(dir); dir = dirname(dir)) directories.add(dir);
  return {
    ...host,
    fileExists: (fileName) => files.has(resolve(fileName)) || host.fileExists(fileName),
    directoryExists: (name) => directories.has(resolve(name)) || ts.sys.directoryExists(name),
    realpath: (name) => (files.has(resolve(name)) ? name : (host.realpath?.(name) ?? name)),
    readFile: (fileName) => files.get(resolve(fileName)) ?? host.readFile(fileName),
    getSourceFile(fileName, languageVersion) {
      const key = resolve(fileName);
      if (!cache.has(key)) {
        const text = files.get(key) ?? host.readFile(fileName);
        cache.set(key, text === undefined ? undefined : ts.createSourceFile(fileName, text, languageVersion, true));
      }
      return cache.get(key);
    },
  };
}

/** A class's private members, as a .d.ts lists them (`private name;`, `#private;`): not part of the API. */
const PRIVATE_MEMBER = /^\s+(?:private (?:static )?(?:readonly )?[\w$]+;|#private;)$/;

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** The statement that declares `declaration` (a variable's whole `declare const`), printed without comments. */
function printDeclaration(declaration) {
  let node = declaration;
  if (ts.isVariableDeclaration(node)) node = node.parent.parent;
  const text = printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile());
  return text
    .replace(/^export (default )?/, "")
    .replace(/^declare /, "")
    .split("\n")
    .filter((line) => !PRIVATE_MEMBER.test(line))
    .join("\n");
}

/** Whether a declaration is inside a `declare module "..."` block: an augmentation of another module's declarations. */
function inAugmentation(declaration) {
  for (let node = declaration.parent; node !== undefined; node = node.parent) if (ts.isModuleDeclaration(node)) return true;
  return false;
}

/** The symbols of our own declarations that `node` refers to by name (types, `typeof` values, heritage). */
function referencedSymbols(node, checker, isOurs) {
  const found = new Set();
  const visit = (child) => {
    if (ts.isTypeReferenceNode(child) || ts.isExpressionWithTypeArguments(child) || ts.isTypeQueryNode(child)) {
      const name = ts.isTypeReferenceNode(child) ? child.typeName : ts.isTypeQueryNode(child) ? child.exprName : child.expression;
      let symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.left : name);
      if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      if (symbol !== undefined && !(symbol.flags & ts.SymbolFlags.TypeParameter) && symbol.declarations?.some(isOurs)) found.add(symbol);
    }
    ts.forEachChild(child, visit);
  };
  visit(node);
  return found;
}

/** One entry point's program over the declarations, and its exports by name (aliases resolved). */
function analyse(entry, files, options, host) {
  const entryFile = resolve(root, entry.types);
  if (!files.has(entryFile)) throw new Error(`${entry.types} (package.json "exports") is not emitted from src/`);
  const program = ts.createProgram([entryFile], { ...options, noEmit: true }, host);
  const checker = program.getTypeChecker();
  const exported = new Map();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entryFile)))) {
    exported.set(symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
  }
  return { entry, program, checker, exported };
}

/**
 * The report of one entry point: its exports, what they mention that no entry point exports, and
 * the `declare module` augmentations its files make. `published` holds every declaration some entry
 * point exports (the programs share their parsed files, so the nodes are the same objects).
 */
function report({ entry, program, checker, exported }, files, published) {
  const distDir = join(root, "dist");
  const isOurs = (declaration) => files.has(resolve(declaration.getSourceFile().fileName));
  const lines = [];
  const section = (symbol, exportName) => {
    for (const declaration of symbol.declarations ?? []) {
      if (!isOurs(declaration) || inAugmentation(declaration)) continue;
      const text = printDeclaration(declaration);
      lines.push(exportName !== null && exportName !== symbol.name ? `${text}\n// exported as ${exportName}` : text);
    }
    lines.push("");
  };
  const pending = [];
  for (const name of [...exported.keys()].sort()) {
    const symbol = exported.get(name);
    const kind = !(symbol.flags & ts.SymbolFlags.Value) ? "type" : symbol.flags & ts.SymbolFlags.Type ? "value and type" : "value";
    lines.push(`// ${name}: ${kind}`);
    section(symbol, name);
    for (const declaration of symbol.declarations ?? []) pending.push(...referencedSymbols(declaration, checker, isOurs));
  }
  const mentioned = new Set();
  while (pending.length > 0) {
    const symbol = pending.pop();
    if (mentioned.has(symbol) || symbol.declarations.some((declaration) => published.has(declaration))) continue;
    mentioned.add(symbol);
    for (const declaration of symbol.declarations ?? []) pending.push(...referencedSymbols(declaration, checker, isOurs));
  }
  if (mentioned.size > 0) {
    lines.push("// ---- Mentioned by the exports above, exported by no entry point ----", "");
    for (const symbol of [...mentioned].sort((a, b) => a.name.localeCompare(b.name))) section(symbol, null);
  }
  const augmentations = program
    .getSourceFiles()
    .filter((file) => files.has(resolve(file.fileName)))
    .flatMap((file) => file.statements.filter((statement) => ts.isModuleDeclaration(statement) && ts.isStringLiteral(statement.name)))
    .map((statement) => {
      const file = relative(distDir, statement.getSourceFile().fileName).split("\\").join("/");
      return `// from ${file}, loaded by this entry point\ndeclare ${printDeclaration(statement)}`;
    })
    .sort();
  if (augmentations.length > 0) lines.push("// ---- Added to the declarations of other modules ----", "", ...augmentations.flatMap((text) => [text, ""]));
  const values = [...exported.values()].filter((symbol) => symbol.flags & ts.SymbolFlags.Value).length;
  const text = [
    `## API report of \`${entry.name}\``,
    "",
    `> Generated by \`${UPDATE_COMMAND}\` (scripts/api-report.mjs) from ${entry.types}, as the package publishes it. Do not edit:`,
    "> test/package/api-report.test.ts fails when the public API differs from this file.",
    "",
    `${exported.size} exports: ${values} values (classes, functions, constants), ${exported.size - values} types only.`,
    "",
    "```ts",
    ...lines,
    "```",
    "",
  ].join("\n");
  return text.replace(/\n{3,}/g, "\n\n").replace(/\n\n```\n$/, "\n```\n");
}

function fileName(entryName) {
  return `${entryName.replace(/[^a-z0-9]+/gi, "-").replace(/-+$/, "")}.api.md`;
}

const { files, options } = emitDeclarations();
const host = declarationHost(files, options);
const analysed = entryPoints().map((entry) => analyse(entry, files, options, host));
const published = new Set(analysed.flatMap(({ exported }) => [...exported.values()].flatMap((symbol) => symbol.declarations ?? [])));
const wanted = new Map(analysed.map((analysis) => [fileName(analysis.entry.name), report(analysis, files, published)]));

if (update) {
  mkdirSync(reportsDir, { recursive: true });
  for (const name of readdirSync(reportsDir)) if (name.endsWith(".api.md") && !wanted.has(name)) rmSync(join(reportsDir, name));
  for (const [name, text] of wanted) writeFileSync(join(reportsDir, name), text);
  console.log(`api-report: wrote ${wanted.size} reports to ${relative(root, reportsDir) || "."}/`);
  process.exit(0);
}

const problems = [];
const present = existsSync(reportsDir) ? readdirSync(reportsDir).filter((name) => name.endsWith(".api.md")) : [];
for (const name of present) if (!wanted.has(name)) problems.push(`${name}: a report for an entry point package.json no longer has`);
for (const [name, text] of wanted) {
  const path = join(reportsDir, name);
  if (!existsSync(path)) {
    problems.push(`${name}: missing (a new entry point?)`);
    continue;
  }
  const reported = readFileSync(path, "utf8");
  if (reported === text) continue;
  const old = reported.split("\n");
  const now = text.split("\n");
  // The lines between the common head and the common tail: what changed, as the report (-) and now (+).
  let head = 0;
  while (head < old.length && head < now.length && old[head] === now[head]) head++;
  let tail = 0;
  while (tail < old.length - head && tail < now.length - head && old[old.length - 1 - tail] === now[now.length - 1 - tail]) tail++;
  const removed = old.slice(head, old.length - tail);
  const added = now.slice(head, now.length - tail);
  const sample = [...removed.slice(0, 8).map((line) => `  - ${line}`), ...added.slice(0, 8).map((line) => `  + ${line}`)];
  if (removed.length > 8 || added.length > 8) sample.push(`  (${removed.length} lines of the report, ${added.length} lines now, from line ${head + 1})`);
  problems.push(`${name}: the public API differs from the report, from line ${head + 1}\n${sample.join("\n")}`);
}
if (problems.length > 0) {
  console.error(
    `api-report: the public API is not what api/ says.\n\n${problems.join("\n\n")}\n\n` +
      `If the change is meant, run \`${UPDATE_COMMAND}\` and commit api/ with it, so the change shows in review.`,
  );
  process.exit(1);
}
console.log(`api-report: the public API matches the ${wanted.size} reports in ${relative(root, reportsDir) || "."}/`);
