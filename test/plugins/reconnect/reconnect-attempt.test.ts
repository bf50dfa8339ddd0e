// connectAttempt alone, over a fake connect: the target function, the connect timeout, aborts (the
// session's and the target's own), and sessions that open too late. No network, no real timers
// beyond a few milliseconds.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { connectAttempt, toRequestOptions, type AttemptDeps, type AttemptOutcome } from "../../../src/plugins/reconnect/reconnect-attempt.js";
import type { ReconnectTarget } from "../../../src/plugins/reconnect/reconnect-types.js";
import type { DefaultWebSocketSession } from "../../../src/session/default-session.js";
import type { WebSocketRequestOptions } from "../../../src/client/target.js";
import { ConnectTimeoutError, WebSocketError } from "../../../src/errors.js";

/** A session as an attempt sees it: something that can be terminated. */
class FakeSession {
  terminated = false;
  terminate(): void {
    this.terminated = true;
  }
}

/** Deps whose connect records its requests and answers with `answer(request)`. */
function fakeDeps(answer: (request: WebSocketRequestOptions) => Promise<FakeSession> = () => Promise.resolve(new FakeSession())): AttemptDeps & {
  requests: WebSocketRequestOptions[];
} {
  const requests: WebSocketRequestOptions[] = [];
  return {
    requests,
    connect: (request) => {
      requests.push(request);
      return answer(request) as unknown as Promise<DefaultWebSocketSession>;
    },
    resolveUrl: (request) => new URL(String(request.url)),
  };
}

function attempt(target: ReconnectTarget, deps: AttemptDeps, controller = new AbortController(), timeoutMillis: number | null = null): Promise<AttemptOutcome> {
  return connectAttempt(target, 3, timeoutMillis, deps, controller);
}

function failure(outcome: AttemptOutcome): Error {
  assert.ok("error" in outcome, "the attempt failed");
  return outcome.error;
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});
const URL_TEXT = "ws://127.0.0.1:1/feed";

const T = { timeout: 5_000 };

