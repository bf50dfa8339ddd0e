/**
 * Clients that need a Node.js other than the bench's own (undici 8 needs >= 22.19) run under the one
 * `runtimes/` pins. That package is installed on first use, so `npm run bench` works on a fresh clone.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ClientId } from "./types.js";

const NEEDS_NODE_22: readonly ClientId[] = ["undici8"];

function node22(repo: string): string {
  return join(repo, "runtimes", "node_modules", "node22", "bin", "node");
}

function installed(repo: string): boolean {
  return existsSync(node22(repo)) && existsSync(join(repo, "runtimes", "node_modules", "undici", "package.json"));
}

/**
 * The Node.js binary to run `client` with: the bench's own, or runtimes/'s Node.js 22 (installed
 * now if it is missing). Throws with an "n/a" message where that Node.js cannot run (not Linux x64).
 */
export function nodeFor(client: ClientId, repo: string): string {
  if (!NEEDS_NODE_22.includes(client)) return process.execPath;
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath;
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error(`n/a: needs Node.js >= 22.19 (runtimes/ pins one for Linux x64 only)`);
  if (!installed(repo)) {
    console.log("bench: installing runtimes/ (Node.js 22 and undici 8) for the undici 8 client");
    execFileSync("npm", ["ci", "--prefix", join(repo, "runtimes"), "--no-audit", "--no-fund", "--silent"], { stdio: "inherit" });
  }
  return node22(repo);
}
