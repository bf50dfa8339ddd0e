import type { WebSocketSession } from "../session/websocket-session.js";
import { HOOK_EPOCH, PendingCall, type CallOutcome } from "./call-registry.js";
import { encodeRequest } from "./message-codec.js";
import { RpcConnectionLostError } from "./rpc-errors.js";
import type { Frame } from "../protocol/frame.js";
import type { CallRegistry } from "./call-registry.js";
import type { RpcDialect } from "./message-codec.js";
import type { RpcLink } from "./rpc-link.js";
import type { RpcSubscription } from "./subscription.js";
import type { SubscriptionTable } from "./subscription-table.js";

/** What making subscriptions again needs of the client. */
export interface ResubscribeHost {
  readonly subscriptions: SubscriptionTable;
  readonly calls: CallRegistry;
  readonly link: RpcLink;
  readonly dialect: RpcDialect;
  onFrame(frame: Frame): void;
}

/**
 * Makes every live subscription again over a new connection, from its `onOpen` hook: before anything
 * queued is sent and before its frames reach the reconnecting session's `incoming`, so the hook reads
 * the answers from the connection itself. A subscription gets its new id; one whose call fails ends
 * with that error. If the connection ends meanwhile, the subscriptions wait for the next one.
 */
export async function resubscribe(core: ResubscribeHost, session: WebSocketSession): Promise<void> {
  const subscriptions = core.subscriptions.all().filter((subscription) => !subscription.isEnded);
  if (subscriptions.length === 0) return;
  // Frames of this connection are not yet numbered by an `open` event; the link's next epoch is theirs.
  const epoch = core.link.sendEpoch;
  let waiting = subscriptions.length;
  let allSettled!: () => void;
  const settled = new Promise<void>((resolve) => (allSettled = resolve));
  const calls: PendingCall[] = [];
  for (const subscription of subscriptions) {
    const outcome = renewal(core, subscription, epoch, () => {
      if (--waiting === 0) allSettled();
    });
    const { method, params, sessionId, timeoutMillis } = subscription.spec;
    const id = core.calls.nextId();
    const call = new PendingCall(id, method, null, timeoutMillis, null, outcome);
    call.epoch = HOOK_EPOCH;
    core.calls.add(call);
    calls.push(call);
    session.send(encodeRequest(core.dialect, id, method, params, sessionId)).catch(() => {});
  }
  try {
    while (waiting > 0) {
      const frame = session.incoming.tryReceive();
      if (frame !== undefined) {
        core.onFrame(frame);
        continue;
      }
      // A deadline may settle the last call while a receive waits: then that receive's frame is
      // still dispatched, as the next one in order, when it comes.
      const next = session.incoming.receive().then(
        (received) => core.onFrame(received),
        () => Promise.reject(new Error("ended")),
      );
      await Promise.race([next, settled]);
      next.catch(() => {});
    }
  } catch {
    // The connection ended during its hooks: the subscriptions wait for the next one.
    const reason = await session.closeReason;
    for (const call of calls) core.calls.fail(call, new RpcConnectionLostError("The connection ended while subscriptions were made again", reason));
  }
}

function renewal(core: ResubscribeHost, subscription: RpcSubscription<unknown>, epoch: number, done: () => void): CallOutcome {
  return {
    onResult: (id) => {
      if (subscription.isEnded) {
        // Unsubscribed while it was being made again: the peer's new one is left to the connection's end.
      } else if (typeof id === "string" || typeof id === "number") {
        subscription.epoch = epoch;
        core.subscriptions.attach(subscription, id);
      } else {
        core.subscriptions.remove(subscription);
        subscription.end(new RpcConnectionLostError(`${subscription.spec.method} answered ${typeof id}, not a subscription id`, null));
      }
      done();
    },
    onError: (error) => {
      if (!(error instanceof RpcConnectionLostError)) {
        core.subscriptions.remove(subscription);
        subscription.end(error);
      }
      done();
    },
  };
}
