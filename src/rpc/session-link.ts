import type { Frame } from "../protocol/frame.js";
import type { ReceiveChannel } from "../session/channel.js";
import type { WebSocketSession } from "../session/websocket-session.js";
import type { LinkListener, RpcLink } from "./rpc-link.js";
import type { ReadGate } from "./read-gate.js";

/**
 * Reads every frame of `session.incoming` into `onFrame` until the channel ends; waits while `gate`
 * is held. Frames already buffered are taken without a promise each. Resolves with the error the
 * channel ended with, or null after a clean close.
 */
export async function readFrames(incoming: ReceiveChannel<Frame>, gate: ReadGate, onFrame: (frame: Frame) => void): Promise<Error | null> {
  // Frames already buffered wait for the end of the turn, so handlers registered right after the
  // client was made (`rpc.handle(...)`) see the peer's first requests.
  await Promise.resolve();
  try {
    for (;;) {
      if (gate.isHeld) await gate.opened();
      let frame = incoming.tryReceive();
      // Once the channel has ended, receive() throws what ended it.
      frame ??= await incoming.receive();
      onFrame(frame);
    }
  } catch (error) {
    const cause = (error as { cause?: unknown } | null)?.cause;
    return cause instanceof Error ? cause : null;
  }
}

/** One connection: a client's or a server's session, or MockEngine's. Its end is the link's end. */
export class SessionLink implements RpcLink {
  readonly sendEpoch = 0;

  constructor(private readonly session: WebSocketSession) {}

  send(text: string): Promise<void> {
    return this.session.send(text);
  }

  lineLog(): ((line: string) => void) | null {
    return this.session.lineLog;
  }

  start(listener: LinkListener, gate: ReadGate): void {
    void readFrames(this.session.incoming, gate, (frame) => listener.onFrame(frame)).then(async (error) => {
      const reason = await this.session.closeReason;
      listener.onConnectionLost(0, reason, error);
      listener.onEnded(reason, error);
    });
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
