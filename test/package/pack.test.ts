import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { startWsPeer } from "../helpers/ws-peer.js";

// The repository root, from build*/test/package/ (compiled) three levels up.
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../../..");
const execFileAsync = promisify(execFile);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// One `npm pack` (its prepack step builds dist/) for every test in this file.
let work = "";
let tarball = "";
/** The tarball unpacked: its files are under <unpacked>/package/. */
let unpacked = "";
before(
  () => {
    work = mkdtempSync(join(tmpdir(), "kite-pack-"));
    execFileSync(npm, ["pack", "--silent", "--pack-destination", work], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const name = readdirSync(work).find((file) => file.endsWith(".tgz"));
    assert.ok(name, "npm pack wrote a tarball");
    tarball = join(work, name);
    unpacked = join(work, "unpacked");
    execFileSync("mkdir", ["-p", unpacked]);
    execFileSync("tar", ["-xzf", tarball, "-C", unpacked]);
  },
  { timeout: 180_000 },
);
after(() => {
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

test("npm pack gives a package a user installs, imports as kite-ws (and every subpath), type-checks and connects with", { timeout: 180_000 }, async () => {
  const peer = await startWsPeer();
  try {
    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: app, stdio: "ignore" });

    writeFileSync(
      join(app, "main.ts"),
      [
        'import { HttpClient, CIO, WebSockets, Frame, CloseReason, type DefaultWebSocketSession } from "kite-ws";',
        "const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => { ws.pingInterval = \"20s\"; }));",
        "const text: string = await client.webSocket(process.env.URL!, async (session: DefaultWebSocketSession) => {",
        '  await session.send("packed");',
        "  const frame = await session.incoming.receive();",
        '  if (!(frame instanceof Frame.Text)) throw new Error("expected text");',
        "  return frame.readText();",
        "});",
        "client.close();",
        "// @ts-expect-error the Reconnect builders come with kite-ws/reconnect, which this file does not import",
        "void client.reconnectingSession;",
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
    // And every subpath's declarations, in the same compilation: with stripInternal, an @internal
    // declaration that a published type still needs would be missing here.
    writeFileSync(
      join(app, "subpaths.ts"),
      [
        'import { HttpClient, WebSockets, CloseReason, Frame, type HttpClientEngine, type EngineConnection, type DefaultWebSocketSession } from "kite-ws";',
        'import { webSocketRoutes, type WebSocketHandler, type WebSocketServerOptions, type DefaultWebSocketServerSession } from "kite-ws/server";',
        'import { MockEngine, type MockServerSession } from "kite-ws/testing";',
        'import { WsEngine } from "kite-ws/engines/ws";',
        'import { Platform } from "kite-ws/engines/platform";',
        'import { MessagePackConverter } from "kite-ws/converters/msgpack";',
        'import { Reconnect, ReconnectGaveUpError, type ReconnectingWebSocketSession } from "kite-ws/reconnect";',
        'import { Logging, type LogLevel } from "kite-ws/logging";',
        '// Without the redis package installed: it is loaded only when a server starts the backplane.',
        'import { redisBackplane, type Backplane } from "kite-ws/server/redis";',
        "const handler: WebSocketHandler = async (session: DefaultWebSocketServerSession) => { for await (const frame of session.incoming) await session.send(frame); };",
        "const options: WebSocketServerOptions = { exposeErrors: false, contentConverter: new MessagePackConverter() };",
        'const routes = webSocketRoutes((r) => r.webSocket("/echo", handler), options);',
        "const mock: HttpClientEngine = new MockEngine(async (server: MockServerSession) => { for await (const f of server.incoming) await server.send(f); });",
        'const open = (engine: HttpClientEngine, request: Parameters<HttpClientEngine["connectWebSocket"]>[0]): Promise<EngineConnection> => engine.connectWebSocket(request);',
        "const client = new HttpClient(mock, (config) => config.install(WebSockets));",
        'const text = await client.webSocket("ws://mock/echo", async (session: DefaultWebSocketSession) => { await session.send("hi"); const frame = await session.incoming.receive(); return frame instanceof Frame.Text ? frame.readText() : null; });',
        "client.close();",
        "void routes.close();",
        'const backplane: Backplane = redisBackplane({ url: "redis://127.0.0.1:6379" });',
        "if (typeof backplane.publish !== \"function\") throw new Error(\"no backplane\");",
        'const level: LogLevel = "none";',
        "const both = new HttpClient(new MockEngine(), (config) => { config.install(WebSockets); config.install(Reconnect, (r) => { r.minDelayMillis = 100; r.maxDelay = \"1s\"; }); config.install(Logging, (l) => { l.level = level; }); });",
        'const feed: ReconnectingWebSocketSession = both.reconnectingSession("ws://mock/feed", { maxAttempts: 1 });',
        "await feed.close();",
        "both.close();",
        "console.log(text, typeof WsEngine, typeof Platform, typeof open, CloseReason.Codes.NORMAL, typeof ReconnectGaveUpError);",
      ].join("\n"),
    );
    // @msgpack/msgpack's own declarations name DOM's BufferSource (its README says so), so a project
    // that checks libraries' declarations (skipLibCheck: false, as here) needs the DOM lib for them.
    writeFileSync(
      join(app, "tsconfig.msgpack.json"),
      JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { lib: ["ES2023", "DOM"] }, files: ["msgpack.ts", "subpaths.ts"] }),
    );
    const tscMsgpack = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.msgpack.json"], { cwd: app, encoding: "utf8" });
    assert.equal(tscMsgpack.status, 0, `kite-ws/converters/msgpack and every subpath type-check in a user's strict project:\n${tscMsgpack.stdout}${tscMsgpack.stderr}`);
    const runMsgpack = await execFileAsync(process.execPath, ["out/msgpack.js"], { cwd: app, env: { ...process.env, URL: peer.url }, timeout: 20_000 });
    assert.equal(runMsgpack.stdout.trim(), '[1,"two",[3]]');
    const runSubpaths = await execFileAsync(process.execPath, ["out/subpaths.js"], { cwd: app, timeout: 20_000 });
    assert.equal(runSubpaths.stdout.trim(), "hi object object function 1000 function");
  } finally {
    await peer.close();
  }
});

/** Every file of the packed package, as paths relative to its root (with "/"). */
function packedFiles(): string[] {
  const base = join(unpacked, "package");
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [relative(base, join(dir, entry.name)).split(sep).join("/")],
    );
  return walk(base).sort();
}

