import type { ChannelConfig } from "../../session/channel.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import type { WebSocketRequestOptions, WebSocketTarget } from "../../client/target.js";
import type { WebSocketContentConverter } from "../../serialization/converter.js";
import type { CloseReason } from "../../protocol/close-reason.js";
import type { Duration } from "../../util/duration.js";
import type { QueueLimits, QueueOverflowPolicy, ReconnectSettings, ShouldReconnect } from "./reconnect-config.js";
import type { ReconnectCause } from "./policy.js";

/**
 * Where a reconnecting session is: `connecting` (an attempt is under way), `open`, `retrying`
 * (waiting before the next attempt), `closing` (after `close()`), `closed` (over for good).
 */
export type ReconnectState = "connecting" | "open" | "retrying" | "closing" | "closed";

/** What a target function is given before each attempt. */
export interface ReconnectTargetContext {
  /** The attempt about to be made, 1-based, counted since the last connection that stayed up. */
  readonly attempt: number;
  /** Aborted when the attempt times out (`connectTimeout`) or the session is closed: pass it to `fetch`. */
  readonly signal: AbortSignal;
}

/**
 * A target for a reconnecting session: a URL string, a `URL`, request options, or a function
 * (sync or async) called before every attempt, for a fresh URL, token or headers each time.
 */
export type ReconnectTarget =
  | WebSocketTarget
  | ((context: ReconnectTargetContext) => WebSocketTarget | Promise<WebSocketTarget>);

/**
 * Runs on every new connection before anything queued is sent and before its messages reach
 * `incoming`: re-authenticate, re-subscribe. It may send on the session and receive from its
 * `incoming` (an authentication request and its answer). A hook that throws ends the connection
 * with 1011, and its error goes to `shouldReconnect`.
 */
export type OnOpenHook = (session: DefaultWebSocketSession) => void | Promise<void>;

/**
 * What a protocol on top of a reconnecting session knows about how connections end: `true` to retry
 * after `cause`, `false` to stop, `undefined` to leave it to `shouldReconnect` (GraphQL's 4429 is
 * worth a retry, its 4403 is not, where the default policy takes every 4xxx code for the server's decision).
 */
export type RetryRule = (cause: ReconnectCause) => boolean | undefined;

/**
 * Options of one reconnecting session. Every setting of the Reconnect plugin can be overridden here
 * for this session; it is checked the same way.
 */
export interface ReconnectOptions {
  /** Hooks run on every new connection (more can be added with `session.onOpen`). */
  readonly onOpen?: OnOpenHook | readonly OnOpenHook[];
  /** Aborting it closes the session with 1001 (queued messages are not sent) and stops retrying. */
  readonly signal?: AbortSignal;
  /** Overrides {@link ReconnectConfig.minDelay}: the bound of the first retry's random wait. */
  readonly minDelay?: Duration;
  /** Overrides {@link ReconnectConfig.maxDelay}: the largest wait between attempts. */
  readonly maxDelay?: Duration;
  /** Overrides {@link ReconnectConfig.factor}: the backoff's growth per failed attempt. */
  readonly factor?: number;
  /** Overrides {@link ReconnectConfig.maxAttempts}: failed attempts in a row before giving up. */
  readonly maxAttempts?: number;
  /** Overrides {@link ReconnectConfig.connectTimeout}: time for one attempt, or null for the engine's alone. */
  readonly connectTimeout?: Duration | null;
  /** Overrides {@link ReconnectConfig.minUptime}: how long a connection must last to count as a success. */
  readonly minUptime?: Duration;
  /** Overrides {@link ReconnectConfig.maxRetryAfter}: the longest `Retry-After` honoured. */
  readonly maxRetryAfter?: Duration;
  /** Overrides {@link ReconnectConfig.shouldReconnect}: which close reasons and errors are retried. */
  readonly shouldReconnect?: ShouldReconnect;
  /** Overrides {@link ReconnectConfig.maxQueued}: bounds of the replay queue (a partial object changes what it names). */
  readonly maxQueued?: Partial<QueueLimits>;
  /** Overrides {@link ReconnectConfig.onQueueOverflow}: what a full replay queue does. */
  readonly onQueueOverflow?: QueueOverflowPolicy;
  /** Overrides {@link ReconnectConfig.random}: the jitter's source of numbers in [0, 1). */
  readonly random?: () => number;
}

/** @internal What a reconnecting session needs from its client. */
export interface ReconnectDeps {
  readonly settings: ReconnectSettings;
  /** Opens a default session (the WebSockets plugin's builder). */
  connect(target: WebSocketRequestOptions): Promise<DefaultWebSocketSession>;
  /** The URL a target resolves to; throws a `TypeError` for a malformed target. */
  resolveUrl(target: WebSocketRequestOptions): URL;
  readonly incoming: ChannelConfig;
  readonly maxFrameSize: number;
  readonly converter: WebSocketContentConverter | null;
}

/**
 * @internal How a reconnecting session stops, mildest first: "drain" sends what is queued, then
 * closes (`close()`); "abort" closes at once, dropping the queue (the signal); "cut" ends the
 * connection without a close handshake (`terminate()`).
 */
export type StopMode = "drain" | "abort" | "cut";

/** @internal How a reconnecting session was asked to stop. */
export interface StopRequest {
  readonly reason: CloseReason;
  readonly mode: StopMode;
  readonly error: Error | null;
}
