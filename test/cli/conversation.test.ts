// converse() alone, over a fake session and piped stdin/stdout: what is sent, printed and closed,
// and the exit code, whatever session (plain or reconnecting) is underneath.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { converse, type ConversationSession } from "../../src/cli/conversation.js";
import type { ConnectOptions } from "../../src/cli/connect-options.js";
import { ExitCode } from "../../src/cli/exit-codes.js";
import { lineInput } from "../../src/cli/message-input.js";
import { LineConsole } from "../../src/cli/terminal.js";
import { Channel } from "../../src/session/channel.js";
import { Frame } from "../../src/protocol/frame.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ClosedSendChannelError } from "../../src/errors.js";

const T = { timeout: 5_000 };

/** A session that records what the conversation does to it; the test plays the server through `incoming`. */
class FakeSession implements ConversationSession {
  readonly incoming = new Channel<Frame>();
  readonly sent: string[] = [];
  readonly calls: string[] = [];
  closedWith: CloseReason | null = null;
  concluded: { failure: unknown; closedByUs: boolean } | null = null;
  refuse: Error | null = null;

  async send(payload: string | Uint8Array): Promise<void> {
    if (this.refuse !== null) throw this.refuse;
    this.sent.push(typeof payload === "string" ? payload : `bytes:${[...payload].join(",")}`);
  }
  async flush(): Promise<void> {
    this.calls.push("flush");
  }
  announce(): void {
    this.calls.push("announce");
  }
  close(reason: CloseReason): void {
    this.calls.push("close");
    this.closedWith = reason;
    this.incoming.close(); // the server answers at once
  }
  terminate(): void {
    this.calls.push("terminate");
    this.incoming.close(new Error("cut"));
  }
  async whenOver(): Promise<void> {
    this.calls.push("whenOver");
  }
  async conclude(failure: unknown, closedByUs: boolean): Promise<number> {
    this.concluded = { failure, closedByUs };
    return 42;
  }
  dispose(): void {}
}

function options(overrides: Partial<ConnectOptions> = {}): ConnectOptions {
  return {
    target: { url: "ws://127.0.0.1:1/" },
    href: "ws://127.0.0.1:1/",
    pingMillis: null,
    connectTimeoutMillis: null,
    closeTimeoutMillis: null,
    closeCode: 1000,
    closeReason: "",
    waitMillis: 0,
    binary: null,
    chunkBytes: 65536,
    nul: false,
    slash: false,
    json: false,
    pretty: false,
    execute: null,
    preamble: [],
    oneMessage: false,
    tls: { insecure: false, ca: null, cert: null, key: null, servername: null },
    proxy: "env",
    followRedirects: false,
    noColor: true,
    quiet: false,
    verbose: false,
    reconnect: false,
    maxAttempts: null,
    ...overrides,
  };
}

/** A conversation over piped streams: stdin to write lines into, stdout and stderr as text. */
function start(session: FakeSession, opts: ConnectOptions = options()) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const handlers = { stop: (): void => {}, force: (): void => {} };
  const io = { stdin, stdout, stderr, env: {}, signals: { on: () => undefined, off: () => undefined } };
  const terminal = new LineConsole(io, { noColor: true, onInterrupt: () => handlers.stop() });
  const exit = converse(session, terminal, opts, (stop, force) => {
    handlers.stop = stop;
    handlers.force = force;
  }, lineInput(terminal)).finally(() => terminal.close());
  return { stdin, exit, handlers, out: () => out, err: () => err };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const text = (value: string): Frame => new Frame.Text(true, new TextEncoder().encode(value));

