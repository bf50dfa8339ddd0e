// `kite connect`'s flag table: --help lists every flag, a wrong or missing value names the flag and
// what it takes, and flags that cannot work together are usage errors (exit 2) before connecting.
import { after, describe, it, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONNECT_FLAGS } from "../../src/cli/connect-flags.js";
import { renderFlags } from "../../src/cli/flag-table.js";
import { LISTEN_FLAGS } from "../../src/cli/listen.js";
import { killAll, silentServer, spawnKite } from "./kite-process.js";

const TEST = { timeout: 15_000 };
after(killAll);

describe("kite connect --help", () => {
  it("lists every flag of the table, with its short form and value", TEST, async () => {
    const kite = spawnKite(["connect", "--help"]);
    assert.equal(await kite.exited(), 0);
    for (const flag of CONNECT_FLAGS) {
      const names = `${flag.short === undefined ? "" : `-${flag.short}, `}--${flag.name}${flag.value === undefined ? "" : ` ${flag.value}`}`;
      assert.ok(kite.stdout.includes(names), `--help lacks ${names}`);
      // The first words of its help text are there too.
      assert.ok(kite.stdout.includes(flag.help.split(" ").slice(0, 3).join(" ")), `--help lacks the text of --${flag.name}`);
    }
    // What wscat and websocat users look for first.
    for (const name of ["--insecure", "--binary", "--execute", "--wait", "--null", "--json", "--proxy", "--location", "--one-message"]) {
      assert.ok(kite.stdout.includes(name), name);
    }
  });

  test("docs/cli.md documents every flag of connect and listen, each with an example using it", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/cli.md", import.meta.url)), "utf8");
    const examples = [...doc.matchAll(/^ {4}(.*)$|`(kite [^`]*)`/gm)].map((match) => match[1] ?? match[2]).join("\n");
    for (const flag of [...CONNECT_FLAGS, ...LISTEN_FLAGS]) {
      if (flag.name === "help") continue;
      assert.ok(doc.includes(`--${flag.name}`), `docs/cli.md lacks --${flag.name}`);
      const used = new RegExp(`(--${flag.name}\\b${flag.short === undefined ? "" : `|(^|\\s)-${flag.short}\\b`})`, "m");
      assert.match(examples, used, `docs/cli.md has no example with --${flag.name}`);
    }
  });

  test("help lines fit in 80 columns", () => {
    for (const line of renderFlags(CONNECT_FLAGS).split("\n")) assert.ok(line.length <= 80, line);
  });
});

describe("kite connect: wrong values and impossible combinations are usage errors (exit 2)", () => {
  const dir = mkdtempSync(join(tmpdir(), "kite-flags-"));
  const pem = join(dir, "x.pem");
  writeFileSync(pem, "not really a pem\n");
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cases: [string[], RegExp][] = [
    // An option that lost its value and swallowed the URL says so, instead of "missing <url>".
    [["--binary", "ws://127.0.0.1:1/"], /--binary takes hex, base64 or raw, got "ws:\/\/127\.0\.0\.1:1\/" \(is "ws:\/\/127\.0\.0\.1:1\/" the <url>\? then --binary is missing its value\)/],
    [["ws://127.0.0.1:1/", "--binary"], /--binary is missing its value: it takes hex, base64 or raw/],
    [["ws://127.0.0.1:1/", "-b"], /--binary is missing its value: it takes hex, base64 or raw/],
    [["ws://127.0.0.1:1/", "--wait"], /--wait is missing its value: it takes milliseconds or a duration/],
    [["ws://127.0.0.1:1/", "--ping", "often"], /--ping takes milliseconds or a duration like 500ms, 20s, 1m, got "often"/],
    [["ws://127.0.0.1:1/", "-b", "raw", "--chunk", "0"], /--chunk takes a size in bytes from 1 up/],
    [["ws://127.0.0.1:1/", "--close-code", "1006"], /--close-code takes a close code: 1000, or 3000 to 4999, got "1006"/],
    [["ws://127.0.0.1:1/", "--close-reason", "x".repeat(124)], /--close-reason takes a text of at most 123 UTF-8 bytes/],
    [["ws://127.0.0.1:1/", "--proxy", "socks5://p:1080"], /--proxy takes an http:\/\/ or https:\/\/ proxy URL/],
    [["wss://127.0.0.1:1/", "--ca", join(dir, "missing.pem")], /--ca .*missing\.pem: cannot read it \(ENOENT\)/],
    [["ws://127.0.0.1:1/", "-b", "raw", "--json"], /-b raw writes messages as bytes and --json as JSON Lines: choose one/],
    [["ws://127.0.0.1:1/", "-b", "raw", "-0"], /-b raw reads and writes bytes, not NUL-separated messages/],
    [["ws://127.0.0.1:1/", "-b", "raw", "--slash"], /-b raw reads bytes, not lines/],
    [["ws://127.0.0.1:1/", "-b", "raw", "-x", "hi"], /-x sends text messages; -b raw sends stdin's bytes/],
    [["ws://127.0.0.1:1/", "--chunk", "1k"], /--chunk goes with -b raw/],
    [["ws://127.0.0.1:1/", "--json", "--pretty"], /--pretty cannot go with it/],
    [["ws://127.0.0.1:1/", "--proxy", "http://p:3128", "--no-proxy"], /--proxy and --no-proxy cannot go together/],
    [["wss://127.0.0.1:1/", "--cert", pem], /--cert and --key go together/],
    [["wss://127.0.0.1:1/", "-k", "--ca", pem], /-k verifies nothing, so --ca would not be used/],
    [["ws://127.0.0.1:1/", "-k"], /-k is for wss:\/\/ URLs \(TLS\); ws:\/\/127\.0\.0\.1:1\/ is not one/],
    [["ws://127.0.0.1:1/", "--max-attempts", "2"], /--max-attempts goes with --reconnect/],
  ];
  for (const [args, message] of cases) {
    it(`kite connect ${args.map((arg) => (arg.length > 30 ? `${arg.slice(0, 27)}...` : arg)).join(" ")}`, TEST, async () => {
      // A server that would see the connection if kite tried one: usage errors come first.
      const listener = await silentServer();
      let connections = 0;
      listener.server.on("connection", () => connections++);
      try {
        const kite = spawnKite(["connect", ...args.map((arg) => arg.replace(":1/", `:${listener.port}/`))]);
        assert.equal(await kite.exited(), 2);
        assert.match(kite.stderr.replace(new RegExp(`:${listener.port}/`, "g"), ":1/"), message);
        assert.match(kite.stderr, /Try 'kite connect --help'/);
        assert.equal(kite.stdout, "");
        assert.equal(connections, 0);
      } finally {
        await listener.close();
      }
    });
  }
});
