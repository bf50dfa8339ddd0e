// A session as a Node.js Duplex (toDuplex, from kite-ws/node), as ws's createWebSocketStream gives:
// pipeline() with Node's own backpressure. Both ends in one process: a kite-ws server that echoes
// (its session's duplex piped into itself), and a client that pipes a file through the session and
// writes what comes back to another file, then checks the two are the same.
//
// Run it (in a project with kite-ws installed) with:
//     npx tsx node-streams.ts
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { HttpClient, WebSockets } from "kite-ws";
import { toDuplex } from "kite-ws/node";
import { serve } from "kite-ws/server";

await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
  routes.webSocket("/echo", async (session) => {
    const duplex = toDuplex(session);
    await pipeline(duplex, duplex); // an echo: ends when the client closes
  }),
);

const dir = mkdtempSync(join(tmpdir(), "kite-node-streams-"));
try {
  const input = join(dir, "in.bin");
  const output = join(dir, "out.bin");
  writeFileSync(input, randomBytes(8 * 1024 * 1024));

  const client = new HttpClient((config) => config.install(WebSockets));
  const session = await client.webSocketSession(`${server.url}/echo`);
  // The end of the file closes the session with 1000; the echo of every byte comes back before the server's Close.
  await pipeline(createReadStream(input), toDuplex(session), createWriteStream(output));

  const sha256 = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
  console.log(`sent and received 8 MiB, same bytes: ${sha256(input) === sha256(output)}`);
  console.log(`closed with ${String(await session.closeReason)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
