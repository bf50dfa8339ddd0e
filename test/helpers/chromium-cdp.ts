/**
 * Headless Debian Chromium (/usr/bin/chromium, installed by .ci/run) as a Chrome DevTools Protocol
 * peer: JSON-RPC-like messages over one WebSocket, with sessions multiplexed by `sessionId` once a
 * target is attached with `{ flatten: true }`.
 *
 * Chromium picks its debugging port itself (`--remote-debugging-port=0`) and prints
 * "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/UUID" on stderr; that URL is the
 * browser endpoint. Each start gets a fresh profile in a temporary directory, removed on stop.
 * Chromium runs in a process group of its own and `stop()` ends the whole group (renderers, zygotes,
 * GPU and network processes), so nothing outlives a test.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { spawnOwned } from "./spawned.js";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * What headless Chromium needs here, as root in a container: no sandbox (root), no GPU, /tmp
 * instead of a small /dev/shm, and none of the background traffic (updates, sync, field trials)
 * that would try to reach the network.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-field-trial-config",
  "--disable-quic",
  "--metrics-recording-only",
  "--mute-audio",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

/** A `skip` value for tests: a reason where Chromium is missing (never in CI, where it must run). */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return false;
  return `${CHROMIUM_PATH} is not installed (CI installs it: apt-get install chromium)`;
}

export interface ChromiumOptions {
  /** How long the start may take before it fails with Chromium's output (default 30 s). */
  startupTimeoutMillis?: number;
  /** More command-line switches (before the initial URL). */
  args?: readonly string[];
}

export interface Chromium extends AsyncDisposable {
  /** The browser target's endpoint: `ws://127.0.0.1:PORT/devtools/browser/UUID`. */
  readonly browserWsUrl: string;
  /** The DevTools port (`http://127.0.0.1:PORT/json/version` lists the same URL). */
  readonly port: number;
  readonly pid: number;
  /** Ends Chromium's process group, waits for it to exit and removes the profile. Idempotent. */
  stop(): Promise<void>;
}

const DEVTOOLS = /DevTools listening on (ws:\/\/127\.0\.0\.1:(\d+)\/devtools\/browser\/[0-9a-f-]+)/;

/** Starts headless Chromium on about:blank; resolves with its browser endpoint. */
export async function startChromium(options: ChromiumOptions = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is not installed (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), "kite-cdp-"));
  const removeProfile = (): void => rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  const spawned = spawnOwned(CHROMIUM_PATH, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, ...(options.args ?? []), "about:blank"], {
    removeOnExit: [profile],
  });
  let match: RegExpExecArray;
  try {
    match = await spawned.waitForOutput("stderr", DEVTOOLS, options.startupTimeoutMillis ?? 30_000, '"DevTools listening on ws://…"');
  } catch (error) {
    await spawned.stop(1_000);
    removeProfile();
    throw error;
  }
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= spawned.stop().then(removeProfile));
  return {
    browserWsUrl: match[1],
    port: Number(match[2]),
    pid: spawned.pid,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** A page served to the browser: the HTML, or a function of the request. */
export type PageContent = string | ((request: IncomingMessage) => string);

export interface PageServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  readonly origin: string;
  /** The URL of a served path: `url("/")`, `url("/other")`. */
  url(path?: string): string;
  /** Every request path served so far (favicon requests included), in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** The page served at `/` unless the caller provides one: a title and a global for `Runtime.evaluate`. */
export const DEFAULT_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><title>kite-ws CDP test</title></head>' +
  '<body><p id="hello">hello</p><script>globalThis.kite = { answer: 42 };</script></body></html>';

/**
 * An HTTP server on 127.0.0.1, port 0, serving `pages` by path (default: DEFAULT_PAGE at `/`);
 * other paths answer 404, `/favicon.ico` 204. A real origin is used rather than data: URLs so a
 * navigation goes through the network stack as a page's would and a test can see the request land.
 */
export async function startPageServer(pages: Record<string, PageContent> = { "/": DEFAULT_PAGE }): Promise<PageServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(path);
    const page = pages[path];
    if (page === undefined) {
      response.writeHead(path === "/favicon.ico" ? 204 : 404).end();
      return;
    }
    const body = typeof page === "function" ? page(request) : page;
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { origin, url: (path = "/") => origin + path, requests, close, [Symbol.asyncDispose]: close };
}
