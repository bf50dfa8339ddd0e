// The kite-ws side of the flood tests, run in its own process so that its memory can be measured
// alone (test/faults/flood.test.ts forks it). The parent is the flooding (or slow) peer. They talk
// over IPC:
//   child → parent  { type: "ready", rss, port? }        after start-up (port: the child's server)
//   parent → child  { type: "connect", url }              client roles: connect to the parent's peer
//   child → parent  { type: "connected" }
//   parent → child  { type: "sample" }                    child → { type: "sample", rss, maxRss }
//   parent → child  { type: "go" }                        readers start reading, writers start writing
//   child → parent  { type: "done", ...Report }
// Roles: client-reader, client-writer, server-reader, server-writer. Every frame is FRAME_BYTES long:
// an 8-byte sequence number, then the shared pattern (./flood-pattern.ts), so a reader checks every
// byte and the order.
import { HttpClient, CIO, WebSockets, Frame, type DefaultWebSocketSession } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { FRAME_BYTES, floodFrame, checkFloodFrame } from "./flood-pattern.js";

type Role = "client-reader" | "client-writer" | "server-reader" | "server-writer";

interface Message {
  type: string;
  url?: string;
}

export interface Report {
  frames: number;
  bytes: number;
  /** The first problem found (a frame out of order, a byte wrong), or null. */
  error: string | null;
  maxRss: number;
  baselineRss: number;
  millis: number;
}

const role = process.argv[2] as Role;
const totalFrames = Number(process.argv[3]);
const send = (message: object): void => {
  process.send?.(message);
};

let maxRss = 0;
/** Frames a writer has handed to send() so far (sent or queued). */
let sentFrames = 0;
const sampleRss = (): number => {
  const rss = process.memoryUsage.rss();
  if (rss > maxRss) maxRss = rss;
  return rss;
};
const sampler = setInterval(sampleRss, 10);
const baselineRss = sampleRss();

let go!: () => void;
const started = new Promise<void>((resolve) => (go = resolve));
let connectTo!: (url: string) => void;
const connectUrl = new Promise<string>((resolve) => (connectTo = resolve));

process.on("message", (message: Message) => {
  if (message.type === "sample") send({ type: "sample", rss: sampleRss(), maxRss, sent: sentFrames });
  else if (message.type === "go") go();
  else if (message.type === "connect" && message.url !== undefined) connectTo(message.url);
});

async function read(session: DefaultWebSocketSession | DefaultWebSocketServerSession): Promise<Omit<Report, "maxRss" | "baselineRss">> {
  const begin = Date.now();
  let frames = 0;
  let bytes = 0;
  let error: string | null = null;
  for await (const frame of session.incoming) {
    if (!(frame instanceof Frame.Binary)) {
      error ??= `frame ${frames} is not binary`;
      continue;
    }
    const problem = checkFloodFrame(frame.data, frames);
    if (problem !== null) error ??= problem;
    frames++;
    bytes += frame.data.length;
    if (frames === totalFrames) break;
  }
  return { frames, bytes, error, millis: Date.now() - begin };
}

async function write(session: DefaultWebSocketSession | DefaultWebSocketServerSession): Promise<Omit<Report, "maxRss" | "baselineRss">> {
  const begin = Date.now();
  let bytes = 0;
  for (let seq = 0; seq < totalFrames; seq++) {
    // send() waits while the outgoing channel is full: that is the backpressure under test.
    await session.send(new Frame.Binary(floodFrame(seq)));
    sentFrames++;
    bytes += FRAME_BYTES;
  }
  await session.flush();
  return { frames: totalFrames, bytes, error: null, millis: Date.now() - begin };
}

async function finish(report: Omit<Report, "maxRss" | "baselineRss">): Promise<void> {
  sampleRss();
  send({ type: "done", ...report, maxRss, baselineRss } satisfies Report & { type: string });
}

async function main(): Promise<void> {
  if (role === "client-reader" || role === "client-writer") {
    send({ type: "ready", rss: baselineRss });
    const url = await connectUrl;
    const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => (ws.timeoutMillis = 10_000)));
    const session = await client.webSocketSession(url);
    send({ type: "connected" });
    await started;
    const report = role === "client-reader" ? await read(session) : await write(session);
    await finish(report);
    await session.close();
    client.close();
  } else {
    let done!: () => void;
    const handled = new Promise<void>((resolve) => (done = resolve));
    const server = await serve({ host: "127.0.0.1", port: 0, timeoutMillis: 10_000 }, (routes) =>
      routes.webSocket("/flood", async (session) => {
        send({ type: "connected" });
        await started;
        const report = role === "server-reader" ? await read(session) : await write(session);
        await finish(report);
        done();
      }),
    );
    send({ type: "ready", rss: baselineRss, port: server.port });
    await handled;
    await server.close();
  }
  clearInterval(sampler);
}

main().catch((error: unknown) => {
  send({ type: "done", frames: 0, bytes: 0, error: `child failed: ${String((error as Error)?.stack ?? error)}`, maxRss, baselineRss, millis: 0 });
  clearInterval(sampler);
  process.exitCode = 1;
});
