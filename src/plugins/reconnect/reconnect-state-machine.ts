import { Channel } from "../../session/channel.js";
import type { DefaultWebSocketSession } from "../../session/default-session.js";
import { Frame } from "../../protocol/frame.js";
import { CloseReason } from "../../protocol/close-reason.js";
import { ConnectionClosedError, WebSocketError, abortError } from "../../errors.js";
import { backgroundTimer } from "../../util/timers.js";
import { toError } from "../../util/to-error.js";
import { Wakeups } from "../../util/wakeups.js";
import { EventHub, type EndedEvent } from "./events.js";
import { backoffDelay, type ReconnectCause } from "./policy.js";
import { ReplayQueue, checkReplayable } from "./replay-queue.js";
import { ReconnectGaveUpError } from "./errors.js";
import type { ReconnectSettings } from "./reconnect-config.js";
import type { OnOpenHook, ReconnectDeps, RetryRule, ReconnectState, ReconnectTarget, StopMode, StopRequest } from "./reconnect-types.js";
import { connectAttempt, type AttemptOutcome } from "./reconnect-attempt.js";
import { ReconnectConnection, type ConnectionHost } from "./reconnect-connection.js";
import { decideRetry } from "./retry-decision.js";
import { RetryWait } from "./retry-wait.js";

/** How a connection ended, for the loop deciding what comes next. */
interface ConnectionResult {
  readonly reason: CloseReason | null;
  readonly error: Error | null;
  readonly healthy: boolean;
  /** The connection never became usable (an `onOpen` hook failed, or it ended while they ran). */
  readonly hookFailed: boolean;
}

/** Why the session stopped trying, when it did. */
interface GaveUp {
  readonly why: "maxAttempts" | "policy";
  readonly cause: ReconnectCause;
  readonly attempts: number;
}

/** How far each way of stopping goes: a later stop takes over only if it goes further. */
const HARSHNESS: Readonly<Record<StopMode, number>> = { drain: 0, abort: 1, cut: 2 };

/** Ends an attempt that `close()` interrupted. */
const STOPPED = (): WebSocketError => new WebSocketError("The reconnecting session was closed", { code: "KITE_ERR_SESSION_CLOSED" });

/**
 * @internal The life of a reconnecting session, as a state machine over its `ReconnectState`:
 * `connecting` (an attempt) → `open` (a connection carries the queue) → `retrying` (the wait) →
 * `connecting` ..., until `stop()` (`closing`) or the policy gives up; then `closed`, once, with the
 * `ended` event. It owns the session's `incoming`, replay queue and events; each attempt, connection
 * and wait is a part of its own (`connectAttempt`, `ReconnectConnection`, `RetryWait`).
 */
export class ReconnectStateMachine {
  /** The session's one `incoming`. */
  readonly inbox: Channel<Frame>;
  /** The session's one `outgoing`. */
  readonly queue: ReplayQueue;
  readonly hub = new EventHub();
  /** Settles with the `ended` event. */
  readonly ended: Promise<EndedEvent>;

  private readonly settings: ReconnectSettings;
  /** The `onOpen` hooks, run in order on every new connection. */
  private readonly hooks: OnOpenHook[];
  /** Woken when the session starts stopping. */
  private readonly stopWakeups = new Wakeups();
  /** What each connection shares with the session. */
  private readonly host: ConnectionHost;
  private readonly retryWait: RetryWait;
  private stateValue: ReconnectState = "connecting";
  private attemptValue = 0;
  private current: ReconnectConnection | null = null;
  private attemptController: AbortController | null = null;
  private stopping: StopRequest | null = null;
  private stoppedWhileOpen = false;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  private lastReason: CloseReason | null = null;
  private finished = false;
  private flushWaiters: { seq: number; resolve: () => void }[] = [];
  private settleEnded!: (event: EndedEvent) => void;
  private readonly onAbort: () => void;

