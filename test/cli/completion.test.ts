// `kite completion bash|zsh|fish`: the bash script is run by bash for real; zsh and fish scripts are
// syntax-checked when those shells are installed, and checked to cover every command and option.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMMANDS } from "../../src/cli/run.js";
import { bashCompletion, fishCompletion, zshCompletion } from "../../src/cli/completion.js";
import { KITE_MAIN, killAll, spawnKite } from "./kite-process.js";

const TEST = { timeout: 15_000 };
after(killAll);

/** What bash offers for the words typed so far (the last one being completed). */
function bashComplete(words: string[], cwd: string): string[] {
  const script = `source <(${JSON.stringify(process.execPath)} ${JSON.stringify(KITE_MAIN)} completion bash)
COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _kite; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8", cwd });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split("\n").filter((line) => line !== "");
}

describe("kite completion", () => {
  it("bash: commands, each command's options, -b's values, files for --ca, and connect's options for kite <url>", TEST, () => {
    const dir = mkdtempSync(join(tmpdir(), "kite-completion-"));
    try {
      writeFileSync(join(dir, "ca.pem"), "");
      assert.deepEqual(bashComplete(["kite", "l"], dir), ["listen"]);
      assert.deepEqual(bashComplete(["kite", "connect", "--ins"], dir), ["--insecure"]);
      assert.deepEqual(bashComplete(["kite", "listen", "--e"], dir), ["--echo"]);
      assert.deepEqual(bashComplete(["kite", "connect", "-b", ""], dir), ["hex", "base64", "raw"]);
      assert.deepEqual(bashComplete(["kite", "connect", "--ca", "c"], dir), ["ca.pem"]);
      assert.deepEqual(bashComplete(["kite", "ws://h/", "--one"], dir), ["--one-message"]);
      assert.deepEqual(bashComplete(["kite", "completion", "z"], dir), ["zsh"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("zsh and fish scripts name every command and every long option", () => {
    for (const script of [zshCompletion(COMMANDS), fishCompletion(COMMANDS), bashCompletion(COMMANDS)]) {
      for (const command of COMMANDS) {
        assert.ok(script.includes(command.name), command.name);
        for (const name of Object.keys(command.options)) {
          assert.ok(script.includes(`--${name}`) || script.includes(`-l ${name}`), `${command.name} --${name}`);
        }
      }
    }
  });

  for (const shell of ["zsh", "fish"]) {
    const path = `/usr/bin/${shell}`;
    it(`${shell} reads its script without a syntax error`, { ...TEST, skip: existsSync(path) ? false : `${shell} is not installed` }, () => {
      const result = spawnSync(path, ["-n", "-c", shell === "zsh" ? zshCompletion(COMMANDS) : fishCompletion(COMMANDS)], { encoding: "utf8" });
      assert.equal(result.status, 0, result.stderr);
    });
  }

  it("an unknown shell is a usage error (exit 2)", TEST, async () => {
    const kite = spawnKite(["completion", "tcsh"]);
    assert.equal(await kite.exited(), 2);
    assert.match(kite.stderr, /no completion for "tcsh": bash, zsh or fish/);
  });
});
