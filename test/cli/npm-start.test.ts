// The README's first quick-start command, literally: `npm start`, driven through a pipe.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const GREETING = "Connected to the kite-ws echo server. Type a line and press Enter.";

test("printf 'hello\\n' | npm start -s builds, greets, echoes and exits 0", { timeout: 120_000 }, async () => {
  const child = spawn(process.platform === "win32" ? "npm.cmd" : "npm", ["start", "-s"], {
    cwd: root,
    env: { ...process.env, PORT: "0", NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  child.stdin.end("hello\n");
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split("\n"), [GREETING, "hello"]);
  assert.match(stderr, /closed: 1000/);
});
