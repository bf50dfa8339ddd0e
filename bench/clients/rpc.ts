/**
 * The RPC scenarios' clients: something that makes JSON-RPC calls over one connection, and the loop
 * that drives it, shared by every client so that only the calls layer differs between them.
 *
 * The call is shaped like an Ethereum node's (`eth_getBalance` with an address and a block tag); the
 * bench servers' `/rpc` route answers with the params as the result.
 */
import { deadline, elapsedUs } from "./client.js";

export const METHOD = "eth_getBalance";
export const PARAMS: readonly unknown[] = ["0x407d73d8a49eeb85d32cf465507dd71d507100c1", "latest"];
/** Each call's deadline in every client, as real code has one: kite-ws's `timeout`, `ws`'s setTimeout. */
export const TIMEOUT_MS = 30_000;

export interface RpcConnection {
  /** Calls `method` and resolves with the answer's `result`. */
  call(method: string, params: readonly unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface RpcBenchClient {
  connect(url: string): Promise<RpcConnection>;
}

/**
 * `window` loops, each awaiting one call after another, until `count` calls were made or `limitMs`
 * passed (the calls in flight then finish). Times each call (µs, call to answer) when `timed`.
 */
export async function drive(connection: RpcConnection, count: number, window: number, limitMs: number, timed: boolean): Promise<{ calls: number; samples: number[] | null }> {
  const time = deadline(limitMs);
  const samples: number[] | null = timed ? [] : null;
  let started = 0;
  let answered = 0;
  const loop = async (): Promise<void> => {
    while (started < count && !time.late) {
      started++;
      if (samples !== null) {
        const start = process.hrtime.bigint();
        await connection.call(METHOD, PARAMS);
        samples.push(elapsedUs(start));
      } else {
        await connection.call(METHOD, PARAMS);
      }
      answered++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(window, count)) }, loop));
  time.cancel();
  return { calls: answered, samples };
}

/** One call whose answer must be the params back: the peer and the client agree before anything is measured. */
export async function checkAnswer(connection: RpcConnection): Promise<void> {
  const result = await connection.call(METHOD, PARAMS);
  if (JSON.stringify(result) !== JSON.stringify(PARAMS)) throw new Error(`the /rpc route answered ${JSON.stringify(result)}, not the params`);
}
