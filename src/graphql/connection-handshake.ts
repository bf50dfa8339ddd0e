import { Frame } from "../protocol/frame.js";
import { CloseReason } from "../protocol/close-reason.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import { ConnectTimeoutError } from "../errors.js";
import { describeReason } from "../rpc/rpc-core.js";
import { GraphQLWsError } from "./graphql-errors.js";
import { CloseCodes, connectionInit, parseServerMessage, pong } from "./protocol-messages.js";

/** What `connection_init` carries: an object, or a function (sync or async) evaluated on every connection. */
export type ConnectionParams =
  | Readonly<Record<string, unknown>>
  | (() => Readonly<Record<string, unknown>> | undefined | Promise<Readonly<Record<string, unknown>> | undefined>);

/**
 * The protocol's opening on one connection: `connection_init` with the connection params, then the
 * frames of the connection itself are read until `connection_ack`, pings answered meanwhile. No ack
 * within `ackTimeoutMillis` closes the connection with 4504 and throws a `GraphQLWsError` (whose
 * cause is a `ConnectTimeoutError`, which a reconnecting session retries). Nothing is read past the ack.
 */
export async function connectionHandshake(session: WebSocketSession, params: ConnectionParams | undefined, ackTimeoutMillis: number): Promise<void> {
  const payload = typeof params === "function" ? await params() : params;
  await session.send(connectionInit(payload));
  let timedOut = false;
  // Awaited work, so it keeps the event loop alive (over an in-memory session nothing else does).
  const timer = setTimeout(() => {
    timedOut = true;
    void session.close(new CloseReason(CloseCodes.CONNECTION_ACK_TIMEOUT, "Connection acknowledgement timeout"));
  }, ackTimeoutMillis);
  try {
    for (;;) {
      let frame: Frame;
      try {
        frame = session.incoming.tryReceive() ?? (await session.incoming.receive());
      } catch (error) {
        if (timedOut) {
          const cause = new ConnectTimeoutError(`No connection_ack within ${ackTimeoutMillis} ms`);
          throw new GraphQLWsError(`No connection_ack within ${ackTimeoutMillis} ms`, [], CloseCodes.CONNECTION_ACK_TIMEOUT, { cause });
        }
        // The server closed before its ack: its close code says whether another connection may do better.
        const reason = await session.closeReason;
        if (reason === null || reason.code === CloseReason.Codes.CLOSED_ABNORMALLY) throw error;
        throw new GraphQLWsError(`The server closed the connection before its ack${describeReason(reason)}`, [], reason.code, { cause: error });
      }
      const message = frame instanceof Frame.Text ? parseServerMessage(frame.readText()) : null;
      if (message?.type === "connection_ack") return;
      if (message?.type === "ping") await session.send(pong());
      // Anything else before the ack is not for this client yet; the server closes if it minds.
    }
  } finally {
    clearTimeout(timer);
  }
}
