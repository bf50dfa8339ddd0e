#!/usr/bin/env node
// The `kite` command. Everything it does lives in ./run.js; this file only wires it to the process.
import type { Writable } from "node:stream";
import { processIo } from "./io.js";
import { runKite } from "./run.js";

const code = await runKite(process.argv.slice(2), processIo());
process.exitCode = code;
// Exit once stdout and stderr have been handed their last bytes: a paused stdin or a socket that is
// still closing must not keep kite alive, and exiting before the flush could cut a pipe's output.
await flushed(process.stdout);
await flushed(process.stderr);
process.exit(code);

function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write("", () => resolve()));
}
