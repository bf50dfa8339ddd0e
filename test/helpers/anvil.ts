/**
 * anvil, Foundry's local Ethereum node, as a JSON-RPC peer over WebSocket (it serves HTTP and WS on
 * one port). The binary ships inside the npm package @foundry-rs/anvil-linux-amd64 (pinned in
 * runtimes/package.json: Linux x64 only, no install script). Always bound to 127.0.0.1.
 *
 * Ports: the first start passes `--port 0` and reads the port anvil chose from its
 * "Listening on 127.0.0.1:PORT" line; `restart()` passes that same port explicitly.
 *
 * Mining: by default anvil auto-mines (a block per transaction) and mines nothing on its own.
 * - `evm_mine` (no params) mines one block on demand, in any mode: the deterministic way to make
 *   `eth_subscribe ["newHeads"]` deliver a head. It answers "0x0" and the head is notified at once.
 * - `blockTime` (seconds, fractions work: 0.2) adds interval mining: a head every blockTime.
 * A restart starts a fresh chain: block numbers begin at 0 again and subscriptions are gone.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import { spawnOwned, type Spawned } from "./spawned.js";

/** The repository: this file runs as <repo>/build/test/helpers/anvil.js. */
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

export interface AnvilOptions {
  /** A port to bind (default: 0, a free one that anvil picks). */
  port?: number;
  /** Seconds between blocks (interval mining); fractions allowed. Default: none (mine with `evm_mine`). */
  blockTime?: number;
  /** How long a start may take before it fails with anvil's output (default 20 s). */
  startupTimeoutMillis?: number;
  /** More command-line arguments for anvil. */
  args?: readonly string[];
}

export interface Anvil extends AsyncDisposable {
  /** `ws://127.0.0.1:PORT` (the same port serves HTTP JSON-RPC at `http://127.0.0.1:PORT`). */
  readonly url: string;
  readonly port: number;
  /** The current process id (changes on restart). */
  readonly pid: number;
  /** Kills anvil (SIGTERM, then SIGKILL) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops anvil and starts it again on the same port; resolves when it accepts connections again. */
  restart(): Promise<void>;
}

/**
 * The anvil binary of the npm package that runtimes/package.json pins (Linux x64 only, so it is kept out
 * of the root package), or null where runtimes/ is not installed (`npm ci --prefix runtimes`).
 */
export function anvilBinary(): string | null {
  const binary = join(REPO, "runtimes", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");
  return existsSync(binary) ? binary : null;
}

/** Why the anvil tests cannot run here, or false. Under CI they always run (and fail without anvil). */
export function anvilSkipReason(): string | false {
  if (anvilBinary() !== null || process.env.CI) return false;
  return "anvil is not installed: npm ci --prefix runtimes (@foundry-rs/anvil-linux-amd64, Linux x64 only)";
}

const LISTENING = /Listening on 127\.0\.0\.1:(\d+)/;

async function launch(binary: string, port: number, options: AnvilOptions): Promise<{ process: Spawned; port: number }> {
  const args = ["--host", "127.0.0.1", "--port", String(port)];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  args.push(...(options.args ?? []));
  const spawned = spawnOwned(binary, args);
  try {
    const match = await spawned.waitForOutput("stdout", LISTENING, options.startupTimeoutMillis ?? 20_000, '"Listening on 127.0.0.1:PORT"');
    return { process: spawned, port: Number(match[1]) };
  } catch (error) {
    await spawned.stop(1_000);
    throw error;
  }
}

/** Starts anvil on 127.0.0.1 and resolves once it listens. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const binary = anvilBinary();
  if (binary === null) throw new Error("anvil is not installed: npm ci --prefix runtimes (@foundry-rs/anvil-linux-amd64)");
  const first = await launch(binary, options.port ?? 0, options);
  const port = first.port;
  let current = first.process;
  let stopped = false;
  const stop = async (): Promise<void> => {
    stopped = true;
    await current.stop();
  };
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get pid() {
      return current.pid;
    },
    stop,
    async restart() {
      stopped = false;
      await current.stop();
      // The port was anvil's a moment ago and nothing else here binds port numbers it did not pick,
      // but retry briefly on "Address already in use" rather than fail on a slow release.
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          current = (await launch(binary, port, options)).process;
          break;
        } catch (error) {
          if (!/Address already in use/.test(String(error)) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      if (stopped) await current.stop(); // stop() raced the restart: it wins
    },
    [Symbol.asyncDispose]: stop,
  };
}
