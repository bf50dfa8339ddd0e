// `kite` itself: help, version, usage errors, and how the package exposes it (bin, npm start).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KITE_MAIN, killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 15_000 };
const manifest = JSON.parse(readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

after(killAll);

async function run(args: readonly string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const kite = spawnKite(args);
  kite.end();
  const code = await kite.exited();
  return { code, stdout: kite.stdout, stderr: kite.stderr };
}

describe("kite", () => {
  for (const flag of ["--help", "-h", "help"]) {
    it(`kite ${flag} prints the usage on stdout and exits 0`, TEST, async () => {
      const { code, stdout, stderr } = await run([flag]);
      assert.equal(code, 0);
      assert.match(stdout, /^Usage: kite <command> \[options\]/);
      for (const command of ["connect", "echo", "demo", "help"]) assert.match(stdout, new RegExp(`\\n  ${command}\\b`));
      // The exit codes every command shares, 4 (a close handshake that timed out) included.
      assert.match(stdout, /Exit status:\n {2}0 [\s\S]*\n {2}1 [\s\S]*\n {2}2 [\s\S]*\n {2}3 [\s\S]*\n {2}4 +the close handshake timed out[\s\S]*\n {2}130 /);
      assert.equal(stderr, "");
    });
  }

  for (const args of [["help", "connect"], ["connect", "--help"], ["connect", "-h"]]) {
    it(`kite ${args.join(" ")} prints connect's usage with its exit codes`, TEST, async () => {
      const { code, stdout } = await run(args);
      assert.equal(code, 0);
      assert.match(stdout, /^Usage: kite connect \[options\] <url>/);
      assert.match(stdout, /Exit status:\n {2}0 .*\n[\s\S]*\n {2}1 [\s\S]*\n {2}2 [\s\S]*\n {2}3 [\s\S]*\n {2}4 +close handshake timed out/);
      for (const option of ["--header", "--subprotocol", "--ping", "--binary", "--json", "--no-color", "--connect-timeout", "--close-timeout"]) {
        assert.ok(stdout.includes(option), option);
      }
    });
  }

  it("kite help echo / kite demo --help", TEST, async () => {
    assert.match((await run(["help", "echo"])).stdout, /^Usage: kite echo/);
    assert.match((await run(["demo", "--help"])).stdout, /^Usage: kite demo/);
  });

  for (const flag of ["--version", "-v"]) {
    it(`kite ${flag} prints package.json's version`, TEST, async () => {
      const { code, stdout } = await run([flag]);
      assert.equal(code, 0);
      assert.equal(stdout, `${manifest.version}\n`);
    });
  }

  it("no command: usage on stderr, exit 2", TEST, async () => {
    const { code, stdout, stderr } = await run([]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(stderr, /^Usage: kite/);
  });

  for (const [args, message] of [
    [["--frobnicate"], /^kite: unknown option '--frobnicate'\nTry 'kite --help' for more information\.\n$/],
    [["frobnicate"], /^kite: unknown command 'frobnicate'/],
    [["help", "frobnicate"], /^kite: unknown command 'frobnicate'/],
    [["echo", "--port", "http"], /^kite echo: --port takes a port number/],
    [["echo", "--port", "70000"], /^kite echo: --port takes a port number/],
    [["echo", "--path", "echo"], /^kite echo: --path takes a path starting with "\/"/],
    [["echo", "extra"], /^kite echo: unexpected argument "extra"/],
    [["demo", "--port", "-1"], /^kite demo: /],
  ] as const) {
    it(`usage error (exit 2): kite ${args.join(" ")}`, TEST, async () => {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.match(stderr, message);
    });
  }

  it("PORT that is not a port is a usage error of kite demo", TEST, async () => {
    const kite = spawnKite(["demo"], { env: { PORT: "eighty" } });
    kite.end();
    assert.equal(await kite.exited(), 2);
    assert.match(kite.stderr, /PORT takes a port number/);
  });

  it("package.json: bin kite is the compiled main.js, which starts with a shebang", () => {
    assert.deepEqual(manifest.bin, { kite: "./dist/cli/main.js" });
    assert.ok(readFileSync(KITE_MAIN, "utf8").startsWith("#!/usr/bin/env node\n"));
  });

  it("package.json: npm start builds, then runs kite demo (the entry the demo tests spawn)", () => {
    assert.match(manifest.scripts.start, /^npm run -s build && node dist\/cli\/main\.js demo$/);
  });
});

describe("kite <url>", () => {
  it("is kite connect <url>, options before or after the URL", TEST, async () => {
    const { startWsPeer } = await import("../helpers/ws-peer.js");
    const peer = await startWsPeer();
    try {
      for (const args of [[`${peer.url}/echo`], ["-q", `${peer.url}/echo`], [`127.0.0.1:${peer.port}/echo`, "--close-code", "4000"]]) {
        const kite = spawnKite(args);
        kite.end("hello\n");
        assert.equal(await kite.exited(), 0, kite.stderr);
        assert.equal(kite.stdout, "hello\n");
      }
    } finally {
      await peer.close();
    }
  });

  it("an unknown word that is not a URL is still an unknown command", TEST, async () => {
    const { code, stderr } = await run(["conect", "ws://127.0.0.1:1/"]);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command 'conect'/);
  });
});
