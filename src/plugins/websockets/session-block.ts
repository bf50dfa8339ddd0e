import { CloseReason } from "../../protocol/close-reason.js";

/** What `runSessionBlock` needs of a session: a plain or a reconnecting one. */
interface Closable {
  close(reason: CloseReason): Promise<unknown>;
}

/**
 * @internal Runs a builder's block with `session`, then closes the session: with 1000 when the block
 * returns (and resolves with its value once closed), with 1011 and the error's message when it throws
 * (and rejects with the block's error once closed). `session.close` must cut a long message, as both
 * sessions' `close` do.
 */
export async function runSessionBlock<S extends Closable, R>(session: S, block: (session: S) => R | Promise<R>): Promise<R> {
  let result: R;
  try {
    result = await block(session);
  } catch (error) {
    // The session's close cuts the message to the 123 bytes a Close frame holds.
    await session.close(new CloseReason(CloseReason.Codes.INTERNAL_ERROR, error instanceof Error ? error.message : String(error)));
    throw error;
  }
  await session.close(new CloseReason(CloseReason.Codes.NORMAL, ""));
  return result;
}
