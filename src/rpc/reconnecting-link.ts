import type { ReconnectingWebSocketSession } from "../plugins/reconnect/reconnecting-session.js";
import type { LinkListener, RpcLink } from "./rpc-link.js";
import type { ReadGate } from "./read-gate.js";
import { readFrames } from "./session-link.js";

/**
 * A reconnecting session: messages go through its replay queue, frames come from its one `incoming`,
 * and each connection is numbered (`sendEpoch`) by its `open` event, so the calls a connection carried
 * are known when its `closed` event comes. Subscriptions are made again in an `onOpen` hook, before
 * anything queued is sent.
 */
export class ReconnectingLink implements RpcLink {
  /** The number of the open connection (or of the last one); 0 before the first. */
  private epoch = 0;
  private open = false;

  constructor(private readonly session: ReconnectingWebSocketSession) {}

  /** While disconnected, a message waits in the replay queue for the next connection. */
  get sendEpoch(): number {
    return this.open ? this.epoch : this.epoch + 1;
  }

  send(text: string): Promise<void> {
    return this.session.send(text);
  }

  /** The open connection's log; while disconnected, a call's lines go nowhere until it is answered. */
  lineLog(): ((line: string) => void) | null {
    return this.session.session?.lineLog ?? null;
  }

  start(listener: LinkListener, gate: ReadGate): void {
    const session = this.session;
    session.onOpen((connection) => listener.onReconnect(connection));
    session.on("open", () => {
      this.epoch++;
      this.open = true;
    });
    session.on("closed", (event) => {
      this.open = false;
      listener.onConnectionLost(this.epoch, event.reason, event.error);
    });
    void (async () => {
      const error = await readFrames(session.incoming, gate, (frame) => listener.onFrame(frame));
      const ended = await session.ended;
      listener.onEnded(ended.reason, ended.error ?? error);
    })();
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
