// Every file in examples/ runs, as its own process, to a clean exit (code 0) within a bound: new
// examples are found, not listed. An example gets no input (stdin is at its end at once) and may
// connect to 127.0.0.1 / ::1 only; the few that need more say so in SETUP below, as a user would be
// told in the example's header. No example's test takes a fixed port: one that needs a server gets
// it on a free port, through the PORT variable its header documents (8080 when unset, for users).
//
// The examples are the files pretest compiled into build/examples/. They import "kite-ws" by name, as a
// user would; register-kite-ws.js resolves that name through package.json "exports" to the same test
// build (build/src/...) instead of dist/, which other tests rebuild while the suite runs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, type WebSocketServer } from "../../src/server/index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
/** The build directory (build/, or another outDir) and the repository root. */
const build = resolve(here, "../..");
const root = resolve(build, "..");

/** Longest an example may run, start to exit. They take 0.5–3 s; the margin is for a loaded CI machine. */
const EXAMPLE_TIMEOUT_MILLIS = 30_000;

interface ExampleSetup {
  /** Why the example needs more than to be run; shown in the test's name. */
  readonly because: string;
  /** Written to the example's stdin, which is then closed. */
  readonly stdin?: string;
  /** Started (on a free port) before the example, closed after it. */
  readonly server?: () => Promise<WebSocketServer>;
  /** Environment for the example, given the server started for it (e.g. its port). */
  readonly env?: (server: WebSocketServer | null) => Readonly<Record<string, string>>;
  /** What the example must print, line by line. */
  readonly stdout?: readonly string[];
}

const SEED_GREETING = "Hello! Type a line and press Enter.";

/** The examples that need something, by file name without extension. */
const SETUP: Record<string, ExampleSetup> = {
  // Ktor's seed example, to the letter: it talks to ws://127.0.0.1:8080/echo, or to the port in
  // PORT, and sends what the user types. Its header asks for `kite echo --greet ...`; this is that
  // server, on a free port.
  "seed-example": {
    because: "an echo server that greets on 127.0.0.1 (a free port, as PORT), and a line typed",
    stdin: "hello\n",
    server: () => greetingEchoServer(0),
    env: (server) => ({ PORT: String(server?.port) }),
    stdout: [SEED_GREETING, "hello"],
  },
};

/** The example sources: examples/*.ts (not declaration files), .js and .mjs, sorted. */
function findExamples(): string[] {
  return readdirSync(join(root, "examples"))
    .filter((name) => /\.(?:m?ts|m?js)$/.test(name) && !/\.d\.m?ts$/.test(name))
    .sort();
}

/** The file node runs for an example: its compiled form for TypeScript, the file itself otherwise. */
function runnable(name: string): string {
  if (/\.m?js$/.test(name)) return join(root, "examples", name);
  return join(build, "examples", name.replace(/\.ts$/, ".js").replace(/\.mts$/, ".mjs"));
}

/** The examples' default port, which a user's `kite echo` may hold: the loopback guard refuses it. */
const USERS_PORT = 8080;

describe("examples/", () => {
  const examples = findExamples();

  test(`the guard the examples run under refuses port ${USERS_PORT} and other hosts, before any packet`, async () => {
    const probe = `
      import { connect } from "node:net";
      for (const [port, host] of [[${USERS_PORT}, "127.0.0.1"], [80, "192.0.2.1"]]) {
        const error = await new Promise((resolve) => connect(port, host).once("error", resolve).once("connect", () => resolve(null)));
        console.log(error === null ? "connected" : error.message);
      }`;
    const child = spawn(process.execPath, ["--import", join(here, "loopback-only.js"), "--input-type=module", "-e", probe], {
      env: { ...process.env, KITE_TEST_REFUSED_PORT: String(USERS_PORT) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
    await new Promise((done) => child.once("close", done));
    assert.deepEqual(out.trim().split("\n"), [
      `examples under test connect to the port their test gives them, not to ${USERS_PORT} (test/examples/loopback-only.ts)`,
      "examples connect to 127.0.0.1 only, not to 192.0.2.1 (test/examples/loopback-only.ts)",
    ]);
  });

  test("has examples, and SETUP names only examples that exist", () => {
    assert.ok(examples.length > 0, "no examples found in examples/");
    const stems = new Set(examples.map((name) => name.replace(/\.[^.]+$/, "")));
    for (const name of Object.keys(SETUP)) assert.ok(stems.has(name), `SETUP has "${name}", which is not in examples/`);
  });

  for (const name of examples) {
    const setup = SETUP[name.replace(/\.[^.]+$/, "")];
    const title = `examples/${name} runs to exit code 0${setup ? ` (given ${setup.because})` : ""}`;
    test(title, { timeout: EXAMPLE_TIMEOUT_MILLIS + 20_000 }, async (t) => {
      const file = runnable(name);
      assert.ok(existsSync(file), `${file} does not exist: is examples/ in tsconfig.json's "include"?`);
      const server = setup?.server ? await setup.server() : null;
      try {
        const run = await runExample(file, setup?.stdin ?? "", setup?.env?.(server) ?? {});
        const report = `\n--- stdout ---\n${run.stdout}--- stderr ---\n${run.stderr}`;
        assert.ok(!run.timedOut, `still running after ${EXAMPLE_TIMEOUT_MILLIS} ms, killed${report}`);
        assert.equal(run.code, 0, `exit code ${String(run.code)}, signal ${String(run.signal)}${report}`);
        if (setup?.stdout) assert.deepEqual(run.stdout.trimEnd().split("\n"), setup.stdout, report);
        t.diagnostic(`${name}: ${run.millis} ms`);
      } finally {
        await server?.close();
      }
    });
  }
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly millis: number;
}

/** Runs one example with node, the kite-ws resolver and the loopback guard, feeding it `stdin`. */
function runExample(file: string, stdin: string, extraEnv: Readonly<Record<string, string>>): Promise<Run> {
  // The test runner marks its children with NODE_TEST_CONTEXT; an example that uses node:test must
  // run as a plain program, reporting to its own stdout and setting its own exit code. PORT is the
  // example's only when SETUP gives it one.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", KITE_TEST_REFUSED_PORT: String(USERS_PORT), ...extraEnv };
  if (!("PORT" in extraEnv)) delete env.PORT;
  delete env.NODE_TEST_CONTEXT;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", join(here, "register-kite-ws.js"), "--import", join(here, "loopback-only.js"), file],
    { cwd: root, env, stdio: ["pipe", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  let timedOut = false;
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdin.on("error", () => {}); // an example that exits without reading its input
  child.stdin.end(stdin);
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, EXAMPLE_TIMEOUT_MILLIS);
  return new Promise((done, fail) => {
    child.once("error", (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut, stdout, stderr, millis: Math.round(performance.now() - started) });
    });
  });
}

/** What `kite echo --greet <SEED_GREETING>` runs: greet each client, then send back what it sends. */
function greetingEchoServer(port: number): Promise<WebSocketServer> {
  return serve({ host: "127.0.0.1", port }, (routes) => {
    routes.webSocket("/echo", async (session) => {
      await session.send(SEED_GREETING);
      for await (const frame of session.incoming) await session.send(frame);
    });
  });
}
