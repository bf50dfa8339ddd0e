// reportClose and reportConnectFailure: the last lines `kite connect` writes on stderr.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { reportClose, reportConnectFailure } from "../../src/cli/connect-report.js";
import { ExitCode } from "../../src/cli/exit-codes.js";
import { LineConsole } from "../../src/cli/terminal.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ClosedReceiveChannelError, CloseTimeoutError, PingTimeoutError, WebSocketHandshakeError } from "../../src/errors.js";

/** A console over pipes (no colors), and what it wrote on stderr. */
function console(): { terminal: LineConsole; stderr: () => string } {
  const stderr = new PassThrough();
  let text = "";
  stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, env: {}, signals: { on: () => undefined, off: () => undefined } };
  const terminal = new LineConsole(io, { noColor: true, onInterrupt: () => {} });
  terminal.close();
  return { terminal, stderr: () => text };
}

describe("reportClose", () => {
  test("a normal close: its line, or nothing with --quiet", () => {
    const normal = console();
    reportClose(normal.terminal, new CloseReason(1000, "bye"), null, ExitCode.OK, false);
    assert.match(normal.stderr(), /^closed: 1000/);
    const quiet = console();
    reportClose(quiet.terminal, new CloseReason(1000, ""), null, ExitCode.OK, true);
    assert.equal(quiet.stderr(), "");
  });

  test("a failure whose message the reason already gives: its class in the same line", () => {
    const out = console();
    const failure = new ClosedReceiveChannelError("Channel closed", { cause: new PingTimeoutError("No pong within 100 ms") });
    reportClose(out.terminal, new CloseReason(1006, "No pong within 100 ms"), failure, ExitCode.ABNORMAL_CLOSE, true);
    const lines = out.stderr().trim().split("\n");
    assert.equal(lines.length, 1, "even --quiet tells an abnormal end");
    assert.match(lines[0], /1006.*\(PingTimeoutError\)$/);
  });

  test("a failure the reason does not explain gets a line of its own", () => {
    const out = console();
    reportClose(out.terminal, new CloseReason(1006, ""), new Error("socket hang up"), ExitCode.ABNORMAL_CLOSE, false);
    const lines = out.stderr().trim().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[1], /^kite: .*socket hang up/);
  });

  test("a close handshake that timed out is told as such, not as a lost connection", () => {
    const out = console();
    reportClose(out.terminal, new CloseReason(1006, ""), new CloseTimeoutError("timed out", 2000), ExitCode.CLOSE_TIMEOUT, false);
    assert.match(out.stderr(), /close handshake timed out after 2000 ms: the server did not answer our Close frame/);
  });
});

describe("reportConnectFailure", () => {
  test("names the URL and the error, then the start of a refused handshake's body", () => {
    const out = console();
    const refusal = new WebSocketHandshakeError("Expected 101, got 403", { status: 403, statusText: "Forbidden", headers: new Headers() }, `no entry\n${"x".repeat(600)}`);
    reportConnectFailure(out.terminal, "ws://h/", refusal);
    const lines = out.stderr().split("\n");
    assert.match(lines[0], /^kite: cannot connect to ws:\/\/h\/: /);
    assert.equal(lines[1], "no entry");
    assert.equal(lines[2], `${"x".repeat(491)}…`, "500 characters of it at most");
  });
});
