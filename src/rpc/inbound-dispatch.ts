import { Frame } from "../protocol/frame.js";
import { BatchCall } from "./batch-call.js";
import type { CallRegistry } from "./call-registry.js";
import { PARSE_FAILED, classify, parseFrameText, type InboundMessage, type RpcDialect } from "./message-codec.js";
import { JsonRpcError, RpcProtocolError, type RpcProtocolErrorReason } from "./rpc-errors.js";

/** Where the messages of a frame go. */
export interface DispatchTarget {
  readonly dialect: RpcDialect;
  readonly calls: CallRegistry;
  /** A notification from the peer: to subscriptions, `notifications()` iterators and handlers. */
  onNotification(method: string, params: unknown, sessionId: string | undefined, frame: Frame): void;
  /** Whether the peer's notifications of `method` go to a handler too. */
  hasHandler(method: string): boolean;
  /** The peer's requests of one frame (a batch: several), answered as one frame. */
  onRequests(requests: readonly Extract<InboundMessage, { kind: "request" | "notification" }>[], batch: boolean): void;
  /** A frame (or part of one) that could not be acted on. */
  report(error: RpcProtocolError): void;
}

/** Characters of a bad frame quoted in its report. */
const EXCERPT = 200;
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Routes the messages of one frame: answers settle their calls (synchronously, so a subscription's id
 * is known before a notification later in the same read), notifications and requests go to the
 * target, and whatever is not a message is reported, never thrown.
 */
export function dispatchFrame(frame: Frame, target: DispatchTarget): void {
  const text = textOf(frame);
  if (text === null) return target.report(bad("not-json", "A binary frame that is not UTF-8 text", ""));
  const parsed = parseFrameText(text);
  if (parsed === PARSE_FAILED) return target.report(bad("not-json", "A frame that is not JSON", text));
  if (!Array.isArray(parsed)) {
    const message = classify(target.dialect, parsed);
    if (message.kind === "request" || message.kind === "notification") {
      if (message.kind === "notification") target.onNotification(message.method, message.params, message.sessionId, frame);
      if (message.kind === "request" || target.hasHandler(message.method)) target.onRequests([message], false);
    } else {
      settle(message, frame, text, target);
    }
    return;
  }
  if (target.dialect === "cdp" || parsed.length === 0) {
    return target.report(bad("not-a-message", parsed.length === 0 ? "An empty batch" : "A batch, which the DevTools protocol does not have", text));
  }
  const requests: Extract<InboundMessage, { kind: "request" | "notification" }>[] = [];
  const batches = new Set<BatchCall>();
  for (const element of parsed as unknown[]) {
    const message = classify(target.dialect, element);
    if (message.kind === "request" || message.kind === "notification") {
      if (message.kind === "notification") target.onNotification(message.method, message.params, message.sessionId, frame);
      requests.push(message);
      continue;
    }
    const call = message.kind === "invalid" || message.id === null ? undefined : target.calls.get(message.id);
    if (call?.outcome instanceof BatchCall) batches.add(call.outcome);
    settle(message, frame, text, target);
  }
  if (requests.length > 0) target.onRequests(requests, true);
  for (const batch of batches) batch.answerEnded();
}

/** Settles the call an answer is for, or reports the answer. */
function settle(message: InboundMessage, frame: Frame, text: string, target: DispatchTarget): void {
  const calls = target.calls;
  switch (message.kind) {
    case "invalid":
      return target.report(bad("not-a-message", `Not a JSON-RPC message: ${message.why}`, text));
    case "result": {
      const call = calls.get(message.id);
      if (call !== undefined) return calls.resolve(call, message.result, frame);
      if (!calls.issued(message.id)) target.report(unknownId(message.id, text));
      // An answer to a call that timed out, was aborted or was answered already: dropped.
      return;
    }
    case "error": {
      const { code, message: what, data } = message.error;
      if (message.id === null) {
        const cause = new JsonRpcError(code, what, data);
        return target.report(bad("error-without-call", `The peer answered an error to no call: ${code} ${what}`, text, cause));
      }
      const call = calls.get(message.id);
      if (call !== undefined) return calls.fail(call, new JsonRpcError(code, what, data, { method: call.method }));
      if (!calls.issued(message.id)) target.report(unknownId(message.id, text));
      return;
    }
    default:
      return;
  }
}

function textOf(frame: Frame): string | null {
  if (frame instanceof Frame.Text) return frame.readText();
  try {
    return decoder.decode(frame.data);
  } catch {
    return null;
  }
}

function unknownId(id: unknown, text: string): RpcProtocolError {
  const shown = JSON.stringify(id);
  return bad("unknown-id", `An answer to id ${shown.length > 40 ? `${shown.slice(0, 39)}…` : shown}, which no call has`, text);
}

function bad(reason: RpcProtocolErrorReason, message: string, text: string, cause?: Error): RpcProtocolError {
  return new RpcProtocolError(reason, message, text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text, cause ? { cause } : undefined);
}
