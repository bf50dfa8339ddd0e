// kite-ws/node needs node:stream: it is its own entry, and neither the root nor the browser entry
// loads it (the browser build must reach no node: module; the root should not pay for what it does not use).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src");

/** The files of src/ that `entry` reaches through relative imports (type-only ones too). */
function reached(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles) {
      if (fileName.startsWith(".")) visit(resolve(dirname(file), fileName.replace(/\.js$/, ".ts")));
    }
  };
  visit(join(src, entry));
  return new Set([...seen].map((file) => relative(src, file)));
}

test("the root and browser entries do not load kite-ws/node; kite-ws/node reaches toStreams's shared part", () => {
  for (const entry of ["index.ts", "browser.ts"]) {
    const files = reached(entry);
    assert.ok(files.has(join("streams", "web-streams.ts")), `${entry} exports toStreams`);
    assert.deepEqual([...files].filter((file) => file.startsWith(`node${"/"}`)), [], `${entry} reaches src/node/`);
  }
  assert.ok(reached(join("node", "index.ts")).has(join("streams", "stream-session.ts")));
});
