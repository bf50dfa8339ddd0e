// A session as WHATWG streams (toStreams, from the package root: it works alike in Node.js, Deno, Bun
// and browsers, where ReadableStream and WritableStream are globals). Both ends in one process: a kite-ws server whose route pipes its readable through an upper-casing
// TransformStream into its writable, and a client that pipes a ReadableStream of lines into the
// session and reads the answers.
//
// Run it (in a project with kite-ws installed) with:
//     npx tsx web-streams.ts
import { HttpClient, WebSockets, toStreams, type StreamMessage } from "kite-ws";
import { serve } from "kite-ws/server";

await using server = await serve({ host: "127.0.0.1", port: 0 }, (routes) =>
  routes.webSocket("/upper", async (session) => {
    const { readable, writable } = toStreams(session);
    // Backpressure is end to end: a slow writable slows this readable, which slows the socket.
    await readable
      .pipeThrough(new TransformStream<StreamMessage, StreamMessage>({ transform: (m, c) => c.enqueue(typeof m === "string" ? m.toUpperCase() : m) }))
      .pipeTo(writable);
  }),
);

const client = new HttpClient((config) => config.install(WebSockets));
const { readable, writable, protocol } = toStreams(await client.webSocketSession(`${server.url}/upper`));
console.log(`connected (subprotocol: ${protocol ?? "none"})`);

const lines = ["hello", "web streams", "bye"];
// writable.close() at the end of the source closes the session with 1000 ...
const sending = ReadableStream.from(lines).pipeTo(writable);
// ... and the readable ends once the server's Close arrives, after every answer.
for await (const message of readable) console.log(`got: ${String(message)}`);
await sending;
