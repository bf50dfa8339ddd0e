/**
 * The Platform engine in a real browser: headless Debian Chromium (/usr/bin/chromium, installed by
 * .ci/run), driven by playwright-core, loads the compiled browser build as plain ES modules from a
 * small static server and talks to our own `serve()` on 127.0.0.1. Skipped only where Chromium is
 * absent and CI is not set; in CI it always runs.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startEngineTestServer, eventually, type EngineTestServer } from "../engine/helpers/servers.js";
import { CloseReason } from "../../src/index.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (CI installs it: apt-get install chromium)` : false;
const T = { timeout: 60_000, skip };

/** The compiled tree this test belongs to (build/ or build-engines/), whose src/ holds the browser build as ES modules. */
const buildRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".map": "application/json", ".html": "text/html; charset=utf-8" };

/** Serves `/` (an empty page) and the files under the build's src/, nothing else. */
async function startStaticServer(): Promise<{ url: string; close(): Promise<void> }> {
  const srcRoot = join(buildRoot, "src") + sep;
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    if (path === "/favicon.ico") {
      response.writeHead(204).end();
      return;
    }
    if (path === "/") {
      response.writeHead(200, { "content-type": TYPES[".html"] });
      response.end("<!doctype html><title>kite-ws browser test</title><p>kite-ws</p>");
      return;
    }
    const file = resolve(buildRoot, `.${path}`);
    if (!file.startsWith(srcRoot) || !existsSync(file) || !statSync(file).isFile() || TYPES[extname(file)] === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)], "cache-control": "no-store" });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** What a page reports of an error: enough to check its class and fields. */
interface ErrorReport {
  readonly name: string;
  readonly message: string;
  readonly engine?: string;
  readonly capability?: string;
  readonly cause?: string;
}

type Kite = typeof import("../../src/browser.js");