  constructor(
    private readonly target: ReconnectTarget,
    private readonly deps: ReconnectDeps,
    private readonly signal: AbortSignal | null,
    hooks: readonly OnOpenHook[],
  ) {
    const settings = (this.settings = deps.settings);
    this.hooks = [...hooks];
    this.inbox = new Channel<Frame>({ capacity: deps.incoming.capacity, onOverflow: "suspend" });
    this.queue = new ReplayQueue(settings.maxQueued, settings.onQueueOverflow);
    this.queue.validate = (frame) => checkReplayable(frame, deps.maxFrameSize);
    this.queue.onDropped = (entry) => this.reportDropped(entry.frame);
    this.host = {
      queue: this.queue,
      inbox: this.inbox,
      stopWakeups: this.stopWakeups,
      stopRequest: () => this.stopping,
      onSettled: () => this.checkFlushWaiters(),
      onRefused: (frame) => this.reportDropped(frame),
    };
    this.retryWait = new RetryWait(() => backoffDelay(0, settings, settings.random));
    this.ended = new Promise((resolve) => (this.settleEnded = resolve));
    this.onAbort = () => {
      const reason: unknown = signal?.reason;
      const error = abortError(reason);
      this.stop({ reason: new CloseReason(CloseReason.Codes.GOING_AWAY, ""), mode: "abort", error });
    };
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  get state(): ReconnectState {
    return this.stateValue;
  }

  get attempt(): number {
    return this.attemptValue;
  }

  /** The open connection's session, or null between connections. */
  get session(): DefaultWebSocketSession | null {
    return this.current?.session ?? null;
  }

  /** Adds a hook run on every new connection; returns a function that removes it. */
  /** Rules a protocol on top adds (see `ReconnectingWebSocketSession.addRetryRule`), asked before `shouldReconnect`. */
  private readonly retryRules: RetryRule[] = [];

  addRetryRule(rule: RetryRule): () => void {
    this.retryRules.push(rule);
    return () => {
      const at = this.retryRules.indexOf(rule);
      if (at >= 0) this.retryRules.splice(at, 1);
    };
  }

  /** The settings a retry is decided with: `shouldReconnect` behind the rules, if any were added. */
  private decisionSettings(): ReconnectSettings {
    if (this.retryRules.length === 0) return this.settings;
    const rules = [...this.retryRules];
    const shouldReconnect = this.settings.shouldReconnect;
    return {
      ...this.settings,
      shouldReconnect: (cause, context) => {
        for (const rule of rules) {
          const verdict = rule(cause);
          if (verdict !== undefined) return verdict;
        }
        return shouldReconnect(cause, context);
      },
    };
  }

  addHook(hook: OnOpenHook): () => void {
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** Runs the machine until the session ends. */
  start(): void {
    void this.run().catch((error: unknown) => this.finish(null, toError(error)));
  }

  /** Resolves once every message accepted so far is settled (see `ReconnectingWebSocketSession.flush`). */
  flush(): Promise<void> {
    const seq = this.queue.seqHorizon - 1;
    if (this.finished || seq < 0 || this.oldestUnsettled() > seq) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push({ seq, resolve }));
  }

  // --- the connection loop ---

  private async run(): Promise<void> {
    let waits = 0;
    let gaveUp: GaveUp | null = null;
    for (;;) {
      if (this.stopping !== null) break;
      const attempt = ++this.attemptValue;
      this.setState("connecting");
      this.hub.emit({ type: "connecting", attempt });
      const outcome = await this.connect(attempt);
      let cause: ReconnectCause;
      let opened = false;
      if ("error" in outcome) {
        if (this.stopping !== null) break;
        this.hub.emit({ type: "failed", attempt, error: outcome.error });
        cause = outcome.error;
      } else {
        const result = await this.runConnection(outcome.session, outcome.url, attempt);
        outcome.release();
        opened = !result.hookFailed;
        cause = result.error ?? result.reason ?? new CloseReason(CloseReason.Codes.NO_STATUS_RECEIVED, "");
        if (result.healthy) {
          this.attemptValue = 0;
          waits = 0;
        }
        if (this.stopping !== null) break;
      }
      const next = decideRetry(cause, { attempt, streak: this.attemptValue, waits: waits++, opened }, this.decisionSettings());
      if (!next.retry) {
        gaveUp = { why: next.why, cause: next.cause, attempts: attempt };
        break;
      }
      const { delayMillis, retryAfterMillis } = next;
      this.hub.emit({ type: "retry", attempt: this.attemptValue + 1, delayMillis, retryAfterMillis, cause });
      this.setState("retrying");
      // close() from a `retry` listener comes before the wait could be cut short.
      if (this.stopping === null) await this.retryWait.wait(delayMillis, retryAfterMillis ?? 0);
    }
    this.finish(gaveUp);
  }

  /** One attempt, which `close()` aborts. */
  private async connect(attempt: number): Promise<AttemptOutcome> {
    const controller = new AbortController();
    this.attemptController = controller;
    // close() from a `connecting` listener comes before this attempt could be aborted.
    if (this.stopping !== null) controller.abort(STOPPED());
    try {
      return await connectAttempt(this.target, attempt, this.settings.connectTimeoutMillis, this.deps, controller, this.signal);
    } finally {
      if (this.attemptController === controller) this.attemptController = null;
    }
  }

  /** Runs an open connection until it ends: hooks, then the forwarder and the incoming pump. */
  private async runConnection(session: DefaultWebSocketSession, url: URL, attempt: number): Promise<ConnectionResult> {
    const conn = new ReconnectConnection(session, this.host);
    this.current = conn;
    let hookError: Error | null = null;
    for (const hook of [...this.hooks]) {
      if (this.stopping !== null) break;
      try {
        await hook(session);
      } catch (error) {
        hookError = toError(error);
        break;
      }
      if (conn.ended) break;
    }
    if (hookError !== null) {
      this.current = null;
      // The session cuts the message to what a Close frame holds.
      await session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, `onOpen: ${hookError.message}`));
      if (this.stopping === null) this.hub.emit({ type: "failed", attempt, error: hookError });
      const reason = await session.closeReason;
      this.lastReason = reason;
      return { reason, error: hookError, healthy: false, hookFailed: true };
    }

