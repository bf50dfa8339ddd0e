// Slash commands of `kite connect`: with --slash in a pipe, and on a terminal (a pseudo-terminal
// made by util-linux's `script`, so readline runs in terminal mode as it would for a person).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { startWsPeer, within } from "../helpers/ws-peer.js";
import { KITE_MAIN, killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 20_000 };
after(killAll);

describe("kite connect --slash (in a pipe)", () => {
  it("/ping shows the round trip, /pong, /binary and //text send, /help lists, /close closes with its code and reason", TEST, async () => {
    const seen: string[] = [];
    const peer = await startWsPeer((socket) => {
      socket.on("ping", (data) => seen.push(`ping ${String(data)}`));
      socket.on("pong", (data) => seen.push(`pong ${String(data)}`));
      socket.on("message", (data, binary) => seen.push(binary ? `binary ${(data as Buffer).toString("hex")}` : `text ${String(data)}`));
    });
    try {
      const kite = spawnKite(["--slash", peer.url]);
      const connection = await peer.nextConnection();
      kite.write("/ping hello\n");
      await kite.waitFor("stderr", /pong hello: round trip \d+(\.\d+)? ms/);
      kite.write("/pong unasked\n/binary 01 ff 7f\n//not a command\n/help\n/nope\n");
      await kite.waitFor("stderr", /unknown command \/nope/);
      assert.match(kite.stderr, /\/ping \[text\] .*\n\/pong \[text\].*\n\/close \[code \[reason\]\]/);
      kite.write("/close 4002 had enough\n");
      assert.equal(await kite.exited(), 0, kite.stderr);
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 4002, reason: "had enough" });
      assert.deepEqual(seen, ["ping hello", "pong unasked", "binary 01ff7f", "text /not a command"]);
    } finally {
      await peer.close();
    }
  });

  it("without --slash, a line starting with / in a pipe is a message like any other", TEST, async () => {
    const peer = await startWsPeer();
    try {
      const kite = spawnKite([peer.url]);
      kite.end("/ping x\n");
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "/ping x\n");
    } finally {
      await peer.close();
    }
  });
});

describe("kite connect on a terminal", { skip: existsSync("/usr/bin/script") ? false : "util-linux's script is not installed" }, () => {
  it("slash commands work at the prompt: /ping shows its round trip, /close ends the session", TEST, async () => {
    const pings: string[] = [];
    const peer = await startWsPeer((socket) => {
      socket.on("ping", (data) => pings.push(String(data)));
      socket.on("message", (data) => socket.send(String(data)));
    });
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(KITE_MAIN)} --no-color ${peer.url}`;
    const child = spawn("/usr/bin/script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, TERM: "dumb" } });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const waitFor = async (pattern: RegExp): Promise<void> => {
      const deadline = Date.now() + 8_000;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)} in:\n${JSON.stringify(output)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      const connection = await peer.nextConnection();
      await waitFor(/connected to ws:\/\/127\.0\.0\.1:\d+\/ — Ctrl-D closes, Ctrl-C quits/);
      child.stdin.write("/ping from a tty\r");
      await waitFor(/pong from a tty: round trip \d+(\.\d+)? ms/);
      child.stdin.write("echo me\r");
      await waitFor(/< echo me/);
      child.stdin.write("/close 4003 bye\r");
      assert.equal(await within(exited, 8_000, "kite's exit"), 0, output);
      assert.deepEqual(pings, ["from a tty"]);
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 4003, reason: "bye" });
    } finally {
      child.kill("SIGKILL");
      await peer.close();
    }
  });
});
