// The load test's process (forked by test/load/sessions.test.ts with --expose-gc): kite-ws/server on
// 127.0.0.1 and SESSIONS kite-ws client sessions to it, in this one process so that its file
// descriptors and heap are the measure. Each session sends numbered messages (a window of WINDOW in
// flight) for DURATION ms; the server checks the numbers and echoes; the client checks the echoes.
// Then every session closes, and the descriptors and the heap after GC are compared with the
// baseline taken after a warm-up. The report goes to the parent over IPC.
import { readdirSync } from "node:fs";
import { Buffer } from "node:buffer";
import { HttpClient, CIO, WebSockets, Frame, type DefaultWebSocketSession } from "../../src/index.js";
import { serve } from "../../src/server/index.js";

const SESSIONS = Number(process.argv[2] ?? 1000);
const DURATION = Number(process.argv[3] ?? 5000);
const WINDOW = 8;
const CONNECT_BATCH = 100;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

export interface LoadReport {
  sessions: number;
  durationMillis: number;
  messages: number;
  /** Problems found: a message lost, repeated or out of order, on either side. */
  errors: string[];
  fdsBaseline: number;
  fdsPeak: number;
  fdsAfter: number;
  heapBaseline: number;
  heapPeak: number;
  heapAfter: number;
  rssBaseline: number;
  rssPeak: number;
  rssAfter: number;
  openMillis: number;
  closeMillis: number;
  serverSessionsLeft: number;
}

const fds = (): number => readdirSync("/proc/self/fd").length;

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc!();
}

function message(id: number, seq: number): Uint8Array {
  const bytes = Buffer.allocUnsafe(24);
  bytes.writeUInt32BE(id, 0);
  bytes.writeUInt32BE(seq, 4);
  bytes.fill(seq & 0xff, 8);
  return bytes;
}

function read(frame: Frame): { id: number; seq: number; ok: boolean } {
  const data = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.length);
  if (!(frame instanceof Frame.Binary) || data.length !== 24) return { id: -1, seq: -1, ok: false };
  const seq = data.readUInt32BE(4);
  const body = data.subarray(8);
  return { id: data.readUInt32BE(0), seq, ok: body.every((b) => b === (seq & 0xff)) };
}

async function main(): Promise<void> {
  const errors: string[] = [];
  const serverCounts = new Map<number, number>();
  const server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
    routes.webSocket("/load", async (session) => {
      let id = -1;
      let expected = 0;
      for await (const frame of session.incoming) {
        const got = read(frame);
        if (id < 0) id = got.id;
        if (!got.ok || got.id !== id || got.seq !== expected) errors.push(`server: session ${id} expected #${expected}, got ${got.id}#${got.seq}${got.ok ? "" : " (corrupt)"}`);
        expected++;
        await session.send(frame);
      }
      serverCounts.set(id, expected);
    }),
  );
  const url = `${server.url}/load`;
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));

  const open = (): Promise<DefaultWebSocketSession> => client.webSocketSession(url);

  /** One session's exchange: numbered messages until `deadline`, then the echoes drained, then close. Returns messages sent. */
  async function exchange(id: number, session: DefaultWebSocketSession, deadline: number): Promise<number> {
    let sent = 0;
    let received = 0;
    let wake = null as (() => void) | null;
    let broken = false;
    const reader = (async () => {
      try {
        for await (const frame of session.incoming) {
          const got = read(frame);
          if (!got.ok || got.id !== id || got.seq !== received) errors.push(`client: session ${id} expected echo #${received}, got ${got.id}#${got.seq}`);
          received++;
          wake?.();
        }
      } catch (error) {
        errors.push(`client: session ${id} failed: ${String(error)}`);
      }
      broken = true;
      wake?.();
    })();
    const echo = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve));
    while (Date.now() < deadline && !broken) {
      if (sent - received >= WINDOW) {
        await echo();
        continue;
      }
      await session.send(message(id, sent++));
    }
    while (received < sent && !broken) await echo();
    await session.close();
    await reader;
    if (received !== sent) errors.push(`client: session ${id} sent ${sent}, got ${received} echoes`);
    return sent;
  }

  // Warm-up: the same code paths once, so the baseline includes compiled code and pools.
  const warm: DefaultWebSocketSession[] = await Promise.all(Array.from({ length: 20 }, open));
  const warmDeadline = Date.now() + 300;
  await Promise.all(warm.map((session, i) => exchange(100_000 + i, session, warmDeadline)));
  for (let i = 0; i < 100 && server.routes.sessions.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  serverCounts.clear();
  warm.length = 0;
  await settle();
  const fdsBaseline = fds();
  const heapBaseline = process.memoryUsage().heapUsed;
  const rssBaseline = process.memoryUsage.rss();

  // The load: every session opens (in batches, to stay inside the listen backlog), then all of them
  // exchange at once for DURATION ms.
  const openStarted = Date.now();
  const sessions: DefaultWebSocketSession[] = [];
  for (let batch = 0; batch < SESSIONS; batch += CONNECT_BATCH) {
    sessions.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_BATCH, SESSIONS - batch) }, open))));
  }
  const openMillis = Date.now() - openStarted;
  const fdsPeak = fds();
  const deadline = Date.now() + DURATION;
  let heapPeak = 0;
  let rssPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 100);
  const exchangeStarted = Date.now();
  const counts = await Promise.all(sessions.map((session, id) => exchange(id, session, deadline)));
  clearInterval(sampler);
  const closeMillis = Date.now() - exchangeStarted - DURATION;
  for (let i = 0; i < 300 && server.routes.sessions.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const serverSessionsLeft = server.routes.sessions.size;
  counts.forEach((sent, id) => {
    if (serverCounts.get(id) !== sent) errors.push(`server: session ${id} saw ${serverCounts.get(id)} messages, the client sent ${sent}`);
  });
  client.close();
  // This function's own references go too: what is measured is what the library keeps.
  sessions.length = 0;
  warm.length = 0;
  serverCounts.clear();
  await settle();
  const report: LoadReport = {
    sessions: SESSIONS,
    durationMillis: DURATION,
    messages: counts.reduce((a, b) => a + b, 0),
    errors: errors.slice(0, 20),
    fdsBaseline,
    fdsPeak,
    fdsAfter: fds(),
    heapBaseline,
    heapPeak,
    heapAfter: process.memoryUsage().heapUsed,
    rssBaseline,
    rssPeak,
    rssAfter: process.memoryUsage.rss(),
    openMillis,
    closeMillis,
    serverSessionsLeft,
  };
  process.send?.({ type: "report", report });
  await server.close();
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", error: String((error as Error)?.stack ?? error) });
  process.exitCode = 1;
});
