import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startWsPeer } from "../helpers/ws-peer.js";

// The repository root, from build*/test/package/ (compiled) three levels up.
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const execFileAsync = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

test("npm pack gives a package a user installs, imports as kite-ws, type-checks and connects with", { timeout: 180_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), "kite-pack-"));
  const peer = await startWsPeer();
  try {
    execFileSync(npm, ["pack", "--silent", "--pack-destination", work], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const tarball = readdirSync(work).find((name) => name.endsWith(".tgz"));
    assert.ok(tarball, "npm pack wrote a tarball");

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts", join(work, tarball)], { cwd: app, stdio: "ignore" });

    writeFileSync(
      join(app, "main.ts"),
      [
        'import { HttpClient, CIO, WebSockets, Frame, CloseReason, type DefaultClientWebSocketSession } from "kite-ws";',
        "const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => { ws.pingInterval = \"20s\"; }));",
        "const text: string = await client.webSocket(process.env.URL!, async (session: DefaultClientWebSocketSession) => {",
        '  await session.send("packed");',
        "  const frame = await session.incoming.receive();",
        '  if (!(frame instanceof Frame.Text)) throw new Error("expected text");',
        "  return frame.readText();",
        "});",
        "client.close();",
        "console.log(text, CloseReason.Codes.NORMAL);",
      ].join("\n"),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          lib: ["ES2023"],
          types: ["node"],
          typeRoots: [join(root, "node_modules/@types")],
          skipLibCheck: false,
          outDir: "out",
        },
        files: ["main.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: app, encoding: "utf8" });
    assert.equal(tsc.status, 0, `the package's types check in a user's strict project:\n${tsc.stdout}${tsc.stderr}`);

    // Asynchronously: the peer answering it lives in this process.
    const run = await execFileAsync(process.execPath, ["out/main.js"], { cwd: app, env: { ...process.env, URL: peer.url }, timeout: 20_000 });
    assert.equal(run.stdout.trim(), "packed 1000");
  } finally {
    await peer.close();
    rmSync(work, { recursive: true, force: true });
  }
});
