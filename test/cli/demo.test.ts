// `kite demo`, the entry `npm start` runs (node dist/cli/main.js demo), driven through pipes.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { killAll, spawnKite } from "./kite-process.js";
import { PassThrough } from "node:stream";
import { listenForDemo, startServer } from "../../src/cli/demo.js";
import { LineConsole } from "../../src/cli/terminal.js";

const TEST = { timeout: 20_000 };
const GREETING = "Connected to the kite-ws echo server. Type a line and press Enter.";

after(killAll);

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("kite demo (npm start)", () => {
  it("printf 'hello\\n' | npm start: prints the greeting and the echo, exits 0 at the end of input", TEST, async () => {
    const kite = spawnKite(["demo"], { env: { PORT: "0" } });
    kite.end("hello\n");
    assert.equal(await kite.exited(), 0);
    assert.equal(kite.stdout, `${GREETING}\nhello\n`);
    assert.match(kite.stderr, /echo server listening on ws:\/\/127\.0\.0\.1:\d+\/echo/);
    assert.match(kite.stderr, /closed: 1000/);
  });

  it("line by line, as a user types: each line is echoed before the next is read", TEST, async () => {
    const kite = spawnKite(["demo", "--port", "0"]);
    await kite.waitFor("stdout", `${GREETING}\n`);
    kite.write("first line\n");
    await kite.waitFor("stdout", `${GREETING}\nfirst line\n`);
    kite.write("second\n");
    await kite.waitFor("stdout", "first line\nsecond\n");
    kite.end();
    assert.equal(await kite.exited(), 0);
  });

  it("empty input: the greeting, then a clean exit", TEST, async () => {
    const kite = spawnKite(["demo", "-q"], { env: { PORT: "0" } });
    kite.end();
    assert.equal(await kite.exited(), 0);
    assert.equal(kite.stdout, `${GREETING}\n`);
    assert.equal(kite.stderr, "");
  });

  it("Ctrl-C (SIGINT) closes the session and exits 0", TEST, async () => {
    const kite = spawnKite(["demo"], { env: { PORT: "0" } });
    await kite.waitFor("stdout", GREETING);
    kite.signal("SIGINT");
    assert.equal(await kite.exited(), 0);
  });

  it("a PORT in use: a message with the way out, exit 1", TEST, async () => {
    const blocker = await listen(0);
    const { port } = blocker.address() as AddressInfo;
    try {
      const kite = spawnKite(["demo"], { env: { PORT: String(port) } });
      kite.end();
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, new RegExp(`port ${port} is in use: run PORT=<n> npm start`));
      assert.equal(kite.stdout, "");
    } finally {
      await close(blocker);
    }
  });

  it("its preferred port taken and no port asked for: falls back to a free port and says so; a port asked for does not", TEST, async () => {
    // The preferred port is 8080 in `kite demo`; here a port of this test's, so that no test binds 8080.
    const blocker = await listen(0);
    const { port: taken } = blocker.address() as AddressInfo;
    try {
      let fellBack = 0;
      const started = await listenForDemo(null, taken, () => fellBack++);
      assert.ok("server" in started, "a server on a free port");
      assert.notEqual(started.server.port, taken);
      assert.equal(fellBack, 1);
      await started.server.close();
      const asked = await listenForDemo(taken, taken, () => fellBack++);
      assert.ok("failure" in asked);
      assert.equal((asked.failure as NodeJS.ErrnoException).code, "EADDRINUSE");
      assert.equal(asked.port, taken);
      assert.equal(fellBack, 1, "no fallback for a port asked for");
    } finally {
      await close(blocker);
    }
  });

  it("its preferred port taken: the status line says which port and that a free one is used instead", TEST, async () => {
    const blocker = await listen(0);
    const { port: taken } = blocker.address() as AddressInfo;
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {}, signals: { on: () => undefined, off: () => undefined } };
    const terminal = new LineConsole(io, { noColor: true, onInterrupt: () => {} });
    try {
      const server = await startServer(null, terminal, (line) => terminal.status(line), taken);
      assert.ok(server !== null);
      assert.notEqual(server.port, taken);
      await server.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(err, `port ${taken} is in use; using a free port instead (PORT=<n> npm start picks one)\n`);
    } finally {
      terminal.close();
      await close(blocker);
    }
  });
});
