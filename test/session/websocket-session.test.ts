// The session's own part over a hand-driven transport: `incoming` and read backpressure. A full
// `incoming` stops the transport; taking frames lets it read again once half the room is free, after
// the user's call and never inside it (resuming parses buffered bytes and delivers frames).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { WebSocketSession } from "../../src/session/websocket-session.js";
import { DefaultWebSocketSession } from "../../src/session/default-session.js";
import { Frame } from "../../src/protocol/frame.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ChannelOverflowError, ClosedReceiveChannelError } from "../../src/errors.js";
import { FakeTransport } from "./fake-transport.js";

const T = { timeout: 5_000 };
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

async function open(capacity: number, onOverflow: "suspend" | "close" = "suspend"): Promise<{ session: WebSocketSession; transport: FakeTransport }> {
  const transport = new FakeTransport();
  const session = new WebSocketSession({ transport, channels: { incoming: { capacity, onOverflow } } });
  await Promise.resolve(); // the transport is started a microtask after the session is made
  return { session, transport };
}

describe("WebSocketSession: incoming and read backpressure", () => {
  test("a full incoming stops reading; taking frames resumes it after the user's call, not inside it", T, async () => {
    const { session, transport } = await open(4);
    const answers = [1, 2, 3, 4].map((i) => transport.arrive(new Frame.Text(`f${i}`)));
    assert.deepEqual(answers, [true, true, true, false], "the frame that fills incoming asks for a pause");
    transport.pause(); // as the transport does when told
    transport.during(() => {
      session.incoming.tryReceive();
      session.incoming.tryReceive();
    });
    assert.equal(transport.resumedInsideCall, false, "receive() does not re-enter the transport");
    assert.equal(transport.resumes, 0);
    await nextTick();
    assert.equal(transport.resumes, 1, "reading resumes right after");
    session.terminate();
  });

  test("frames taken by a waiting receiver count as taken: reading is never stopped for them", T, async () => {
    const { session, transport } = await open(2);
    for (let i = 0; i < 10; i++) {
      const next = session.incoming.receive();
      assert.equal(transport.arrive(new Frame.Text(`f${i}`)), true);
      assert.equal(((await next) as Frame.Text).readText(), `f${i}`);
    }
    session.terminate();
  });

  test("a frame that fills incoming again before the resume runs keeps reading stopped", T, async () => {
    const { session, transport } = await open(4);
    for (let i = 0; i < 4; i++) transport.arrive(new Frame.Text(`f${i}`));
    session.incoming.tryReceive();
    session.incoming.tryReceive();
    // An extension's decode finishing delivers one more frame, filling incoming again.
    transport.arrive(new Frame.Text("late"));
    assert.equal(transport.arrive(new Frame.Text("later")), false);
    await nextTick();
    assert.equal(transport.resumes, 0, "the resume owed was cancelled");
    session.terminate();
  });

  test("a few large frames stop reading too: incoming holds at most 4 MiB beyond one frame", T, async () => {
    const { session, transport } = await open(1000);
    const mib = new Uint8Array(1024 * 1024);
    const answers = [1, 2, 3, 4].map(() => transport.arrive(new Frame.Binary(mib)));
    assert.deepEqual(answers, [true, true, true, false]);
    for (let i = 0; i < 2; i++) session.incoming.tryReceive();
    await nextTick();
    assert.equal(transport.resumes, 1);
    session.terminate();
  });

  test("with onOverflow 'close', a full incoming fails the session with 1008", T, async () => {
    const { session, transport } = await open(2, "close");
    transport.arrive(new Frame.Text("a"));
    assert.equal(transport.arrive(new Frame.Text("b")), false);
    assert.equal(transport.texts.at(-1), "<close 1008>");
    assert.equal((await session.closeReason)?.code, CloseReason.Codes.VIOLATED_POLICY);
    assert.deepEqual([session.incoming.tryReceive(), session.incoming.tryReceive()].map((f) => (f as Frame.Text).readText()), ["a", "b"]);
    await assert.rejects(session.incoming.receive(), (e: unknown) => e instanceof ClosedReceiveChannelError && e.cause instanceof ChannelOverflowError);
    session.terminate();
  });

  test("a raw session hands the peer's Close to incoming and answers nothing; the default session answers and hides it", T, async () => {
    const raw = await open(8);
    raw.transport.arrive(new Frame.Close(new CloseReason(4000, "bye")));
    assert.ok((await raw.session.incoming.receive()) instanceof Frame.Close);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(raw.transport.texts, []);
    raw.session.terminate();

    const transport = new FakeTransport();
    const session = new DefaultWebSocketSession({ transport });
    await Promise.resolve();
    assert.equal(transport.arrive(new Frame.Close(new CloseReason(4000, "bye"))), false, "nothing is read after the peer's Close");
    await new Promise((resolve) => setImmediate(resolve));
    await nextTick();
    assert.deepEqual(transport.texts, ["<close 4000>"]);
    assert.equal(session.incoming.isClosedForReceive, true);
    session.terminate();
  });
});
