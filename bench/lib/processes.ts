/** Child processes of the bench: every one is tracked and killed when the bench ends, however it ends. */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { MarkMessage, ResultMessage, RunResult, RunSpec, ServerKind, ServerReady, ServerStats } from "./types.js";

const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

let guarded = false;
/** Kills every child on exit, on Ctrl-C / SIGTERM and on an uncaught error. */
export function guardChildren(): void {
  if (guarded) return;
  guarded = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on("uncaughtException", (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
}

/**
 * Clients run on CPU 0 and servers on CPU 1 (with `taskset`, when there are two CPUs or more). Left
 * to the scheduler, a client and its server share a CPU in some runs and not in others, and a round
 * trip on loopback then takes either ~40 µs or ~100 µs: pinning makes every run the same case.
 */
const TASKSET = ["/usr/bin/taskset", "/bin/taskset"].find((path) => existsSync(path)) ?? null;
let pinning = TASKSET !== null && cpus().length >= 2;

export function setPinning(on: boolean): void {
  pinning = on && TASKSET !== null && cpus().length >= 2;
}

export function pinned(): boolean {
  return pinning;
}

function spawn(script: string, args: string[], execArgv: string[], env: NodeJS.ProcessEnv, cpu: number, node = process.execPath): ChildProcess {
  const wrap = pinning ? { execPath: TASKSET!, execArgv: ["-c", String(cpu), node, ...execArgv] } : { execPath: node, execArgv };
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    ...wrap,
    env,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export class ServerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (stats: ServerStats) => void>();

  private constructor(
    readonly kind: ServerKind,
    private readonly child: ChildProcess,
    readonly ports: ServerReady["ports"],
  ) {
    child.on("message", (message: { type: string; id: number; stats: ServerStats }) => {
      if (message.type !== "stats") return;
      this.waiting.get(message.id)?.(message.stats);
      this.waiting.delete(message.id);
    });
  }

  static start(kind: ServerKind, execArgv: readonly string[] = []): Promise<ServerProcess> {
    const child = spawn("../server.js", [kind], ["--expose-gc", ...execArgv], process.env, 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server ${kind} did not start in 20 s`)), 20_000);
      child.once("exit", (code) => reject(new Error(`server ${kind} exited with ${code} before it was ready`)));
      child.once("message", (message: ServerReady) => {
        clearTimeout(timer);
        resolve(new ServerProcess(kind, child, message.ports));
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** The echo endpoint, or another path: `/rpc` answers JSON-RPC (plain endpoint only). */
  url(deflate: boolean, path = "/"): string {
    const port = deflate ? this.ports.deflate : this.ports.plain;
    if (port === null) throw new Error(`the ${this.kind} server has no permessage-deflate endpoint`);
    return `ws://127.0.0.1:${port}${path}`;
  }

  stats(gc: boolean): Promise<ServerStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server ${this.kind} did not answer stats`)), 30_000);
      this.waiting.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.child.send({ type: "stats", id, gc });
    });
  }

  async stop(): Promise<void> {
    this.child.kill("SIGKILL");
    await exited(this.child);
  }

  /** Asks the server to exit by itself (a profiled server writes its profile then); killed after 10 s. */
  async exit(): Promise<void> {
    if (this.child.connected) this.child.send({ type: "exit" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited(this.child);
    clearTimeout(timer);
  }
}

export interface ClientRun {
  readonly result: RunResult | null;
  /** The child process's life, start to exit, in ms. */
  readonly lifeMs: number;
  readonly error: string | null;
  /** The server's CPU time and RSS at the start and end marks. */
  readonly server: { readonly start: ServerStats; readonly end: ServerStats } | null;
}

export interface ClientOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly execArgv?: readonly string[];
  /** The Node.js binary, when not the bench's own. */
  readonly node?: string;
  readonly timeoutMs: number;
}

/** Runs one client process against `server` and collects its result and the server's stats at its marks. */
export function runClient(spec: RunSpec, server: ServerProcess, options: ClientOptions): Promise<ClientRun> {
  const child = spawn("../client.js", [JSON.stringify(spec)], [...(options.execArgv ?? [])], { ...process.env, ...options.env }, 0, options.node);
  let result: RunResult | null = null;
  let error: string | null = null;
  const marks: Partial<Record<MarkMessage["phase"], ServerStats>> = {};
  child.on("message", (message: MarkMessage | ResultMessage) => {
    if (message.type === "result") {
      result = message.result;
      return;
    }
    server.stats(message.gc).then(
      (stats) => {
        marks[message.phase] = stats;
        if (child.connected) child.send({ type: "ack" });
      },
      (failure: Error) => {
        error = failure.message;
        child.kill("SIGKILL");
      },
    );
  });
  const born = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      error = `timed out after ${Math.round(options.timeoutMs / 1000)} s`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (result === null && error === null) error = `exited with ${signal ?? code}`;
      resolve({
        result,
        lifeMs: Date.now() - born,
        error,
        server: marks.start && marks.end ? { start: marks.start, end: marks.end } : null,
      });
    });
  });
}