    const openedAt = Date.now();
    const announced = !conn.ended && this.stopping === null;
    conn.announced = announced;
    if (announced) {
      this.setState("open");
      this.queue.direct = (entry) => conn.handDirect(entry);
      this.hub.emit({ type: "open", attempt, url, session });
    }
    // Stopped while the hooks ran: nothing queued goes out on a connection that never got ready.
    if (this.stopping !== null && (this.stopping.mode !== "drain" || !announced)) this.endConnection(session, this.stopping);
    const forwarding = announced ? conn.forward() : Promise.resolve();
    const pumpError = await conn.pump();
    conn.markEnded();
    this.queue.direct = null;
    // The connection is going (the peer's Close came, or it failed): answer and wait for it to be
    // gone, bounded by the session's own timeouts.
    const gone = session.close();
    await forwarding;
    await gone;
    const reason = await session.closeReason;
    this.lastReason = reason;
    const unconfirmed = conn.takeUnconfirmed();
    this.current = null;
    if (!announced && this.stopping === null) {
      // It ended while its onOpen hooks ran: an attempt that failed, not a connection that was up.
      const error = pumpError ?? new ConnectionClosedError(`The connection ended while its onOpen hooks ran (${reason === null ? "no reason" : reason.code})`);
      this.hub.emit({ type: "failed", attempt, error });
      return { reason, error, healthy: false, hookFailed: true };
    }
    const uptimeMillis = Date.now() - openedAt;
    this.hub.emit({ type: "closed", attempt, reason, error: pumpError, unconfirmed: unconfirmed.map((entry) => entry.frame), uptimeMillis });
    this.checkFlushWaiters();
    // It stayed up for minUptime (an announced connection only): the next failure starts a new streak.
    return { reason, error: pumpError, healthy: announced && uptimeMillis >= this.settings.minUptimeMillis, hookFailed: false };
  }

  /** Stops retrying and ends the session as `request` says; a later, harsher request (abort, terminate) takes over. */
  stop(request: StopRequest): void {
    if (this.finished) return;
    if (this.stopping !== null) {
      // A close() already running becomes an abort or a terminate; an abort becomes a terminate.
      if (HARSHNESS[request.mode] > HARSHNESS[this.stopping.mode]) {
        this.stopping = { ...this.stopping, mode: request.mode, error: this.stopping.error ?? request.error };
        this.queue.close();
        const conn = this.current;
        if (conn !== null) {
          conn.wakeups.wakeAll();
          this.endConnection(conn.session, this.stopping);
        }
      }
      return;
    }
    this.stopping = request;
    this.setState("closing");
    this.stopWakeups.wakeAll();
    this.queue.close();
    this.attemptController?.abort(STOPPED());
    this.retryWait.wake();
    const conn = this.current;
    if (conn === null) return;
    conn.wakeups.wakeAll();
    this.stoppedWhileOpen = true;
    if (request.mode !== "drain" || !conn.announced) {
      // Without a drain, or while its onOpen hooks still run (waiting for an answer, perhaps): the
      // queue is not sent on a connection that never got ready, so it ends now.
      this.endConnection(conn.session, request);
    } else {
      // Draining the queue is bounded by the session's own timeout; then the Close goes anyway.
      this.drainTimer = backgroundTimer(() => void conn.session.close(request.reason), conn.session.timeoutMillis);
    }
  }

  /** Closes (or cuts) a connection because the session stops without draining. */
  private endConnection(session: DefaultWebSocketSession, request: StopRequest): void {
    if (request.mode === "cut") session.terminate();
    else void session.close(request.reason);
  }

  private finish(gaveUp: GaveUp | null, failure: Error | null = null): void {
    if (this.finished) return;
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    this.signal?.removeEventListener("abort", this.onAbort);
    let error: Error | null = failure ?? this.stopping?.error ?? null;
    if (gaveUp !== null) {
      const attempts = gaveUp.attempts;
      this.hub.emit({ type: "gaveUp", attempts, why: gaveUp.why, cause: gaveUp.cause });
      // The peer's own decision (a close code the policy does not retry) ends `incoming` normally.
      if (gaveUp.why === "maxAttempts" || gaveUp.cause instanceof Error) {
        const what = gaveUp.cause instanceof Error ? gaveUp.cause.message : String(gaveUp.cause);
        error = new ReconnectGaveUpError(
          gaveUp.why === "maxAttempts" ? `Gave up after ${attempts} attempts: ${what}` : `Not reconnecting after: ${what}`,
          attempts,
          gaveUp.why,
          { cause: gaveUp.cause },
        );
      }
    }
    this.finished = true;
    const unsent = this.queue.cancel(error ?? undefined);
    this.inbox.close(error ?? undefined);
    this.setState("closed");
    const reason = this.stopping !== null && !this.stoppedWhileOpen ? this.stopping.reason : this.lastReason;
    const event: EndedEvent = { type: "ended", reason, error, unsent: unsent.map((entry) => entry.frame) };
    this.checkFlushWaiters();
    this.hub.emit(event);
    this.settleEnded(event);
  }

  // --- helpers ---

  private setState(state: ReconnectState): void {
    if (this.stateValue === "closed") return;
    // Once closing, only "closed" may follow.
    if (this.stateValue === "closing" && state !== "closed") return;
    this.stateValue = state;
  }

  /** The sequence number of the oldest message not yet settled (in flight, in hand or queued). */
  private oldestUnsettled(): number {
    let oldest = Infinity;
    const conn = this.current;
    if (conn !== null) oldest = conn.oldestSeq();
    const queued = this.queue.peek();
    if (queued !== undefined) oldest = Math.min(oldest, queued.seq);
    return oldest;
  }

  private checkFlushWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const oldest = this.finished ? Infinity : this.oldestUnsettled();
    const waiting: { seq: number; resolve: () => void }[] = [];
    for (const waiter of this.flushWaiters) {
      if (waiter.seq < oldest) waiter.resolve();
      else waiting.push(waiter);
    }
    this.flushWaiters = waiting;
  }

  /** A message that will never be sent ("drop-oldest" evicted it, or its connection refused it for good). */
  private reportDropped(frame: Frame): void {
    this.hub.emit({ type: "dropped", frame });
    this.checkFlushWaiters();
  }
}
