import type { Frame } from "../protocol/frame.js";
import type { CloseReason } from "../protocol/close-reason.js";
import { ClosedSendChannelError } from "../errors.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import { validateWithSchema } from "../serialization/schema-validation.js";
import { traceSent } from "./call-trace.js";
import { CallRegistry, HOOK_EPOCH, PendingCall, type CallOutcome } from "./call-registry.js";
import { dispatchFrame, type DispatchTarget } from "./inbound-dispatch.js";
import { encodeRequest, type InboundMessage, type RpcDialect, type RpcParams } from "./message-codec.js";
import { NotificationStreams } from "./notification-streams.js";
import { ReadGate } from "./read-gate.js";
import { RequestHandlers } from "./request-handlers.js";
import { resubscribe } from "./resubscribe.js";
import { RpcConnectionLostError, RpcProtocolError } from "./rpc-errors.js";
import type { LinkListener, RpcLink } from "./rpc-link.js";
import type { CallSettings, ClientSettings } from "./rpc-options.js";
import { RpcSubscription, type SubscriptionHost, type SubscriptionSpec } from "./subscription.js";
import { SubscriptionTable } from "./subscription-table.js";

/**
 * The state of one `JsonRpcClient` behind its checked API: calls out, frames in, and what happens
 * to calls and subscriptions when a connection ends, comes back, or the link is over.
 */
export class RpcCore implements LinkListener, DispatchTarget, SubscriptionHost {
  readonly calls = new CallRegistry();
  readonly gate = new ReadGate();
  readonly streams: NotificationStreams;
  readonly handlers: RequestHandlers;
  readonly subscriptions = new SubscriptionTable();
  readonly dialect: RpcDialect;
  /** Frames reported as not acted on. */
  protocolErrors = 0;
  /** What every call rejects with once the client is closed or its link is over; null until then. */
  endedError: Error | null = null;
  private readonly reconnecting: boolean;

  constructor(
    readonly link: RpcLink,
    readonly settings: ClientSettings,
    reconnecting: boolean,
  ) {
    this.dialect = settings.dialect;
    this.reconnecting = reconnecting;
    this.streams = new NotificationStreams(settings.bufferSize, this.gate);
    this.handlers = new RequestHandlers(settings.dialect);
    link.start(this, this.gate);
  }

  /** Sends a request and tracks it until `outcome` is told how it went. Throws (before anything is sent) when `params` is not JSON. */
  send(method: string, params: RpcParams | undefined, call: CallSettings, outcome: CallOutcome): PendingCall {
    const id = this.calls.nextId();
    const text = encodeRequest(this.dialect, id, method, params, call.sessionId);
    const pending = new PendingCall(id, method, call.retry ? text : null, call.timeoutMillis, call.signal, outcome);
    pending.epoch = this.link.sendEpoch;
    this.calls.add(pending);
    const log = this.link.lineLog();
    if (log !== null) traceSent(pending, log);
    this.transmit(pending, text);
    return pending;
  }

  /** A call's outcome that settles a promise, checking the result against `schema` if one is given. */
  static promiseOutcome(resolve: (value: unknown) => void, reject: (error: unknown) => void, schema: CallSettings["schema"]): CallOutcome {
    return {
      onResult: (value, _call, frame) => {
        if (schema === null) return resolve(value);
        try {
          const checked = validateWithSchema(schema, value, frame);
          if (checked instanceof Promise) checked.then((result) => resolve(result.value), reject);
          else resolve(checked.value);
        } catch (error) {
          reject(error);
        }
      },
      onError: (error) => reject(error),
    };
  }

  /** Starts a subscription: resolves with it once the peer gave its id. */
  subscribe(spec: SubscriptionSpec, call: CallSettings): Promise<RpcSubscription<unknown>> {
    return new Promise((resolve, reject) => {
      const outcome: CallOutcome = {
        onResult: (id) => {
          if (typeof id !== "string" && typeof id !== "number") {
            return reject(new RpcProtocolError("not-a-message", `${spec.method} answered ${typeof id}, not a subscription id`, ""));
          }
          const subscription = new RpcSubscription<unknown>(spec, id, this, call.schema, this.settings.bufferSize, this.gate);
          subscription.epoch = this.link.sendEpoch;
          this.subscriptions.attach(subscription, id);
          resolve(subscription);
        },
        onError: reject,
      };
      this.send(spec.method, spec.params, call, outcome);
    });
  }

