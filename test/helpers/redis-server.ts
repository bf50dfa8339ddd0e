/**
 * A redis-server of the test's own (Debian's `redis-server`, installed by .ci/run), on 127.0.0.1 and a
 * port picked free, without persistence. `restart()` brings it back on the same port after `stop()`.
 */
import { createServer } from "node:net";
import { spawnOwned, type Spawned } from "./spawned.js";

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Ends it (SIGTERM, then SIGKILL); idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop()`). */
  restart(): Promise<void>;
}

/** A port nobody listens on now: listen(0) on 127.0.0.1, then close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function launch(port: number): Promise<Spawned> {
  const child = spawnOwned("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
  try {
    await child.waitForOutput("stdout", /Ready to accept connections/, 10_000, `redis-server on port ${port}`);
  } catch (error) {
    await child.stop(0);
    throw error;
  }
  return child;
}

/** Starts a redis-server on `port` (default: a free one). */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  let child: Spawned | null = await launch(chosen);
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    async stop() {
      const running = child;
      child = null;
      await running?.stop(1_000);
    },
    async restart() {
      if (child !== null) throw new Error("restart() after stop()");
      child = await launch(chosen);
    },
  };
}