test("the tarball has the MIT LICENSE, the README, and only dist/ and src/ besides", () => {
  const files = packedFiles();
  assert.ok(files.includes("LICENSE"), "LICENSE is packed");
  const license = readFileSync(join(unpacked, "package", "LICENSE"), "utf8");
  assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 the kite-ws authors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  assert.equal(license, readFileSync(join(root, "LICENSE"), "utf8"), "the repository's LICENSE");
  assert.ok(files.includes("README.md"));
  const manifest = JSON.parse(readFileSync(join(unpacked, "package", "package.json"), "utf8")) as { license: string };
  assert.equal(manifest.license, "MIT");
  const others = files.filter((file) => !/^(?:dist|src)\//.test(file) && !["LICENSE", "README.md", "package.json"].includes(file));
  assert.deepEqual(others, [], "files outside dist/ and src/");
});

// A map that names a file the package lacks sends debuggers and "go to definition" nowhere.
test("every sourceMappingURL and every source map's sources resolve to files inside the tarball", () => {
  const base = join(unpacked, "package");
  const files = packedFiles();
  const packed = new Set(files);
  const problems: string[] = [];
  /** A path inside the package, from `from` (a packed file's folder) and a relative reference; null when it leaves the package. */
  const inside = (fromDir: string, reference: string): string | null => {
    const target = relative(base, resolve(base, fromDir, decodeURIComponent(reference))).split(sep).join("/");
    return target.startsWith("../") || target === ".." ? null : target;
  };
  let urls = 0;
  let sources = 0;
  for (const file of files.filter((name) => /\.(?:m?js|d\.m?ts)$/.test(name))) {
    const text = readFileSync(join(base, file), "utf8");
    for (const match of text.matchAll(/^\/\/# sourceMappingURL=(\S+)\s*$/gm)) {
      urls++;
      const target = match[1].startsWith("data:") ? file : inside(dirname(file), match[1]);
      if (target === null || !packed.has(target)) problems.push(`${file}: sourceMappingURL=${match[1]} is not in the tarball`);
    }
  }
  for (const file of files.filter((name) => name.endsWith(".map"))) {
    const map = JSON.parse(readFileSync(join(base, file), "utf8")) as { sources?: unknown; sourceRoot?: unknown };
    assert.ok(Array.isArray(map.sources), `${file} has sources`);
    const sourceRoot = typeof map.sourceRoot === "string" ? map.sourceRoot : "";
    for (const source of map.sources as unknown[]) {
      sources++;
      const target = typeof source === "string" ? inside(dirname(file), sourceRoot === "" ? source : `${sourceRoot.replace(/\/?$/, "/")}${source}`) : null;
      if (target === null || !packed.has(target)) problems.push(`${file}: source ${JSON.stringify(source)} is not in the tarball`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(urls > 0 && sources > 0, `checked ${urls} sourceMappingURLs and ${sources} sources`);
});

// Bundlers drop a module whose exports are unused unless package.json "sideEffects" lists it: the
// modules that add builders to HttpClient, and those that import them for that alone, must be listed.
test('"sideEffects" lists every module that adds builders to HttpClient or imports one only to load it', () => {
  const base = join(unpacked, "package");
  const manifest = JSON.parse(readFileSync(join(base, "package.json"), "utf8")) as { sideEffects: string[] };
  const listed = new Set(manifest.sideEffects.map((path) => path.replace(/^\.\//, "")));
  const modules = packedFiles().filter((file) => file.startsWith("dist/") && file.endsWith(".js"));
  const extending = modules.filter((file) => /^extendHttpClient\(/m.test(readFileSync(join(base, file), "utf8")));
  assert.deepEqual(extending.sort(), ["dist/plugins/reconnect/builders.js", "dist/plugins/websockets/builders.js"]);
  const loading = modules.filter((file) => /^import "\.{1,2}\/[^"]+";$/m.test(readFileSync(join(base, file), "utf8")));
  const missing = [...extending, ...loading].filter((file) => !listed.has(file));
  assert.deepEqual(missing, [], "add these to package.json \"sideEffects\"");
  for (const path of listed) assert.ok(modules.includes(path), `sideEffects names ${path}, which the package does not have`);
});

test("no @internal declaration is published in the .d.ts files (stripInternal)", () => {
  const base = join(unpacked, "package");
  const leaks = packedFiles()
    .filter((file) => /\.d\.m?ts$/.test(file))
    .filter((file) => readFileSync(join(base, file), "utf8").includes("@internal"));
  assert.deepEqual(leaks, []);
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
