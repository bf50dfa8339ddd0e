// What the connect-failure tests of every engine share: the error a session attempt fails with, and
// the checks of a wrapped failure.
import assert from "node:assert/strict";
import { ConnectError, TlsError, type HttpClient, type WebSocketTarget } from "../../../src/index.js";
import { within } from "../../helpers/ws-peer.js";

/** The error a session attempt fails with (it must fail, within 5 s). */
export async function failure<C>(client: HttpClient<C>, target: WebSocketTarget): Promise<unknown> {
  const outcome = client.webSocketSession(target).then(
    (session) => {
      session.terminate();
      return assert.fail("the session opened");
    },
    (error: unknown) => error,
  );
  return within(outcome, 5_000, "the connection to fail");
}

/** Checks the class, codes and cause of a wrapped failure, and returns it for the message checks. */
export function assertWrapped<E extends ConnectError>(error: unknown, type: new (...args: never[]) => E, systemCode: string | RegExp): E {
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.equal(error.code, error instanceof TlsError ? "KITE_ERR_TLS" : "KITE_ERR_CONNECT");
  if (typeof systemCode === "string") assert.equal(error.systemCode, systemCode);
  else assert.match(String(error.systemCode), systemCode);
  assert.ok(error.cause instanceof Error, "the original error is the cause");
  assert.equal((error.cause as { code?: string }).code, error.systemCode);
  return error;
}
