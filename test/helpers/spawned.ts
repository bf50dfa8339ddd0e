/**
 * A child process that a test owns: an external peer (anvil, Chromium) that must never outlive the
 * test file. It runs in a process group of its own, so `stop()` ends it together with whatever it
 * forked (Chromium's renderers, zygotes, GPU process); it does not hold the event loop open, so a test
 * that forgets to stop it still exits, and the process's 'exit' (and SIGINT/SIGTERM/SIGHUP) kills
 * every group still alive. Its output is read all along (a full pipe would block it) and the last
 * few KiB are kept for error messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

/** What is kept of each stream for error messages. */
const TAIL_CHARS = 8_192;

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has exited (with its code, or the signal that ended it). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has exited. */
  readonly hasExited: boolean;
  /** The last few KiB of its stdout and stderr. */
  tail(): { stdout: string; stderr: string };
  /**
   * Resolves with the first match of `pattern` in what `stream` printed (from the start); rejects if
   * the process exits first or after `timeoutMillis`, naming `what` and quoting the output's tail.
   */
  waitForOutput(stream: "stdout" | "stderr", pattern: RegExp, timeoutMillis: number, what: string): Promise<RegExpExecArray>;
  /**
   * SIGTERM to the process, SIGKILL to its group after `graceMillis` (and at once when the process
   * exits, for whatever it left); resolves once the process has exited and its group is gone (or
   * 5 s later, if init is slow to reap). Idempotent.
   */
  stop(graceMillis?: number): Promise<void>;
}

/** Process groups still alive, with the directories to remove if the test process exits first. */
const live = new Map<number, readonly string[]>();
let hooksInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function groupExists(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = (): void => {
    for (const [pid, directories] of live) {
      killGroup(pid, "SIGKILL");
      for (const directory of directories) {
        try {
          rmSync(directory, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
        } catch {
          // best effort: the process is exiting
        }
      }
    }
    live.clear();
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killAll();
      // Ours was the only listener: die of the signal as the process would have without us.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Directories (a browser profile) to remove if the test process exits while this one still runs. */
  removeOnExit?: readonly string[];
}

/** Starts `command` in its own process group, stdin closed, stdout and stderr piped and read. */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions = {}): Spawned {
  installHooks();
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // a process group of its own: kill(-pid) reaches its children too
    env: options.env ?? process.env,
  });
  const out = { stdout: "", stderr: "" };
  // Everything printed so far, for waitForOutput's matching; trimmed to a tail once nobody waits.
  const full = { stdout: "", stderr: "" };
  const waiters = new Set<() => void>();
  let exitedFlag = false;
  let spawnError: Error | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      exitedFlag = true;
      if (child.pid !== undefined) {
        // The leader is gone; end any process of its group that outlived it.
        killGroup(child.pid, "SIGKILL");
        live.delete(child.pid);
      }
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
    child.once("error", (error) => {
      // spawn failed (ENOENT, EACCES): there will be no 'exit'.
      spawnError = error;
      exitedFlag = true;
      resolve({ code: null, signal: null });
      for (const wake of waiters) wake();
    });
  });
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]!.setEncoding("utf8");
    child[stream]!.on("data", (text: string) => {
      out[stream] = (out[stream] + text).slice(-TAIL_CHARS);
      if (waiters.size > 0) full[stream] += text;
      for (const wake of waiters) wake();
    });
  }
  if (child.pid !== undefined) live.set(child.pid, options.removeOnExit ?? []);
  // Hold nothing open: a forgotten peer must not keep the test file alive (the exit hook kills it).
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();

  const describe = (): string => {
    const parts: string[] = [];
    if (spawnError) parts.push(`spawn failed: ${spawnError.message}`);
    if (out.stderr.trim()) parts.push(`stderr (tail):\n${out.stderr.trimEnd()}`);
    if (out.stdout.trim()) parts.push(`stdout (tail):\n${out.stdout.trimEnd()}`);
    return parts.length ? parts.join("\n") : "(no output)";
  };

  let stopping: Promise<void> | null = null;
  return {
    child,
    pid: child.pid ?? -1,
    exited,
    get hasExited() {
      return exitedFlag;
    },
    tail: () => ({ ...out }),
    waitForOutput(stream, pattern, timeoutMillis, what) {
      if (waiters.size === 0) full[stream] = out[stream];
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (waiters.size === 0) full.stdout = full.stderr = "";
        };
        const check = (): void => {
          const match = pattern.exec(full[stream]);
          if (match) {
            finish();
            resolve(match);
          } else if (exitedFlag) {
            finish();
            void exited.then(({ code, signal }) =>
              reject(new Error(`${command} exited (code ${code}, signal ${signal}) before ${what}\n${describe()}`)),
            );
          }
        };
        // A ref'd timer: the wait itself keeps the process alive until it settles.
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Timed out after ${timeoutMillis} ms waiting for ${what} from ${command}\n${describe()}`));
        }, timeoutMillis);
        waiters.add(check);
        check();
      });
    },
    stop(graceMillis = 5_000) {
      stopping ??= (async () => {
        if (exitedFlag || child.pid === undefined) return;
        child.ref(); // keep the loop alive until the exit is seen
        // The leader first: Chromium then shuts its own children down and reaps them itself.
        child.kill("SIGTERM");
        const timer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), graceMillis);
        try {
          await exited;
        } finally {
          clearTimeout(timer);
        }
        // Children that the leader orphaned were SIGKILLed on its exit and are reaped by init, which
        // may take a second or two here: wait (bounded) until the group is gone, so that a test that
        // checks for leftovers after stop() sees none.
        const deadline = Date.now() + 5_000;
        while (groupExists(child.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      })();
      return stopping;
    },
  };
}
