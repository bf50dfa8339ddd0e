// The scenarios of test/graphql/scenarios.ts against kite-ws's own server: the graphql-transport-ws
// route of examples/graphql-over-websocket.ts, run as its own process (SERVE=1), so both ends of the
// protocol are kite-ws. What the server sees comes from its log lines.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { graphqlScenarios, type GraphQLPeer } from "./scenarios.js";

const build = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = `${build}examples/graphql-over-websocket.js`;
const REGISTER = `${build}test/examples/register-kite-ws.js`;

/** Starts the example's server on `port` (0: a free one); resolves with the port it listens on. */
async function spawnServer(port: number, lines: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", REGISTER, EXAMPLE], {
    env: { ...process.env, SERVE: "1", PORT: String(port) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let buffered = "";
  const listening = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the example server did not start within 10 s")), 10_000);
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const match = /^listening on (\d+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        } else {
          lines.push(line);
        }
      }
    });
    child.once("exit", (code) => reject(new Error(`the example server exited (${code}) before listening`)));
  });
  return { child, port: await listening };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

graphqlScenarios("GraphQLWsClient against the kite-ws route of examples/graphql-over-websocket.ts", async (): Promise<GraphQLPeer> => {
  const lines: string[] = [];
  const started = await spawnServer(0, lines);
  const port = started.port;
  let child = started.child;
  const values = (prefix: string): string[] => lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    tokens: () => values("init token=").map((token) => (token === "undefined" ? undefined : token)),
    completed: () => values("complete id="),
    pongs: () => values("pong").length,
    // It pings its clients every second by itself.
    ping: () => {},
    restart: async () => {
      await stop(child);
      child = (await spawnServer(port, lines)).child;
    },
    [Symbol.asyncDispose]: () => stop(child),
  };
});