describe("converse", () => {
  test("each line is sent; at the end of input what is queued is flushed, then we close with 1000", T, async () => {
    const session = new FakeSession();
    const run = start(session);
    run.stdin.write("hello\nworld\n");
    run.stdin.end();
    assert.equal(await run.exit, 42, "the session's own exit code");
    assert.deepEqual(session.sent, ["hello", "world"]);
    assert.deepEqual(session.calls, ["announce", "flush", "close", "whenOver"]);
    assert.deepEqual(session.closedWith, new CloseReason(1000, ""));
    assert.deepEqual(session.concluded, { failure: null, closedByUs: true });
  });

  test("what arrives is printed, one message per line in a pipe", T, async () => {
    const session = new FakeSession();
    const run = start(session);
    session.incoming.push(text("one"));
    session.incoming.push(new Frame.Binary(true, new Uint8Array([1, 2])));
    await turn();
    run.stdin.end();
    await run.exit;
    assert.equal(run.out(), "one\n0102\n");
  });

  test("the server ending the session ends the conversation: no close from us, and its failure is handed on", T, async () => {
    const session = new FakeSession();
    const run = start(session);
    const failure = new Error("connection lost");
    session.incoming.close(failure);
    assert.equal(await run.exit, 42);
    assert.equal(session.closedWith, null);
    assert.equal(session.concluded?.closedByUs, false);
    assert.equal((session.concluded?.failure as Error).cause, failure);
  });

  test("Ctrl-C closes with 1001; a second one while closing cuts the connection (exit 130)", T, async () => {
    const session = new FakeSession();
    session.close = (reason: CloseReason): void => {
      session.calls.push("close");
      session.closedWith = reason; // the server does not answer
    };
    const run = start(session);
    await turn();
    run.handlers.stop();
    assert.deepEqual(session.closedWith, new CloseReason(1001, ""));
    run.handlers.stop();
    assert.equal(await run.exit, ExitCode.INTERRUPTED);
    assert.ok(session.calls.includes("terminate"));
    assert.equal(session.concluded, null, "a cut session is not reported");
  });

  test("--wait keeps printing for a while after the end of input before closing", T, async () => {
    const session = new FakeSession();
    // The wait holds nothing open by itself; a real session's socket does.
    const socket = setInterval(() => {}, 1000);
    const run = start(session, options({ waitMillis: 150 }));
    const started = performance.now();
    run.stdin.end();
    await turn();
    session.incoming.push(text("late answer"));
    await run.exit.finally(() => clearInterval(socket));
    assert.ok(performance.now() - started >= 140, "waited before closing");
    assert.equal(run.out(), "late answer\n");
  });

  test("--binary decodes each line; a line that does not decode is reported and not sent", T, async () => {
    const session = new FakeSession();
    const run = start(session, options({ binary: "hex" }));
    run.stdin.write("0a0b\nnot hex\n");
    run.stdin.end();
    await run.exit;
    assert.deepEqual(session.sent, ["bytes:10,11"]);
    assert.match(run.err(), /not hex, not sent: "not hex"/);
  });

  test("a send refused is reported and sending goes on; a closed session stops the sender", T, async () => {
    const session = new FakeSession();
    session.refuse = new RangeError("too big");
    const run = start(session);
    run.stdin.write("a\n");
    await turn();
    assert.match(run.err(), /kite: not sent: .*too big/);
    session.refuse = new ClosedSendChannelError("Channel closed");
    run.stdin.write("b\n");
    await turn();
    session.refuse = null;
    run.stdin.write("c\n");
    await turn();
    session.incoming.close();
    await run.exit;
    assert.deepEqual(session.sent, [], "nothing is read or sent after the session stopped taking messages");
    assert.equal(run.err().match(/not sent/g)?.length, 1);
  });

  test("once the session is over, Ctrl-C has nothing left to close", T, async () => {
    const session = new FakeSession();
    let over!: () => void;
    session.whenOver = () => new Promise((resolve) => (over = resolve));
    const run = start(session);
    session.incoming.close();
    while (over === undefined) await turn();
    run.handlers.stop();
    over();
    await run.exit;
    assert.equal(session.closedWith, null);
    assert.equal(session.concluded?.closedByUs, false);
  });
});
