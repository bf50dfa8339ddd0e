import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startWsPeer } from "../helpers/ws-peer.js";

// The repository root, from build*/test/package/ (compiled) three levels up.
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const execFileAsync = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// One `npm pack` (its prepack step builds dist/) for every test in this file.
let work = "";
let tarball = "";
before(
  () => {
    work = mkdtempSync(join(tmpdir(), "kite-pack-"));
    execFileSync(npm, ["pack", "--silent", "--pack-destination", work], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const name = readdirSync(work).find((file) => file.endsWith(".tgz"));
    assert.ok(name, "npm pack wrote a tarball");
    tarball = join(work, name);
  },
  { timeout: 180_000 },
);
after(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

test("npm pack gives a package a user installs, imports as kite-ws (and kite-ws/converters/msgpack), type-checks and connects with", { timeout: 180_000 }, async () => {
  const peer = await startWsPeer();
  try {
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: app, stdio: "ignore" });

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

    // So far without @msgpack/msgpack, an optional peer dependency that npm did not install. Now with
    // it (copied from this repository's node_modules: no registry), the subpath that uses it.
    assert.ok(!existsSync(join(app, "node_modules/@msgpack/msgpack")), "npm does not install the optional peer by itself");
    cpSync(join(root, "node_modules/@msgpack/msgpack"), join(app, "node_modules/@msgpack/msgpack"), { recursive: true });
    writeFileSync(
      join(app, "msgpack.ts"),
      [
        'import { HttpClient, CIO, WebSockets } from "kite-ws";',
        'import { MessagePackConverter, type MessagePackConverterOptions } from "kite-ws/converters/msgpack";',
        "const options: MessagePackConverterOptions = { sortKeys: true };",
        "const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => { ws.contentConverter = new MessagePackConverter(options); }));",
        "const echoed = await client.webSocket(process.env.URL!, async (session) => {",
        '  await session.sendSerialized({ packed: [1, "two", new Uint8Array([3])] });',
        "  return session.receiveDeserialized<{ packed: [number, string, Uint8Array] }>();",
        "});",
        "client.close();",
        "console.log(JSON.stringify(echoed.packed.map((item) => (item instanceof Uint8Array ? [...item] : item))));",
      ].join("\n"),
    );
    // @msgpack/msgpack's own declarations name DOM's BufferSource (its README says so), so a project
    // that checks libraries' declarations (skipLibCheck: false, as here) needs the DOM lib for them.
    writeFileSync(
      join(app, "tsconfig.msgpack.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { lib: ["ES2023", "DOM"] }, files: ["msgpack.ts"] }),
    );
    const tscMsgpack = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.msgpack.json"], { cwd: app, encoding: "utf8" });
    assert.equal(tscMsgpack.status, 0, `kite-ws/converters/msgpack type-checks in a user's strict project:\n${tscMsgpack.stdout}${tscMsgpack.stderr}`);
    const runMsgpack = await execFileAsync(process.execPath, ["out/msgpack.js"], { cwd: app, env: { ...process.env, URL: peer.url }, timeout: 20_000 });
    assert.equal(runMsgpack.stdout.trim(), '[1,"two",[3]]');
  } finally {
    await peer.close();
  }
});

/** A dev dependency's command, to run with this Node.js: the `bin` its package.json names. */
function binOf(pkg: string, command: string): string {
  const manifest = JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin[command];
  assert.ok(bin, `${pkg} has no ${command} command`);
  return join(root, "node_modules", pkg, bin);
}

/** Runs a dev dependency's command; resolves with its exit code and output, never rejects. */
async function runBin(file: string, args: readonly string[]): Promise<{ code: number | string; output: string }> {
  try {
    const run = await execFileAsync(process.execPath, [file, ...args], { cwd: work, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 60_000 });
    return { code: 0, output: run.stdout + run.stderr };
  } catch (error) {
    const failed = error as { code?: number | string | null; stdout?: string; stderr?: string };
    return { code: failed.code ?? "killed", output: (failed.stdout ?? "") + (failed.stderr ?? "") };
  }
}

test("publint finds nothing wrong with the packed package (--strict: warnings fail too)", { timeout: 90_000 }, async () => {
  const run = await runBin(binOf("publint", "publint"), ["run", "--strict", tarball]);
  assert.equal(run.code, 0, `publint:\n${run.output}`);
});

// The package is ESM only ("type": "module", "exports" without a "require" condition). attw's esm-only
// profile checks every subpath under node16/nodenext resolution from ESM and under bundler resolution,
// and leaves out what an ESM-only package does not support on purpose: require() from CommonJS
// (node16-cjs) and TypeScript's old node10 resolution, which ignores "exports" (no subpath resolves).
test("attw (are the types wrong, profile esm-only) finds no problem in the packed package's types", { timeout: 90_000 }, async () => {
  const run = await runBin(binOf("@arethetypeswrong/cli", "attw"), [tarball, "--profile", "esm-only", "--no-color", "--no-emoji"]);
  assert.equal(run.code, 0, `attw:\n${run.output}`);
});
