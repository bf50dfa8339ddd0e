/** Messages and records shared by the bench's processes. */

export type ServerKind = "ws" | "kite" | "batch";

/** The clients, each run in its own process. */
export type ClientId = "raw" | "kite" | "kite-cb" | "ws-bu" | "ws" | "undici" | "undici8";

export interface ServerReady {
  readonly type: "ready";
  readonly kind: ServerKind;
  readonly pid: number;
  readonly ports: { readonly plain: number; readonly deflate: number | null };
}

export type ServerRequest =
  | {
      readonly type: "stats";
      readonly id: number;
      /** Collect garbage (twice) before reading RSS. */
      readonly gc: boolean;
    }
  /** Exit normally (so that `--cpu-prof` writes its profile). */
  | { readonly type: "exit" };

export interface ServerStats {
  readonly cpu: NodeJS.CpuUsage;
  readonly rss: number;
}

export interface Payload {
  readonly type: "text" | "binary";
  readonly size: number;
  /** "ascii": one repeated letter; "json": compressible JSON-like text (for permessage-deflate). */
  readonly content: "ascii" | "json" | "random";
}

/** What one client process is asked to do. */
export interface RunSpec {
  readonly client: ClientId;
  /** "rpc": JSON-RPC calls (see clients/rpc.ts), `window` of them in flight; with one, each is timed. */
  /** "fanout": `connections` subscribers, each round one message published to all of them (clients/fanout.ts). */
  readonly mode: "pipeline" | "latency" | "idle" | "rpc" | "fanout";
  readonly url: string;
  readonly deflate: boolean;
  readonly payload: Payload;
  /** Messages echoed (calls answered, in rpc mode) in the measured part. */
  readonly count: number;
  /** Messages echoed before measuring, so the JIT has run. */
  readonly warmup: number;
  /** Messages in flight (pipeline), or calls (rpc). */
  readonly window: number;
  /** The measured part stops sending after this long, whatever `count` says. */
  readonly timeLimitMs: number;
  /** Idle connections to open, and how many at a time. */
  readonly connections: number;
  readonly openBatch: number;
}

/** Child → parent: a point in the run at which the parent reads the server's stats, then answers `ack`. */
export interface MarkMessage {
  readonly type: "mark";
  readonly phase: "start" | "end";
  readonly gc: boolean;
}

export interface RunResult {
  readonly client: ClientId;
  /** Messages echoed in the measured part, and their payload bytes (one way). */
  readonly messages: number;
  readonly bytes: number;
  /** The client process's CPU time in the measured part, in microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  readonly wallMs: number;
  /** Round trips in microseconds, sorted (latency mode; rpc mode with one call in flight: call to answer). */
  readonly latencyUs?: { readonly p50: number; readonly p99: number; readonly mean: number; readonly samples: number };
  /** Idle mode: RSS before and after opening the connections, after a GC. */
  readonly rssBefore?: number;
  readonly rssAfter?: number;
  readonly connections?: number;
  /** What the `ws` client actually loaded. */
  readonly addons?: { readonly bufferutil: boolean; readonly utf8validate: boolean; readonly isUtf8: boolean };
  /** The extension the session negotiated (deflate runs). */
  readonly negotiated?: string;
}

export interface ResultMessage {
  readonly type: "result";
  readonly result: RunResult;
}