  async unsubscribe(subscription: RpcSubscription<unknown>): Promise<void> {
    const attached = this.subscriptions.isAttached(subscription) && subscription.epoch === this.link.sendEpoch;
    this.subscriptions.remove(subscription);
    subscription.end(null);
    // Its id is only meaningful on the connection that gave it; without one, nothing is left to end.
    if (!attached || this.endedError !== null) return;
    const { unsubscribe, sessionId, timeoutMillis } = subscription.spec;
    await new Promise((resolve, reject) => {
      const settings: CallSettings = { timeoutMillis, signal: null, retry: false, sessionId, schema: null };
      this.send(unsubscribe, [subscription.id], settings, RpcCore.promiseOutcome(resolve, reject, null));
    });
  }

  onFrame(frame: Frame): void {
    dispatchFrame(frame, this);
  }

  onNotification(method: string, params: unknown, sessionId: string | undefined, frame: Frame): void {
    const subscription = this.subscriptions.find(method, params);
    if (subscription !== undefined) subscription.push((params as { result?: unknown }).result, frame);
    this.streams.deliver(method, params, sessionId);
  }

  onRequests(requests: readonly Extract<InboundMessage, { kind: "request" | "notification" }>[], batch: boolean): void {
    // A notification without a handler needs nothing here (the common case: a subscription's items).
    const answers: Promise<string | null>[] = [];
    for (const message of requests) {
      if (message.kind === "notification" && !this.handlers.has(message.method)) continue;
      const id = message.kind === "request" ? message.id : null;
      answers.push(this.handlers.answer({ method: message.method, id, sessionId: message.sessionId }, message.params));
    }
    if (answers.length === 0) return;
    void Promise.all(answers).then((texts) => {
      const sent = texts.filter((text): text is string => text !== null);
      if (sent.length === 0) return;
      // A batch is answered by one array (JSON-RPC §6); an answer that cannot go out is the connection's problem.
      this.link.send(batch ? `[${sent.join(",")}]` : sent[0]).catch(() => {});
    });
  }

  hasHandler(method: string): boolean {
    return this.handlers.has(method);
  }

  report(error: RpcProtocolError): void {
    this.protocolErrors++;
    try {
      this.settings.onProtocolError?.(error);
    } catch {
      // A throwing reporter must not stop the frames after this one.
    }
  }

  onConnectionLost(epoch: number, reason: CloseReason | null, error: Error | null): void {
    this.subscriptions.forgetIds();
    const lost = this.calls.select((call) => call.epoch !== HOOK_EPOCH && call.epoch <= epoch);
    for (const call of lost) {
      if (call.text !== null && this.reconnecting && this.endedError === null) {
        // Idempotent: it waits in the replay queue for the next connection.
        call.epoch = this.link.sendEpoch;
        this.transmit(call, call.text);
      } else {
        this.calls.fail(call, connectionLost(call.method, reason, error));
      }
    }
  }

  onReconnect(session: WebSocketSession): Promise<void> {
    return resubscribe(this, session);
  }

  onEnded(reason: CloseReason | null, error: Error | null): void {
    const closedByUs = this.endedError !== null;
    const ended = (this.endedError ??= new RpcConnectionLostError(`The session ended${describeReason(reason)}`, reason, error ? { cause: error } : undefined));
    for (const call of this.calls.select(() => true)) this.calls.fail(call, closedByUs ? ended : connectionLost(call.method, reason, error));
    // A subscription the peer ended by closing did not end as asked: its loop learns why.
    this.subscriptions.endAll(closedByUs ? null : ended);
    this.streams.end(closedByUs || error === null ? null : ended);
  }

  /** Hands a request's text to the link; a failure to send settles the call. */
  transmit(call: PendingCall, text: string): void {
    this.link.send(text).then(undefined, (error: unknown) => this.calls.fail(call, sendFailure(call.method, error)));
  }
}

/** Why a call failed when its request could not be sent: its session closed, or what the link said (a full replay queue). */
export function sendFailure(method: string, error: unknown): Error {
  return error instanceof ClosedSendChannelError ? connectionLost(method, null, error) : (error as Error);
}

function connectionLost(method: string, reason: CloseReason | null, error: Error | null): RpcConnectionLostError {
  return new RpcConnectionLostError(`The connection ended before ${method} was answered${describeReason(reason)}`, reason, error ? { cause: error } : undefined);
}

/** " (1001 going away)": a close reason as the errors of a lost connection quote it; "" for none. */
export function describeReason(reason: CloseReason | null): string {
  if (reason === null) return "";
  return ` (${reason.code}${reason.message === "" ? "" : ` ${reason.message}`})`;
}
