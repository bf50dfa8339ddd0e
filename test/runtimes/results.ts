// What a runner prints per case, and how the runtime running it names itself: shared by runner.ts
// (on every runtime) and the matrix (on the project's Node.js). No node: import: Deno and Bun load it too.

/** The marker that starts each result line on a runner's stdout. */
export const RESULT_PREFIX = "KITE_RUNTIME_CASE ";

/** One case on one runtime. */
export interface CaseResult {
  /** "node", "bun" or "deno": what the process says it is, not what the matrix meant to start. */
  readonly runtime: string;
  readonly version: string;
  readonly case: string;
  /** The part of the library the case exercises (an engine, the server, a plugin). */
  readonly area: string;
  readonly status: "pass" | "fail" | "skip";
  readonly ms: number;
  /** Why it was skipped, or the error it failed with. */
  readonly detail?: string;
}

/** The runtime this code runs on and its version, from its own globals. */
export function runtimeVersion(): { runtime: string; version: string } {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } }; process?: { versions: { node: string } } };
  if (g.Bun !== undefined) return { runtime: "bun", version: g.Bun.version };
  if (g.Deno !== undefined) return { runtime: "deno", version: g.Deno.version.deno };
  return { runtime: "node", version: g.process?.versions.node ?? "unknown" };
}

/** Parses a runner's stdout into its results; other lines are ignored. */
export function parseResults(stdout: string): CaseResult[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith(RESULT_PREFIX))
    .map((line) => JSON.parse(line.slice(RESULT_PREFIX.length)) as CaseResult);
}
