// The example of Ktor's "WebSockets in the Ktor client" page, written with kite-ws: connect to
// ws://127.0.0.1:8080/echo, print what the server sends, send what the user types.
//
// It needs a server there that speaks first, as the Kotlin example does (it receives before it
// reads a line). For instance, in one terminal:
//     npx kite echo --greet "Hello! Type a line and press Enter."
// and in another, in a project with kite-ws installed:
//     npx tsx seed-example.ts        (or: node seed-example.ts on Node 22.18 and later)
// With the server on another port (kite echo --port 8081 ...): PORT=8081 npx tsx seed-example.ts
// `npm start` in the kite-ws repository runs the same example with an embedded server.
import { createInterface } from "node:readline";
import { CIO, Frame, HttpClient, HttpMethod, WebSockets } from "kite-ws";

const client = new HttpClient(CIO, (config) =>
  config.install(WebSockets, (ws) => {
    ws.pingIntervalMillis = 20_000;
  }),
);

// The server's port: 8080 as in Ktor's example, unless PORT says otherwise.
const port = process.env.PORT ? Number(process.env.PORT) : 8080;

// What the user types, a line at a time (Kotlin's Scanner(System.`in`)).
const input = createInterface({ input: process.stdin, crlfDelay: Infinity })[Symbol.asyncIterator]();

await client.webSocket({ method: HttpMethod.Get, host: "127.0.0.1", port, path: "/echo" }, async (session) => {
  while (true) {
    const othersMessage = await session.incoming.receive();
    if (othersMessage instanceof Frame.Text) console.log(othersMessage.readText());
    const myMessage = await input.next();
    // End of input (Ctrl-D): leave the block, and webSocket() closes the session with 1000.
    if (myMessage.done === true) break;
    await session.send(myMessage.value);
  }
});
client.close();
