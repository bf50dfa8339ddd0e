import { abortError } from "../errors.js";
import type { CallOutcome, CallRegistry, PendingCall } from "./call-registry.js";
import { JsonRpcError, RpcProtocolError } from "./rpc-errors.js";

/**
 * The calls of one batch settle as one promise: an entry's result, or its error answer (a
 * `JsonRpcError`) in its place. A timeout, an abort or a lost connection fails the whole batch, and a
 * batch answer that leaves entries out settles those with `RpcProtocolError`, not the others.
 */
export class BatchCall implements CallOutcome {
  readonly calls: PendingCall[] = [];
  private readonly results: unknown[];
  private remaining: number;
  private settled = false;
  private readonly onAbort: (() => void) | null = null;

  constructor(
    size: number,
    private readonly registry: CallRegistry,
    private readonly signal: AbortSignal | null,
    private readonly resolve: (results: unknown[]) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.results = new Array<unknown>(size);
    this.remaining = size;
    if (signal !== null) {
      const onAbort = (this.onAbort = () => this.failAll(abortError(signal.reason)));
      signal.addEventListener("abort", onAbort, { once: true });
    }
  }

  onResult(value: unknown, call: PendingCall): void {
    this.set(call, value);
  }

  onError(error: Error, call: PendingCall): void {
    if (error instanceof JsonRpcError || error instanceof RpcProtocolError) this.set(call, error);
    else this.failAll(error);
  }

  /** A batch answer came: the entries it left out will not be answered. */
  answerEnded(): void {
    for (const call of this.calls) {
      this.registry.fail(call, new RpcProtocolError("missing-batch-answer", `The batch answer has no entry for call ${call.id} (${call.method})`, ""));
    }
  }

  private set(call: PendingCall, value: unknown): void {
    if (this.settled) return;
    // A batch's ids are given out in a row, in the order of its entries.
    this.results[call.id - this.calls[0].id] = value;
    if (--this.remaining === 0) {
      this.finish();
      this.resolve(this.results);
    }
  }

  private failAll(error: Error): void {
    if (this.settled) return;
    this.finish();
    for (const call of this.calls) this.registry.drop(call);
    this.reject(error);
  }

  private finish(): void {
    this.settled = true;
    if (this.onAbort !== null) this.signal?.removeEventListener("abort", this.onAbort);
  }
}
