/**
 * When deferred work runs, in the two flavours the library needs. Each takes a shared function and
 * its argument, so a caller that passes a module-level function allocates no closure per call.
 * No `node:` imports: this file also loads in browsers.
 */

const nextTick = typeof globalThis.process?.nextTick === "function" ? globalThis.process.nextTick : null;
const setImmediateFn = typeof globalThis.setImmediate === "function" ? globalThis.setImmediate : null;

/**
 * Runs `run(arg)` once the current synchronous work is done, before any I/O: on Node's nextTick
 * queue, else as a microtask. For work that must not run inside the caller's stack (writing what a
 * `send` queued, reading again after a `receive`) but must not wait for the event loop either.
 */
export const soon: <T>(run: (arg: T) => void, arg: T) => void =
  nextTick !== null ? (run, arg) => nextTick(run, arg) : (run, arg) => queueMicrotask(() => run(arg));

/**
 * Whether {@link afterPendingWork} runs at the end of the event loop's current turn (Node's
 * `setImmediate`). Where it falls back to a timer, it may run several milliseconds later.
 */
export const hasEndOfTurn: boolean = setImmediateFn !== null;

/**
 * Runs `run(arg)` after every pending promise job and I/O callback of this turn of the event loop:
 * `setImmediate`, else a zero-delay timer. For work that should let the code that was woken up
 * this turn have its go first (a reply to the last message before our Close, more frames to batch).
 */
export const afterPendingWork: <T>(run: (arg: T) => void, arg: T) => void =
  setImmediateFn !== null ? (run, arg) => void setImmediateFn(run, arg) : (run, arg) => void setTimeout(run, 0, arg);
