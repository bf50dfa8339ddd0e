// Fuzzing the client's frame handling end to end: a raw TCP server answers the handshake, then writes
// a random, mutated or valid frame stream split at random points. The reference model (./model.ts)
// says what must happen; the client must do exactly that, within a time bound, without an uncaught
// exception, and release its socket every time.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Frame, ClosedReceiveChannelError, ConnectionClosedError, FrameTooBigError, ProtocolViolationError } from "../../src/index.js";
import { startRawServer, type RawConnection, type RawFrame } from "../helpers/raw-server.js";
import { splitAt } from "../helpers/frames.js";
import { newClient, socketOf, within, CrashTrap } from "../conformance/helpers.js";
import { model, streamArb, cutsArb, fuzzParameters, runs, type ModelOutcome } from "./model.js";

const LIMITS = { maxFrameSize: 256, maxMessageSize: 512 };
/** Every case must end within this (a hang fails the property). */
const CASE_BOUND_MILLIS = 3_000;

/** Reads `count` frames that must all be Pongs carrying `pings`' payloads, in order. */
async function expectPongs(conn: RawConnection, pings: readonly Uint8Array[], frames: RawFrame[]): Promise<void> {
  assert.equal(frames.length, pings.length, `${pings.length} Pongs expected before the end, got ${frames.length} frames`);
  frames.forEach((frame, i) => {
    assert.equal(frame.opcode, 0xa, `frame ${i} is a Pong`);
    assert.ok(frame.masked, "client frames are masked");
    assert.deepEqual(new Uint8Array(frame.payload), new Uint8Array(pings[i]), `Pong ${i} echoes its Ping`);
  });
  void conn;
}

function checkMessages(received: Frame[], expected: ModelOutcome): void {
  assert.equal(received.length, expected.messages.length, "messages delivered");
  received.forEach((frame, i) => {
    const want = expected.messages[i];
    assert.ok(frame.fin);
    assert.equal(frame instanceof Frame.Text ? "text" : frame instanceof Frame.Binary ? "binary" : "other", want.type, `message ${i} type`);
    assert.deepEqual(new Uint8Array(frame.data), new Uint8Array(want.data), `message ${i} bytes`);
  });
}

test("fuzz: the client never crashes or hangs, and ends every violation with the right close code", { timeout: 600_000 }, async (t) => {
  const raw = await startRawServer();
  const client = newClient((ws) => {
    ws.maxFrameSize = LIMITS.maxFrameSize;
    ws.maxMessageSize = LIMITS.maxMessageSize;
    ws.timeoutMillis = 1_000;
  });
  const trap = new CrashTrap();
  const tally = { fail: 0, close: 0, open: 0 };
  try {
    await fc.assert(
      fc.asyncProperty(streamArb(false, LIMITS), cutsArb, async (bytes, cuts) => {
        const expected = model(bytes, { expectMasked: false, ...LIMITS });
        tally[expected.kind]++;
        await within(runCase(bytes, cuts, expected), CASE_BOUND_MILLIS, `a case (${expected.kind})`);
        trap.check();
      }),
      fuzzParameters(runs(250)),
    );
  } finally {
    trap.stop();
    client.close();
    await raw.close();
  }
  trap.check();
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  // The generators must reach every outcome, or the property proves little.
  assert.ok(tally.fail > 0 && tally.close > 0 && tally.open > 0, `outcomes: ${JSON.stringify(tally)}`);

  async function runCase(bytes: Uint8Array, cuts: number[], expected: ModelOutcome): Promise<void> {
    const pending = client.webSocketSession(raw.url);
    const conn = await raw.nextConnection();
    await conn.accept();
    const session = await pending;
    const received: Frame[] = [];
    let error: unknown = null;
    const reading = (async () => {
      try {
        for await (const frame of session.incoming) received.push(frame);
      } catch (e) {
        error = e;
      }
    })();
    for (const chunk of splitAt(bytes, cuts)) {
      conn.write(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }

    if (expected.kind === "fail") {
      const close = await conn.expectClose(CASE_BOUND_MILLIS);
      assert.ok(expected.codes.includes(close.code ?? -1), `closed with ${close.code}, expected one of ${expected.codes} (${expected.why})`);
      await expectPongs(conn, expected.pings, close.skipped);
      assert.equal(await conn.readFrame(CASE_BOUND_MILLIS), null, "nothing after the Close, and the client ends TCP");
      await reading;
      assert.ok(error instanceof ClosedReceiveChannelError, `incoming failed with ${String(error)}`);
      const cause = error.cause;
      const CauseClass = close.code === 1009 ? FrameTooBigError : ProtocolViolationError;
      assert.ok(cause instanceof CauseClass, `cause ${String(cause)} for ${close.code}`);
      assert.equal((cause as { closeCode: number }).closeCode, close.code);
      assert.equal((await session.closeReason)?.code, close.code);
      checkMessages(received, expected);
    } else if (expected.kind === "close") {
      const close = await conn.expectClose(CASE_BOUND_MILLIS);
      assert.equal(close.code, expected.code, "the client echoes the code");
      await expectPongs(conn, expected.pings, close.skipped);
      conn.end();
      await reading;
      assert.equal(error, null, "a clean close ends incoming without an error");
      const reason = await session.closeReason;
      assert.equal(reason?.code, expected.code ?? 1005);
      assert.equal(reason?.message, expected.reason);
      checkMessages(received, expected);
    } else {
      const frames: RawFrame[] = [];
      for (let i = 0; i < expected.pings.length; i++) {
        const frame = await conn.readFrame(CASE_BOUND_MILLIS);
        assert.ok(frame !== null, "the client answers every Ping");
        frames.push(frame);
      }
      await expectPongs(conn, expected.pings, frames);
      const deadline = Date.now() + CASE_BOUND_MILLIS;
      while (received.length < expected.messages.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
      assert.equal(await conn.frameWithin(10), "none", "no Close for a stream that breaks no rule");
      conn.destroy();
      await reading;
      assert.ok(error instanceof ClosedReceiveChannelError && error.cause instanceof ConnectionClosedError, `incoming failed with ${String(error)}`);
      assert.equal((await session.closeReason)?.code, 1006);
      checkMessages(received, expected);
    }
    await within(conn.closed, CASE_BOUND_MILLIS, "the connection to close");
    const socket = socketOf(session);
    for (let i = 0; i < 100 && !socket.destroyed; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(socket.destroyed, "the client's socket is released");
    assert.ok(session.incoming.isClosedForReceive && session.outgoing.isClosedForSend);
  }
});
