import { JsonRpcError, RpcClosedError, RpcConnectionLostError, RpcTimeoutError } from "./rpc-errors.js";

/** Characters of a peer's error message in a line: it is the peer's text, shown on one line. */
const MESSAGE_CHARS = 80;

/** What the trace keeps on a call. */
export interface TracedCall {
  readonly id: number;
  readonly method: string;
  /** The log of its connection, or null when it is not logged. */
  log: ((line: string) => void) | null;
  /** When it was sent, in `performance.now()` milliseconds. */
  sentAt: number;
}

/**
 * The lines a call adds to its connection's log (the Logging plugin's, at every level): one when it
 * goes out, one when it settles, with the round trip. Built only for a call whose connection is logged.
 */
export function traceSent(call: TracedCall, log: (line: string) => void): void {
  call.log = log;
  call.sentAt = performance.now();
  log(`rpc → #${call.id} ${call.method}`);
}

export function traceSettled(call: TracedCall, error: Error | null): void {
  const log = call.log;
  if (log === null) return;
  const took = `${(performance.now() - call.sentAt).toFixed(1)} ms`;
  const head = `rpc ← #${call.id} ${call.method}`;
  if (error === null) return log(`${head} ok in ${took}`);
  if (error instanceof JsonRpcError) return log(`${head} error ${error.code} ${quoted(error.message)} in ${took}`);
  const what =
    error instanceof RpcTimeoutError ? "no answer (timed out)"
    : error instanceof RpcConnectionLostError ? "no answer (connection lost)"
    : error instanceof RpcClosedError ? "no answer (client closed)"
    : `ended: ${error.name}`;
  log(`${head} ${what} after ${took}`);
}

function quoted(text: string): string {
  const shown = text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text;
  return JSON.stringify(shown);
}
