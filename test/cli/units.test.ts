// The CLI's pure parts: argument parsing, output formatting, exit codes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { UsageError, normalizeUrl, parseDuration, parseHeader, parsePort } from "../../src/cli/args.js";
import { createStyle, decodeBinaryLine, escapeControls, formatClose, prettyJson, toHex, useColor } from "../../src/cli/output.js";
import { ExitCode, sessionExitCode } from "../../src/cli/exit-codes.js";
import { CloseReason } from "../../src/protocol/close-reason.js";
import { ClosedReceiveChannelError, CloseTimeoutError, ConnectionClosedError } from "../../src/errors.js";
import { packageVersion } from "../../src/cli/version.js";

describe("cli arguments", () => {
  it("durations: milliseconds or a number with a unit", () => {
    assert.equal(parseDuration("20000", "--ping", "connect"), 20_000);
    assert.equal(parseDuration("20s", "--ping", "connect"), 20_000);
    assert.equal(parseDuration("500ms", "--ping", "connect"), 500);
    assert.equal(parseDuration("1.5m", "--ping", "connect"), 90_000);
    for (const bad of ["", "soon", "-1", "20 parsecs", "1e3"]) {
      assert.throws(() => parseDuration(bad, "--ping", "connect"), UsageError, bad);
    }
  });

  it("headers: Name: value, split at the first colon", () => {
    assert.deepEqual(parseHeader("Authorization: Bearer a:b", "connect"), ["Authorization", "Bearer a:b"]);
    assert.deepEqual(parseHeader("X-Empty:", "connect"), ["X-Empty", ""]);
    for (const bad of ["no colon", ": value", "Bad Name: x", "X-A: a\r\nX-B: b"]) {
      assert.throws(() => parseHeader(bad, "connect"), UsageError, bad);
    }
  });

  it("ports", () => {
    assert.equal(parsePort("0", "--port", "echo"), 0);
    assert.equal(parsePort("65535", "--port", "echo"), 65535);
    for (const bad of ["65536", "-1", "80.5", "http", ""]) assert.throws(() => parsePort(bad, "--port", "echo"), UsageError);
  });

  it("urls without a scheme get ws://", () => {
    assert.equal(normalizeUrl("localhost:8080/echo"), "ws://localhost:8080/echo");
    assert.equal(normalizeUrl("wss://example.com/"), "wss://example.com/");
    assert.equal(normalizeUrl("http://example.com/"), "http://example.com/");
  });
});

describe("cli output", () => {
  it("colors only on a terminal, never with NO_COLOR or --no-color", () => {
    assert.equal(useColor({ isTTY: true }, {}, false), true);
    assert.equal(useColor({ isTTY: false }, {}, false), false);
    assert.equal(useColor({}, {}, false), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: "1" }, false), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: "" }, false), true, "an empty NO_COLOR does not count (no-color.org)");
    assert.equal(useColor({ isTTY: true }, {}, true), false);
    assert.equal(createStyle(false).red("x"), "x");
    assert.equal(createStyle(true).red("x"), "\x1b[31mx\x1b[39m");
  });

  it("--binary lines: hex (spaced, 0x) and base64 (standard or URL-safe); invalid is null, not a guess", () => {
    assert.deepEqual([...decodeBinaryLine("01 02 ff", "hex")!], [1, 2, 255]);
    assert.deepEqual([...decodeBinaryLine("0xDEAD", "hex")!], [0xde, 0xad]);
    assert.deepEqual([...decodeBinaryLine("", "hex")!], []);
    assert.equal(decodeBinaryLine("abc", "hex"), null);
    assert.equal(decodeBinaryLine("zz", "hex"), null);
    assert.deepEqual([...decodeBinaryLine("AQL/", "base64")!], [1, 2, 255]);
    assert.deepEqual([...decodeBinaryLine("AQL_", "base64")!], [1, 2, 255]);
    assert.deepEqual([...decodeBinaryLine("AQ==", "base64")!], [1]);
    assert.equal(decodeBinaryLine("A", "base64"), null);
    assert.equal(decodeBinaryLine("not base64!", "base64"), null);
    assert.equal(toHex(new Uint8Array([0, 15, 255])), "000fff");
  });

  it("control characters from the server are escaped for a terminal", () => {
    assert.equal(escapeControls("a\tb\nc"), "a\tb\nc");
    assert.equal(escapeControls("\x1b[2Jgone\r\x07\x7f\u009b"), "\\e[2Jgone\\r\\x07\\x7f\\x9b");
    assert.equal(escapeControls("héllo 🌍"), "héllo 🌍");
  });

  it("JSON is pretty-printed only when it parses", () => {
    assert.equal(prettyJson('{"a":1}'), '{\n  "a": 1\n}');
    assert.equal(prettyJson("{nope"), null);
  });

  it("the close line", () => {
    assert.equal(formatClose(new CloseReason(4001, "go away")), "closed: 4001 go away");
    assert.equal(formatClose(new CloseReason(1000, "")), "closed: 1000");
    assert.equal(formatClose(new CloseReason(1006, "")), "closed: 1006 (connection lost without a close handshake)");
  });
});

describe("cli exit codes", () => {
  it("0 for a close by us or a normal close by the server, 3 for anything else", () => {
    const normal = new CloseReason(1000, "");
    assert.equal(sessionExitCode(null, normal, true), ExitCode.OK);
    assert.equal(sessionExitCode(null, new CloseReason(4001, ""), true), ExitCode.OK, "we closed first");
    assert.equal(sessionExitCode(null, normal, false), ExitCode.OK);
    assert.equal(sessionExitCode(null, new CloseReason(1001, ""), false), ExitCode.OK);
    assert.equal(sessionExitCode(null, new CloseReason(1005, ""), false), ExitCode.OK);
    assert.equal(sessionExitCode(null, new CloseReason(1011, "oops"), false), ExitCode.ABNORMAL_CLOSE);
    assert.equal(sessionExitCode(null, new CloseReason(4001, ""), false), ExitCode.ABNORMAL_CLOSE);
    assert.equal(sessionExitCode(new Error("lost"), new CloseReason(1006, ""), true), ExitCode.ABNORMAL_CLOSE);
  });

  it("4 for a close handshake that timed out, as it is or as the cause of incoming's failure", () => {
    const timedOut = new CloseTimeoutError("The close handshake timed out", 300);
    const lost = new CloseReason(1006, "");
    assert.equal(ExitCode.CLOSE_TIMEOUT, 4);
    assert.equal(sessionExitCode(timedOut, lost, true), ExitCode.CLOSE_TIMEOUT);
    assert.equal(sessionExitCode(new ClosedReceiveChannelError("closed", { cause: timedOut }), lost, true), ExitCode.CLOSE_TIMEOUT);
    assert.equal(sessionExitCode(new ConnectionClosedError("lost"), lost, true), ExitCode.ABNORMAL_CLOSE);
  });
});

describe("cli version", () => {
  it("is found by walking up to kite-ws's package.json", () => {
    assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
    assert.equal(packageVersion("/"), "unknown");
  });
});
