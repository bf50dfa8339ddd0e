// Resolves "kite-ws" and "kite-ws/<subpath>" for the compiled examples the way Node resolves them for a
// user (through package.json "exports", with Node's "import" / "default" conditions), except that the
// files are taken from the test build instead of dist/: ./dist/<path> becomes <build>/src/<path>.
// dist/ is rewritten by other tests while the suite runs (npm pack, npm start); the test build is not.
//
// A module resolution hook: `node --import <build>/test/examples/register-kite-ws.js` installs it.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve as resolvePath } from "node:path";

/** The build directory: this file is <build>/test/examples/resolve-kite-ws.js. */
const build = resolvePath(fileURLToPath(new URL(".", import.meta.url)), "../..");
const root = resolvePath(build, "..");
const NAME = "kite-ws";

type Exports = string | null | { readonly [key: string]: Exports };

/** The target of an export for Node's ESM conditions, as Node picks it: the first matching key wins. */
function pick(target: Exports): string | null {
  if (typeof target === "string" || target === null) return target;
  for (const [condition, value] of Object.entries(target)) {
    if (condition === "import" || condition === "node" || condition === "default") {
      const found = pick(value);
      if (found !== null) return found;
    }
  }
  return null;
}

interface ResolveContext {
  readonly conditions: readonly string[];
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string; shortCircuit?: boolean }> {
  if (specifier !== NAME && !specifier.startsWith(`${NAME}/`)) return next(specifier, context);
  const manifest = JSON.parse(readFileSync(resolvePath(root, "package.json"), "utf8")) as { exports: Record<string, Exports> };
  const subpath = `.${specifier.slice(NAME.length)}`;
  const target = subpath in manifest.exports ? pick(manifest.exports[subpath]) : null;
  if (target === null) throw new Error(`${specifier}: package.json "exports" has no ${JSON.stringify(subpath)} for Node.js`);
  if (!target.startsWith("./dist/")) return { url: pathToFileURL(resolvePath(root, target)).href, shortCircuit: true };
  return { url: pathToFileURL(resolvePath(build, "src", target.slice("./dist/".length))).href, shortCircuit: true };
}
