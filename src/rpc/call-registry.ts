import type { Frame } from "../protocol/frame.js";
import { DeadlineQueue, type Deadline } from "../util/deadline-queue.js";
import { abortError } from "../errors.js";
import type { RpcId } from "./message-codec.js";
import { RpcTimeoutError } from "./rpc-errors.js";
import { traceSettled, type TracedCall } from "./call-trace.js";

/** What happens when a call settles: one object per call (or per batch), no closure per outcome. */
export interface CallOutcome {
  /** `frame` is the frame that carried the answer (for a schema's error), or null. */
  onResult(value: unknown, call: PendingCall, frame: Frame | null): void;
  onError(error: Error, call: PendingCall): void;
}

/** The connection tag of a call sent over an `onOpen` hook's session, which no `closed` event ends. */
export const HOOK_EPOCH = -1;

/** A call sent and not answered yet: everything kept per call in flight. */
export class PendingCall implements Deadline, TracedCall {
  deadlineAt = 0;
  deadlineIndex = -1;
  /** The connection it went out on (see `RpcLink.sendEpoch`), or `HOOK_EPOCH`. */
  epoch = 0;
  /** Set once a signal was given: removed when the call settles. */
  abortListener: (() => void) | null = null;
  /** The log of its connection when the Logging plugin logs it (see call-trace.ts), else null. */
  log: ((line: string) => void) | null = null;
  /** When it was sent, in `performance.now()` milliseconds; kept for a logged call only. */
  sentAt = 0;

  constructor(
    readonly id: number,
    readonly method: string,
    /** The request's text, kept only for a call sent again after a reconnect. */
    readonly text: string | null,
    readonly timeoutMillis: number | null,
    readonly signal: AbortSignal | null,
    readonly outcome: CallOutcome,
  ) {}
}

/**
 * The calls in flight, by id, with their deadlines in one shared queue (one timer for all) and their
 * signals. Settling takes a call out of everything, so a completed call leaves nothing behind.
 */
export class CallRegistry {
  private readonly pending = new Map<number, PendingCall>();
  private lastId = 0;
  private readonly deadlines = new DeadlineQueue<PendingCall>((call) => {
    this.fail(call, new RpcTimeoutError(call.method, call.timeoutMillis ?? 0));
  });

  /** Calls in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Deadlines armed (0 once every call settled). */
  get deadlineCount(): number {
    return this.deadlines.size;
  }

  /** A fresh id: ids count up from 1, so one is never reused while its call may be pending. */
  nextId(): number {
    return ++this.lastId;
  }

  /** Starts tracking `call`: its deadline counts from now, and its signal aborts it. */
  add(call: PendingCall): void {
    this.pending.set(call.id, call);
    if (call.timeoutMillis !== null) this.deadlines.add(call, Date.now() + call.timeoutMillis);
    const signal = call.signal;
    if (signal !== null) {
      const listener = (): void => this.fail(call, abortError(signal.reason));
      call.abortListener = listener;
      signal.addEventListener("abort", listener, { once: true });
    }
  }

  /** The call waiting for `id`, if any. */
  get(id: RpcId): PendingCall | undefined {
    return typeof id === "number" ? this.pending.get(id) : undefined;
  }

  /** True when `id` is one this registry gave out: an answer for it that finds no call is late, not foreign. */
  issued(id: RpcId): boolean {
    return typeof id === "number" && Number.isSafeInteger(id) && id >= 1 && id <= this.lastId;
  }

  /** Settles `call` with its result, carried by `frame`. */
  resolve(call: PendingCall, value: unknown, frame: Frame | null = null): void {
    if (!this.release(call)) return;
    if (call.log !== null) traceSettled(call, null);
    call.outcome.onResult(value, call, frame);
  }

  /** Settles `call` with `error` (an error answer, a timeout, an abort, a lost connection). */
  fail(call: PendingCall, error: Error): void {
    if (!this.release(call)) return;
    if (call.log !== null) traceSettled(call, error);
    call.outcome.onError(error, call);
  }

  /** Takes `call` out without settling it (its batch settled otherwise). */
  drop(call: PendingCall): void {
    this.release(call);
  }

  /** The calls in flight that `select` picks, oldest first. */
  select(select: (call: PendingCall) => boolean): PendingCall[] {
    const picked: PendingCall[] = [];
    for (const call of this.pending.values()) if (select(call)) picked.push(call);
    return picked;
  }

  private release(call: PendingCall): boolean {
    if (this.pending.get(call.id) !== call) return false;
    this.pending.delete(call.id);
    this.deadlines.remove(call);
    if (call.abortListener !== null) {
      call.signal?.removeEventListener("abort", call.abortListener);
      call.abortListener = null;
    }
    return true;
  }
}
