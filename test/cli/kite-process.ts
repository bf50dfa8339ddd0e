import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * The compiled CLI of the same build as this test: build/src/cli/main.js when run from build/test/cli/,
 * build-cli/src/cli/main.js from build-cli/test/cli/.
 */
export const KITE_MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

/** A running `kite`, driven through pipes. */
export interface KiteProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout / stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with what was written once `pattern` matches, or rejects (with the output) after `millis`. */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp | string, millis?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once output is read to its end; rejects after `millis`. */
  exited(millis?: number): Promise<number | NodeJS.Signals>;
  write(text: string): void;
  /** Ends stdin: what Ctrl-D or the end of a pipe does. */
  end(text?: string): void;
  signal(signal: NodeJS.Signals): void;
}

const running = new Set<ChildProcess>();

/**
 * Starts `node main.js ...args` with pipes for stdin, stdout and stderr. The environment is the
 * test's minus what changes kite's output (PORT, NO_COLOR), plus `env`.
 */
export function spawnKite(args: readonly string[], options: { env?: Record<string, string>; main?: string } = {}): KiteProcess {
  const env: Record<string, string | undefined> = { ...process.env, PORT: undefined, NO_COLOR: undefined, ...options.env };
  const child = spawn(process.execPath, [options.main ?? KITE_MAIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  running.add(child);
  let stdout = "";
  let stderr = "";
  let closed = false;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  // A child that exits before reading all its stdin makes our writes fail with EPIPE: not a test failure.
  child.stdin!.on("error", () => {});
  // 'close' comes after 'exit' and after stdout and stderr have been read to their end.
  const exit = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once("close", (code, signal) => {
      closed = true;
      running.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  const describe = (): string => `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(stream, pattern, millis = 5_000) {
      const text = (): string => (stream === "stdout" ? stdout : stderr);
      const matches = (): boolean => (typeof pattern === "string" ? text().includes(pattern) : pattern.test(text()));
      if (matches()) return Promise.resolve(text());
      if (closed) return Promise.reject(new Error(`kite exited before ${stream} matched ${String(pattern)}${describe()}`));
      return new Promise<string>((resolve, reject) => {
        const done = (error?: Error): void => {
          listeners.delete(check);
          clearTimeout(timer);
          child.off("close", onExit);
          if (error) reject(error);
          else resolve(text());
        };
        const check = (): void => {
          if (matches()) done();
        };
        const onExit = (): void => {
          if (matches()) done();
          else done(new Error(`kite exited before ${stream} matched ${String(pattern)}${describe()}`));
        };
        const timer = setTimeout(() => done(new Error(`Timed out after ${millis} ms waiting for ${stream} to match ${String(pattern)}${describe()}`)), millis);
        listeners.add(check);
        child.once("close", onExit);
      });
    },
    exited(millis = 10_000) {
      let timer: ReturnType<typeof setTimeout>;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`kite did not exit within ${millis} ms${describe()}`)), millis);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
    write(text) {
      child.stdin!.write(text);
    },
    end(text) {
      child.stdin!.end(text);
    },
    signal(signal) {
      child.kill(signal);
    },
  };
}

/** Kills every kite still running: for `after` hooks, so a failed test leaves no process behind. */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** A port that nothing listens on (just released by the OS), for "connection refused". */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server on a free port that accepts connections and says nothing, holding them open. */
export async function silentServer(): Promise<{ port: number; server: import("node:net").Server; close(): Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A WebSocket server that completes the handshake and then ignores everything, Close frames
 * included: for what kite does when the other side never answers.
 */
export async function deafServer(): Promise<{ url: string; close(): Promise<void> }> {
  const { createHash } = await import("node:crypto");
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.once("data", (head) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(String(head))?.[1] ?? "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Runs `kite ...args` with stdin read from `input` and stdout written to `output` (files, so bytes
 * pass untouched, as in `kite -b raw url < file > copy`); resolves with the exit code and stderr.
 */
export async function runKiteWithFiles(
  args: readonly string[],
  input: string,
  output: string,
  millis = 30_000,
): Promise<{ code: number | NodeJS.Signals; stderr: string }> {
  const { openSync, closeSync } = await import("node:fs");
  const stdin = openSync(input, "r");
  const stdout = openSync(output, "w");
  try {
    const env = { ...process.env, PORT: undefined, NO_COLOR: undefined };
    const child = spawn(process.execPath, [KITE_MAIN, ...args], { env, stdio: [stdin, stdout, "pipe"] });
    running.add(child);
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const code = await Promise.race([
      new Promise<number | NodeJS.Signals>((resolve) => child.once("close", (exit, signal) => resolve(exit ?? signal ?? -1))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`kite did not exit within ${millis} ms\n--- stderr ---\n${stderr}`)), millis);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      running.delete(child);
    });
    return { code, stderr };
  } finally {
    closeSync(stdin);
    closeSync(stdout);
  }
}
