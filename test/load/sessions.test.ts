// Load: 1,000 concurrent sessions to kite-ws/server from kite-ws clients, exchanging numbered
// messages for 5 s in one child process (./load-child.ts, run with --expose-gc). Nothing may be lost,
// repeated or reordered on either side, and once every session has closed the process's open file
// descriptors must be back to the baseline and its heap after GC close to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LoadReport } from "./load-child.js";

const CHILD = fileURLToPath(new URL("./load-child.js", import.meta.url));
const WANTED_SESSIONS = Number(process.env.LOAD_SESSIONS) || 1000;
const DURATION_MILLIS = Number(process.env.LOAD_MILLIS) || 5000;
const MiB = 1024 * 1024;

/** The soft and hard limits on open files, from /proc (Linux); null elsewhere. */
function openFileLimits(): { soft: number; hard: number } | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const [soft, hard] = (line ?? "").split(/\s{2,}/).slice(1, 3);
    const parse = (v: string | undefined): number => (v === "unlimited" ? Infinity : Number(v));
    return { soft: parse(soft), hard: parse(hard) };
  } catch {
    return null;
  }
}

test("load: 1,000 concurrent sessions for 5 s, nothing lost, repeated or reordered; descriptors and heap back to the baseline", { skip: process.platform !== "linux" && "counts /proc/self/fd", timeout: 120_000 }, async (t) => {
  const limits = openFileLimits();
  // Each session costs two descriptors here (client and server side), plus some for the process.
  const needed = WANTED_SESSIONS * 2 + 200;
  const sessions = limits === null || limits.soft >= needed ? WANTED_SESSIONS : Math.max(50, Math.floor((limits.soft - 200) / 2));
  t.diagnostic(`open files: soft ${limits?.soft}, hard ${limits?.hard}; need ${needed}; running ${sessions} sessions`);
  const child = fork(CHILD, [String(sessions), String(DURATION_MILLIS)], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const outcome = await new Promise<{ type: string; report?: LoadReport; error?: string }>((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`the load process exited (${code}) without a report`)));
  });
  child.kill();
  if (outcome.type === "error") assert.fail(outcome.error);
  const r = outcome.report!;
  t.diagnostic(
    `${r.sessions} sessions, ${r.messages} messages echoed in ${r.durationMillis} ms (${Math.round(r.messages / (r.durationMillis / 1000))}/s); ` +
      `opened in ${r.openMillis} ms, drained and closed in ${r.closeMillis} ms`,
  );
  t.diagnostic(`file descriptors: baseline ${r.fdsBaseline}, peak ${r.fdsPeak}, after ${r.fdsAfter}`);
  t.diagnostic(
    `heap used after GC: baseline ${(r.heapBaseline / MiB).toFixed(1)} MiB, peak ${(r.heapPeak / MiB).toFixed(1)} MiB, after ${(r.heapAfter / MiB).toFixed(1)} MiB; ` +
      `RSS: baseline ${(r.rssBaseline / MiB).toFixed(1)} MiB, peak ${(r.rssPeak / MiB).toFixed(1)} MiB, after ${(r.rssAfter / MiB).toFixed(1)} MiB`,
  );
  assert.deepEqual(r.errors, [], "every message arrived once, in order, on both sides");
  assert.equal(r.sessions, sessions);
  assert.ok(r.messages >= sessions * 10, `the sessions did exchange messages (${r.messages})`);
  assert.equal(r.serverSessionsLeft, 0, "the server holds no session");
  assert.ok(r.fdsPeak >= r.fdsBaseline + sessions * 2, `the load was real: ${r.fdsPeak} descriptors at the peak`);
  assert.equal(r.fdsAfter, r.fdsBaseline, "every socket was closed");
  assert.ok(r.heapAfter < r.heapBaseline + 2 * MiB, `heap after GC ${(r.heapAfter / MiB).toFixed(1)} MiB vs ${(r.heapBaseline / MiB).toFixed(1)} MiB at the baseline`);
  // RSS is only compared loosely: the allocator keeps pages it has used.
  assert.ok(r.rssAfter < r.rssBaseline + 200 * MiB, "RSS does not keep what the sessions used");
});