describe("the Platform engine in headless Chromium", () => {
  let server: EngineTestServer;
  let pages: { url: string; close(): Promise<void> };
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];

  before(async () => {
    if (skip) return;
    server = await startEngineTestServer();
    pages = await startStaticServer();
    userDataDir = mkdtempSync(join(tmpdir(), "kite-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(`${pages.url}/`);
  });

  after(async () => {
    if (skip) return;
    await context?.close();
    await pages?.close();
    await server?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Runs `body` in the page with the browser build loaded as `kite`. */
  function inPage<A, R>(body: (kite: Kite, arg: A) => Promise<R>, arg: A): Promise<R> {
    return page.evaluate(
      async ({ source, moduleUrl, arg }) => {
        const kite = (await import(moduleUrl)) as Kite;
        const run = new Function(`return (${source})`)() as (kite: Kite, arg: A) => Promise<R>;
        return run(kite, arg as A);
      },
      { source: body.toString(), moduleUrl: `${pages.url}/src/browser.js`, arg },
    );
  }

  test("the browser build loads as plain ES modules and defaults to the Platform engine", T, async () => {
    const info = await inPage(async (kite) => {
      const client = new kite.HttpClient();
      const result = {
        engine: client.engine.name,
        capabilities: [...client.engine.capabilities].sort(),
        hasCio: "CIO" in kite,
        userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent ?? "",
      };
      client.close();
      return result;
    }, null);
    assert.equal(info.engine, "Platform");
    assert.deepEqual(info.capabilities, ["websockets"], "a browser's WebSocket takes no headers");
    assert.equal(info.hasCio, false);
    assert.match(info.userAgent, /HeadlessChrome/);
    assert.deepEqual(pageErrors, []);
  });

  test("echo of text and binary, and the JSON converter", T, async () => {
    const result = await inPage(
      async (kite, url) => {
        const client = new kite.HttpClient((config) => config.install(kite.WebSockets, (ws) => (ws.contentConverter = new kite.JsonConverter())));
        const echoed = await client.webSocket(`${url}/echo`, async (session) => {
          await session.send("hello from Chromium");
          const text = await session.incoming.receive();
          await session.send(new Uint8Array([0, 1, 2, 250, 255]));
          const binary = await session.incoming.receive();
          return {
            text: text instanceof kite.Frame.Text ? text.readText() : null,
            bytes: binary instanceof kite.Frame.Binary ? [...binary.readBytes()] : null,
            protocol: session.protocol,
            response: session.response,
          };
        });
        const json = await client.webSocket(`${url}/json`, async (session) => {
          await session.sendSerialized({ n: 42, s: "ünïcode", list: [true, null] });
          return session.receiveDeserialized();
        });
        client.close();
        return { echoed, json };
      },
      server.url,
    );
    assert.deepEqual(result.echoed, { text: "hello from Chromium", bytes: [0, 1, 2, 250, 255], protocol: null, response: null });
    assert.deepEqual(result.json, { got: { n: 42, s: "ünïcode", list: [true, null] } });
  });

  test("close codes from the browser reach the server; 1011 goes out without a code (1005), as documented", T, async () => {
    const before = server.closeReasons.length;
    const local = await inPage(
      async (kite, url) => {
        const client = new kite.HttpClient((config) => config.install(kite.WebSockets));
        const reasons: { code: number; message: string }[] = [];
        for (const [code, message] of [
          [1000, "normal"],
          [4001, "custom bye"],
        ] as const) {
          const session = await client.webSocketSession(`${url}/echo`);
          await session.close(new kite.CloseReason(code, message));
          const reason = await session.closeReason;
          reasons.push({ code: reason?.code ?? -1, message: reason?.message ?? "" });
        }
        let thrown = "";
        try {
          await client.webSocket(`${url}/echo`, () => {
            throw new Error("block failed");
          });
        } catch (error) {
          thrown = (error as Error).message;
        }
        client.close();
        return { reasons, thrown };
      },
      server.url,
    );
    assert.deepEqual(local.reasons, [
      { code: 1000, message: "normal" },
      { code: 4001, message: "custom bye" },
    ]);
    assert.equal(local.thrown, "block failed");
    await eventually(() => server.closeReasons.length >= before + 3, 5_000, "the server's three closes");
    assert.deepEqual(server.closeReasons.slice(before, before + 2), [new CloseReason(1000, "normal"), new CloseReason(4001, "custom bye")]);
    assert.equal(server.closeReasons[before + 2]?.code, CloseReason.Codes.NO_STATUS_RECEIVED);
  });

  test("close codes from the server reach the browser's closeReason", T, async () => {
    const reasons = await inPage(
      async (kite, url) => {
        const client = new kite.HttpClient((config) => config.install(kite.WebSockets));
        const out: { code: number; message: string; frames: number }[] = [];
        for (const [code, message] of [
          [1001, "going away"],
          [1011, "server error"],
          [4002, "custom"],
        ] as const) {
          const session = await client.webSocketSession(`${url}/close?code=${code}&reason=${encodeURIComponent(message)}`);
          let frames = 0;
          for await (const _ of session.incoming) frames++;
          const reason = await session.closeReason;
          out.push({ code: reason?.code ?? -1, message: reason?.message ?? "", frames });
        }
        client.close();
        return out;
      },
      server.url,
    );
    assert.deepEqual(reasons, [
      { code: 1001, message: "going away", frames: 0 },
      { code: 1011, message: "server error", frames: 0 },
      { code: 4002, message: "custom", frames: 0 },
    ]);
  });

  test("what a browser's WebSocket cannot do fails with EngineCapabilityError naming Platform", T, async () => {
    const errors = await inPage(
      async (kite, url) => {
        const report = (error: unknown): ErrorReport => {
          const e = error as Error & { engine?: string; capability?: string };
          return {
            name: e.name,
            message: e.message,
            engine: e.engine,
            capability: e.capability,
            ...(e.cause ? { cause: (e.cause as Error).name } : {}),
          };
        };
        const attempt = async (run: () => unknown): Promise<ErrorReport | null> => {
          try {
            await run();
            return null;
          } catch (error) {
            return report(error);
          }
        };
        const out: Record<string, ErrorReport | null> = {};
        out.pingInterval = await attempt(() => new kite.HttpClient((config) => config.install(kite.WebSockets, (ws) => (ws.pingInterval = "20s"))));
        out.maxFrameSize = await attempt(() => new kite.HttpClient((config) => config.install(kite.WebSockets, (ws) => (ws.maxFrameSize = 1024))));
        const client = new kite.HttpClient((config) => config.install(kite.WebSockets));
        out.raw = await attempt(() => client.webSocketRawSession(`${url}/echo`));
        out.headers = await attempt(() => client.webSocketSession({ url: `${url}/echo`, headers: { authorization: "Bearer x" } }));
        out.credentials = await attempt(() => client.webSocketSession(url.replace("ws://", "ws://user:pw@") + "/echo"));
        await client.webSocket(`${url}/echo`, async (session) => {
          out.ping = await attempt(() => session.send(new kite.Frame.Ping(new Uint8Array([1]))));
          out.livePing = await attempt(() => (session.pingIntervalMillis = 1000));
          out.fragment = await attempt(() => session.send(new kite.Frame.Text(false, "part")));
          await session.send("still usable");
          const frame = await session.incoming.receive();
          out.stillUsable = frame instanceof kite.Frame.Text && frame.readText() === "still usable" ? null : report(new Error("not usable"));
        });
        // maxFrameSize, enforced per message once the browser has it: 1009 and FrameTooBigError.
        const big = await client.webSocketSession(`${url}/big?bytes=2000`);
        big.maxFrameSize = 1000;
        out.tooBig = await attempt(() => big.incoming.receive());
        const reason = await big.closeReason;
        out.tooBigCode = { name: "code", message: String(reason?.code) };
        client.close();
        return out;
      },
      server.url,
    );
    const capability = (which: string, name: string): void => {
      const error = errors[which];
      assert.ok(error, `${which} failed`);
      assert.equal(error.name, "EngineCapabilityError", `${which}: ${error.message}`);
      assert.equal(error.engine, "Platform");
      assert.equal(error.capability, name);
      assert.match(error.message, new RegExp(`^The Platform engine does not support ${name}: .+`));
    };
    capability("pingInterval", "pingFrames");
    capability("maxFrameSize", "frameSizeLimit");
    capability("raw", "rawFrames");
    capability("headers", "customHeaders");
    capability("credentials", "customHeaders");
    capability("ping", "pingFrames");
    capability("livePing", "pingFrames");
    capability("fragment", "fragmentedFrames");
    assert.equal(errors.stillUsable, null);
    assert.equal(errors.tooBig?.cause, "FrameTooBigError");
    assert.deepEqual(errors.tooBigCode, { name: "code", message: "1009" });
  });

  test("outgoing waits on bufferedAmount in the browser too", T, async () => {
    const result = await inPage(
      async (kite, url) => {
        const client = new kite.HttpClient(kite.Platform, (config) => {
          config.engine((platform) => {
            platform.writeHighWaterMark = 128 * 1024;
            platform.drainPollMillis = 5;
          });
          config.install(kite.WebSockets, (ws) => (ws.channels.outgoing = { capacity: 2, onOverflow: "suspend" }));
        });
        const session = await client.webSocketSession(`${url}/slow?millis=1500`);
        const count = 600; // 38 MiB: far more than the socket buffers and the server session's 4 MiB of incoming hold
        let sent = 0;
        const sending = (async () => {
          for (let i = 0; i < count; i++) {
            await session.send(new Uint8Array(64 * 1024).fill(i & 0xff));
            sent++;
          }
        })();
        await new Promise((done) => setTimeout(done, 700));
        const sentWhileBlocked = sent;
        await sending;
        let received = 0;
        let inOrder = true;
        for await (const frame of session.incoming) {
          if (frame.data[0] !== (received & 0xff)) inOrder = false;
          if (++received === count) break;
        }
        await session.close();
        client.close();
        return { sentWhileBlocked, count, received, inOrder };
      },
      server.url,
    );
    assert.ok(result.sentWhileBlocked < result.count, `sending waited (${result.sentWhileBlocked} of ${result.count})`);
    assert.equal(result.received, result.count);
    assert.ok(result.inOrder);
    assert.deepEqual(pageErrors, []);
  });
});