describe("connectAttempt", () => {
  test("a URL target: connect gets the request with the attempt's signal; the outcome has the session and the URL", T, async () => {
    const deps = fakeDeps();
    const controller = new AbortController();
    const outcome = await attempt(URL_TEXT, deps, controller);
    assert.ok("session" in outcome);
    assert.equal(outcome.url.href, URL_TEXT);
    assert.equal(deps.requests.length, 1);
    assert.equal(deps.requests[0].url, URL_TEXT);
    assert.equal(deps.requests[0].signal, controller.signal);
  });

  test("a target function is called with the attempt number and signal, and its result is connected to", T, async () => {
    const deps = fakeDeps();
    const controller = new AbortController();
    const seen: { attempt: number; signal: AbortSignal }[] = [];
    const outcome = await attempt(
      async (context) => {
        seen.push(context);
        return { url: URL_TEXT, headers: [["authorization", "Bearer t"]] };
      },
      deps,
      controller,
    );
    assert.ok("session" in outcome);
    assert.deepEqual(seen, [{ attempt: 3, signal: controller.signal }]);
    assert.deepEqual(deps.requests[0].headers, [["authorization", "Bearer t"]]);
  });

  test("a target function that throws or rejects fails the attempt with its error (anything thrown becomes an Error)", T, async () => {
    const boom = new Error("no token");
    assert.equal(failure(await attempt(() => { throw boom; }, fakeDeps())), boom);
    assert.equal(failure(await attempt(() => Promise.reject(boom), fakeDeps())), boom);
    const text = failure(await attempt(() => Promise.reject("just text"), fakeDeps()));
    assert.ok(text instanceof WebSocketError);
    assert.equal(text.message, "just text");
  });

  test("a malformed target fails the attempt with a TypeError, before connecting", T, async () => {
    const deps = fakeDeps();
    const error = failure(await attempt(() => 42 as unknown as string, deps));
    assert.ok(error instanceof TypeError);
    assert.equal(deps.requests.length, 0);
  });

  test("connectTimeout: an attempt that takes longer fails with ConnectTimeoutError, and the session opening later is terminated", T, async () => {
    let open!: (session: FakeSession) => void;
    const deps = fakeDeps(() => new Promise((resolve) => (open = resolve)));
    const controller = new AbortController();
    const error = failure(await attempt(URL_TEXT, deps, controller, 10));
    assert.ok(error instanceof ConnectTimeoutError);
    assert.equal(error.message, "Attempt 3 took longer than 10 ms (connectTimeout)");
    assert.equal(controller.signal.reason, error, "the connect was told through its signal");
    const late = new FakeSession();
    open(late);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(late.terminated, true);
  });

  test("connectTimeout covers the target function too", T, async () => {
    const error = failure(await attempt(() => never(), fakeDeps(), new AbortController(), 10));
    assert.ok(error instanceof ConnectTimeoutError);
  });

  test("aborting the controller ends the attempt with the abort's reason; already aborted, nothing is connected", T, async () => {
    const reason = new Error("closed");
    const controller = new AbortController();
    const pending = attempt(URL_TEXT, fakeDeps(() => never()), controller);
    controller.abort(reason);
    assert.equal(failure(await pending), reason);

    const deps = fakeDeps();
    let called = false;
    assert.equal(failure(await attempt(() => ((called = true), URL_TEXT), deps, abortedController(reason))), reason);
    assert.equal(called, true, "the target function may run (it is given the aborted signal)");
    assert.equal(deps.requests.length, 0);
  });

  test("a session that opens as the attempt is aborted is terminated, not returned", T, async () => {
    const reason = new Error("closed");
    const controller = new AbortController();
    const session = new FakeSession();
    const deps = fakeDeps(() => {
      const opened = Promise.resolve(session);
      // Aborts right after the connect's promise settles, before the attempt resumes.
      queueMicrotask(() => void opened.then(() => controller.abort(reason)));
      return opened;
    });
    assert.equal(failure(await attempt(URL_TEXT, deps, controller)), reason);
    assert.equal(session.terminated, true);
  });

  test("the target's own signal: aborted before, the attempt fails with its reason; aborted during, the connect is aborted too", T, async () => {
    const before = new AbortController();
    before.abort(new Error("user gave up"));
    const deps = fakeDeps();
    assert.equal(failure(await attempt({ url: URL_TEXT, signal: before.signal }, deps)).message, "user gave up");
    assert.equal(deps.requests.length, 0);

    const own = new AbortController();
    const controller = new AbortController();
    const pending = attempt({ url: URL_TEXT, signal: own.signal }, fakeDeps(() => never()), controller);
    await new Promise((resolve) => setImmediate(resolve));
    own.abort(new Error("user gave up later"));
    assert.equal(failure(await pending).message, "user gave up later");
    assert.equal(controller.signal.aborted, true);
  });

  test("the target's own signal is not forwarded when it is the session's signal (the session stops the attempt itself)", T, async () => {
    const own = new AbortController();
    const controller = new AbortController();
    const pending = connectAttempt({ url: URL_TEXT, signal: own.signal }, 3, null, fakeDeps(() => never()), controller, own.signal);
    await new Promise((resolve) => setImmediate(resolve));
    own.abort(new Error("the session's signal"));
    assert.equal(controller.signal.aborted, false, "not forwarded");
    controller.abort(new Error("stopped by the session"));
    assert.equal(failure(await pending).message, "stopped by the session");
  });

  test("release() stops forwarding the target's own signal once the connection is over", T, async () => {
    const own = new AbortController();
    const controller = new AbortController();
    const outcome = await attempt({ url: URL_TEXT, signal: own.signal }, fakeDeps(), controller);
    assert.ok("release" in outcome);
    outcome.release();
    own.abort(new Error("after the connection"));
    assert.equal(controller.signal.aborted, false);
  });

  test("toRequestOptions: strings and URLs become { url }, objects pass, anything else is a TypeError", T, () => {
    assert.deepEqual(toRequestOptions(URL_TEXT), { url: URL_TEXT });
    const url = new URL(URL_TEXT);
    assert.deepEqual(toRequestOptions(url), { url });
    const options = { host: "127.0.0.1", port: 1 };
    assert.equal(toRequestOptions(options), options);
    assert.throws(() => toRequestOptions(null as unknown as string), TypeError);
    assert.throws(() => toRequestOptions(7 as unknown as string), TypeError);
  });
});

function abortedController(reason: Error): AbortController {
  const controller = new AbortController();
  controller.abort(reason);
  return controller;
}
