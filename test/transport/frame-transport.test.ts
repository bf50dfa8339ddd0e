// An engine written the way a third party would write one: against the package's public types alone
// (every import below is from the package root). Its transport is an in-memory echo peer that keeps
// the FrameTransport contract as documented: deliver until the sink says stop, hold frames while
// told to stop, report the peer's Close as a frame, then the end exactly once and never inside a call.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CloseReason,
  Frame,
  HttpClient,
  WebSockets,
  type EngineCapability,
  type EngineConnection,
  type FrameSink,
  type FrameTransport,
  type HttpClientEngine,
  type WebSocketRequest,
} from "../../src/index.js";

const T = { timeout: 10_000 };

/** The peer echoes data frames, answers pings and the Close, and ends the connection after its Close. */
class EchoTransport implements FrameTransport {
  readonly masking = true;
  maxFrameSize: number;
  pauses = 0;
  private sink: FrameSink | null = null;
  private readonly waiting: Frame[] = [];
  private paused = false;
  private closed = false;
  private deliveryScheduled = false;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  start(sink: FrameSink): void {
    this.sink = sink;
  }

  write(frames: readonly Frame[]): boolean {
    if (this.closed) return true;
    for (const frame of frames) {
      if (frame instanceof Frame.Ping) this.arrive(new Frame.Pong(frame.data));
      else if (frame instanceof Frame.Close) this.arrive(new Frame.Close(frame.readReason()));
      else if (!(frame instanceof Frame.Pong)) this.arrive(frame);
    }
    return true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  flushed(): Promise<void> {
    return Promise.resolve();
  }

  /** Our Close went out and the peer answered: the peer (a server) closes the connection. */
  end(): void {
    this.finish();
  }

  destroy(): void {
    this.finish();
  }

  private arrive(frame: Frame): void {
    this.waiting.push(frame);
    this.schedule();
  }

  private schedule(): void {
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    setImmediate(() => {
      this.deliveryScheduled = false;
      while (!this.paused && !this.closed && this.waiting.length > 0) {
        if (this.sink?.onFrame(this.waiting.shift()!) === false) {
          this.paused = true;
          this.pauses++;
        }
      }
    });
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    // Never inside the session's call.
    setImmediate(() => this.sink?.onClosed(null));
  }
}

class EchoEngine implements HttpClientEngine {
  readonly name = "Echo";
  readonly capabilities: ReadonlySet<EngineCapability> = new Set<EngineCapability>([
    "websockets",
    "pingFrames",
    "customHeaders",
    "rawFrames",
    "frameSizeLimit",
    "fragmentedFrames",
    "readBackpressure",
    "handshakeResponse",
  ]);
  readonly transports: EchoTransport[] = [];

  async connectWebSocket(request: WebSocketRequest): Promise<EngineConnection> {
    const transport = new EchoTransport(request.maxFrameSize);
    this.transports.push(transport);
    return { transport, response: null, protocol: null, extensions: [] };
  }

  close(): void {}
}

test("an engine built on the public FrameTransport alone carries a default session: echo, backpressure, close", T, async () => {
  const engine = new EchoEngine();
  const client = new HttpClient(engine, (config) =>
    config.install(WebSockets, (ws) => {
      ws.channels.incoming = { capacity: 4, onOverflow: "suspend" };
    }),
  );
  try {
    const sent = Array.from({ length: 200 }, (_, i) => `message ${i}`);
    let reason: CloseReason | null = null;
    const echoed = await client.webSocket("ws://echo.test/", async (session) => {
      for (const text of sent) await session.send(text);
      const received: string[] = [];
      for await (const frame of session.incoming) {
        received.push((frame as Frame.Text).readText());
        if (received.length === sent.length) break;
      }
      await session.close(new CloseReason(4000, "done"));
      reason = await session.closeReason;
      return received;
    });
    assert.deepEqual(echoed, sent);
    assert.ok(engine.transports[0].pauses > 0, "a full incoming paused the transport");
    assert.deepEqual(reason, new CloseReason(4000, "done"));
  } finally {
    client.close();
  }
});
