// Fuzzing the server's frame handling end to end: a raw TCP client upgrades to kite-ws/server, then
// writes a random, mutated or valid frame stream (masked, as a client must, except where the
// generator breaks that rule) split at random points. The reference model says what must happen.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Frame, ClosedReceiveChannelError, ConnectionClosedError, FrameTooBigError, ProtocolViolationError } from "../../src/index.js";
import type { RawFrame } from "../helpers/raw-server.js";
import { splitAt } from "../helpers/frames.js";
import { startServer, upgraded, socketOf, within, CrashTrap } from "../conformance/helpers.js";
import { model, streamArb, cutsArb, fuzzParameters, runs, type ModelOutcome } from "./model.js";

const LIMITS = { maxFrameSize: 256, maxMessageSize: 512 };
const CASE_BOUND_MILLIS = 3_000;

function checkPongs(pings: readonly Uint8Array[], frames: readonly RawFrame[]): void {
  assert.equal(frames.length, pings.length, `${pings.length} Pongs expected, got ${frames.length} frames`);
  frames.forEach((frame, i) => {
    assert.equal(frame.opcode, 0xa, `frame ${i} is a Pong`);
    assert.equal(frame.masked, false, "a server never masks");
    assert.deepEqual(new Uint8Array(frame.payload), new Uint8Array(pings[i]), `Pong ${i} echoes its Ping`);
  });
}

function checkMessages(received: readonly Frame[], expected: ModelOutcome): void {
  assert.equal(received.length, expected.messages.length, "messages delivered");
  received.forEach((frame, i) => {
    const want = expected.messages[i];
    assert.equal(frame instanceof Frame.Text ? "text" : frame instanceof Frame.Binary ? "binary" : "other", want.type, `message ${i} type`);
    assert.deepEqual(new Uint8Array(frame.data), new Uint8Array(want.data), `message ${i} bytes`);
  });
}

test("fuzz: the server never crashes or hangs, and ends every violation with the right close code", { timeout: 600_000 }, async (t) => {
  const errors: unknown[] = [];
  const harness = await startServer({ ...LIMITS, timeoutMillis: 1_000 }, "collect", (error) => errors.push(error));
  const trap = new CrashTrap();
  const tally = { fail: 0, close: 0, open: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(streamArb(true, LIMITS), cutsArb, async (bytes, cuts) => {
        const expected = model(bytes, { expectMasked: true, ...LIMITS });
        tally[expected.kind]++;
        await within(runCase(bytes, cuts, expected), CASE_BOUND_MILLIS, `a case (${expected.kind})`);
        trap.check();
      }),
      fuzzParameters(runs(250)),
    );
    // Every session is gone from the server's books.
    for (let i = 0; i < 100 && harness.server.routes.sessions.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(harness.server.routes.sessions.size, 0, "no session left open");
  } finally {
    trap.stop();
    await harness.close();
  }
  trap.check();
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  assert.deepEqual(errors, [], "nothing was reported to onError");
  assert.ok(tally.fail > 0 && tally.close > 0 && tally.open > 0, `outcomes: ${JSON.stringify(tally)}`);

  async function runCase(bytes: Uint8Array, cuts: number[], expected: ModelOutcome): Promise<void> {
    const { conn, status } = await upgraded(harness.port);
    assert.equal(status, 101);
    const record = await harness.next();
    for (const chunk of splitAt(bytes, cuts)) {
      conn.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (expected.kind === "fail") {
      const close = await conn.expectClose(CASE_BOUND_MILLIS);
      assert.ok(expected.codes.includes(close.code ?? -1), `closed with ${close.code}, expected one of ${expected.codes} (${expected.why})`);
      checkPongs(expected.pings, close.skipped);
      assert.equal(await conn.readFrame(CASE_BOUND_MILLIS), null, "nothing after the Close, and the server ends TCP");
      await within(record.done, CASE_BOUND_MILLIS, "the session to end");
      const error = record.error;
      assert.ok(error instanceof ClosedReceiveChannelError, `incoming failed with ${String(error)}`);
      const CauseClass = close.code === 1009 ? FrameTooBigError : ProtocolViolationError;
      assert.ok(error.cause instanceof CauseClass, `cause ${String(error.cause)} for ${close.code}`);
      assert.equal((error.cause as { closeCode: number }).closeCode, close.code);
      assert.equal(record.closeReason?.code, close.code);
    } else if (expected.kind === "close") {
      const close = await conn.expectClose(CASE_BOUND_MILLIS);
      assert.equal(close.code, expected.code, "the server echoes the code");
      checkPongs(expected.pings, close.skipped);
      // The server closes TCP first, without waiting for the client (§5.5.1).
      assert.equal(await conn.readFrame(CASE_BOUND_MILLIS), null, "the server ends TCP after the closing handshake");
      await within(record.done, CASE_BOUND_MILLIS, "the session to end");
      assert.equal(record.error, null, "a clean close ends incoming without an error");
      assert.equal(record.closeReason?.code, expected.code ?? 1005);
      assert.equal(record.closeReason?.message, expected.reason);
    } else {
      const frames: RawFrame[] = [];
      for (let i = 0; i < expected.pings.length; i++) {
        const frame = await conn.readFrame(CASE_BOUND_MILLIS);
        assert.ok(frame !== null, "the server answers every Ping");
        frames.push(frame);
      }
      checkPongs(expected.pings, frames);
      const deadline = Date.now() + CASE_BOUND_MILLIS;
      while (record.frames.length < expected.messages.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(await conn.frameWithin(10), "none", "no Close for a stream that breaks no rule");
      conn.destroy();
      await within(record.done, CASE_BOUND_MILLIS, "the session to end");
      assert.ok(record.error instanceof ClosedReceiveChannelError && record.error.cause instanceof ConnectionClosedError, `incoming failed with ${String(record.error)}`);
      assert.equal(record.closeReason?.code, 1006);
    }
    checkMessages(record.frames, expected);
    await within(conn.closed, CASE_BOUND_MILLIS, "the connection to close");
    const socket = socketOf(record.session);
    for (let i = 0; i < 100 && !socket.destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(socket.destroyed, "the server's socket is released");
  }
});
