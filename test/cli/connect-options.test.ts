// parseConnectOptions: `kite connect`'s command line, checked before anything connects.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HANDSHAKE_HEADER_HINTS, parseConnectOptions, type ConnectOptions } from "../../src/cli/connect-options.js";
import { RESERVED_HEADERS } from "../../src/client/target.js";
import { UsageError } from "../../src/cli/args.js";

function parsed(args: string[]): ConnectOptions {
  const options = parseConnectOptions(args);
  assert.notEqual(options, "help");
  return options as ConnectOptions;
}

function refused(args: string[], message: RegExp): void {
  assert.throws(() => parseConnectOptions(args), (error: unknown) => error instanceof UsageError && error.command === "connect" && message.test(error.message));
}

describe("parseConnectOptions", () => {
  test("defaults: a URL alone", () => {
    const options = parsed(["127.0.0.1:8080/echo"]);
    assert.deepEqual(options.target, { url: "ws://127.0.0.1:8080/echo", headers: [], protocols: [] });
    assert.equal(options.href, "ws://127.0.0.1:8080/echo");
    assert.deepEqual(
      [options.pingMillis, options.connectTimeoutMillis, options.closeTimeoutMillis, options.waitMillis, options.binary, options.reconnect, options.maxAttempts],
      [null, null, null, 0, null, false, null],
    );
  });

  test("every option, in its checked form", () => {
    const options = parsed([
      "-H", "Authorization: Bearer t", "-s", "v2", "-s", "v1", "--ping", "20s", "--connect-timeout", "5s", "--close-timeout", "2s",
      "--reconnect", "--max-attempts", "3", "-w", "1m", "--binary", "base64", "--json", "--no-color", "--verbose", "ws://h/feed",
    ]);
    assert.deepEqual(options.target.headers, [["Authorization", "Bearer t"]]);
    assert.deepEqual(options.target.protocols, ["v2", "v1"]);
    assert.deepEqual(
      [options.pingMillis, options.connectTimeoutMillis, options.closeTimeoutMillis, options.waitMillis, options.binary, options.maxAttempts],
      [20_000, 5_000, 2_000, 60_000, "base64", 3],
    );
    assert.deepEqual([options.reconnect, options.json, options.noColor, options.verbose, options.quiet], [true, true, true, true, false]);
  });

  test("--ping 0 means no pings", () => {
    assert.equal(parsed(["--ping", "0", "ws://h/"]).pingMillis, null);
  });

  test("a password in the URL never reaches messages", () => {
    assert.equal(parsed(["ws://user:secret@h/"]).href, "ws://user:***@h/");
  });

  test("-h asks for help", () => {
    assert.equal(parseConnectOptions(["-h"]), "help");
  });

  test("usage errors name what is wrong", () => {
    refused([], /missing <url>/);
    refused(["ws://a/", "ws://b/"], /unexpected argument "ws:\/\/b\/"/);
    refused(["--connect-timeout", "0", "ws://h/"], /--connect-timeout must be more than 0/);
    refused(["--close-timeout", "0", "ws://h/"], /--close-timeout must be more than 0/);
    refused(["--max-attempts", "3", "ws://h/"], /--max-attempts goes with --reconnect/);
    refused(["--verbose", "-q", "ws://h/"], /--verbose and --quiet cannot go together/);
    refused(["ftp://h/"], /scheme/);
  });

  test("-H with a header the handshake sets itself names the flag to use instead", () => {
    refused(["-H", "Sec-WebSocket-Protocol: v1", "ws://h/"], /-H Sec-WebSocket-Protocol: use -s \/ --subprotocol/);
    for (const name of ["Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Accept"]) {
      refused(["-H", `${name}: x`, "ws://h/"], new RegExp(`-H ${name}: `));
    }
  });

  test("every header the library reserves has its own hint, and is refused with it", () => {
    assert.deepEqual([...HANDSHAKE_HEADER_HINTS.keys()].sort(), [...RESERVED_HEADERS].sort());
    for (const name of RESERVED_HEADERS) {
      const hint = HANDSHAKE_HEADER_HINTS.get(name)!;
      assert.throws(() => parseConnectOptions(["-H", `${name}: x`, "ws://h/"]), { message: `-H ${name}: ${hint}` });
    }
  });
});
