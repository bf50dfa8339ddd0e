// A ticker that survives a server restart: a server on 127.0.0.1 sends a tick every 100 ms, and a
// client reads them through `reconnectingWebSocket`, one `incoming` across connections. Half-way the
// server restarts on the same port; the client's lifecycle events show the connection closing (1001),
// the attempts refused while the server is down, and the new connection. Then everything closes and
// the process exits by itself.
//
// Run it (in a project with kite-ws installed) with:
//     npx tsx reconnecting-ticker.ts        (or: node reconnecting-ticker.ts on Node 22.18 and later)
import { Frame, HttpClient, WebSockets } from "kite-ws";
import { Reconnect } from "kite-ws/reconnect";
import { serve, type WebSocketServer } from "kite-ws/server";

const TICKS_PER_SERVER = 5;
const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/** A server whose `/ticks` route sends "tick <n> from server <generation>" every 100 ms. */
function startTicker(port: number, generation: number): Promise<WebSocketServer> {
  return serve({ host: "127.0.0.1", port }, (routes) => {
    routes.webSocket("/ticks", async (session) => {
      let tick = 0;
      const timer = setInterval(() => {
        // A send racing the session's close is rejected; the handler is ending then anyway.
        session.send(`tick ${++tick} from server ${generation}`).catch(() => {});
      }, 100);
      try {
        // The client sends nothing: this loop only waits for the session to close.
        for await (const _frame of session.incoming);
      } finally {
        clearInterval(timer);
      }
    });
  });
}

/** Starts the server again on `port`, which something else may hold for a moment after the close. */
async function listenAgain(port: number, generation: number): Promise<WebSocketServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startTicker(port, generation);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt === 20) throw error;
      await sleep(100);
    }
  }
}

let server = await startTicker(0, 1); // port 0: any free port; the restart reuses the one picked
const { port } = server;
console.log(`server 1 listening on ${server.url}/ticks`);

const client = new HttpClient((config) => {
  config.install(WebSockets);
  config.install(Reconnect, (reconnect) => {
    reconnect.minDelay = "100ms"; // the first retry waits up to 100 ms, the next up to 200 ms, ...
    reconnect.maxDelay = "1s";
  });
});

await client.reconnectingWebSocket(`ws://127.0.0.1:${port}/ticks`, async (ticker) => {
  ticker.on("open", (event) => console.log(`[open] ${event.url.href} (attempt ${event.attempt})`));
  ticker.on("closed", (event) => console.log(`[closed] ${String(event.reason)} after ${Math.round(event.uptimeMillis)} ms`));
  ticker.on("failed", (event) => console.log(`[failed] attempt ${event.attempt}: ${event.error.message}`));
  ticker.on("retry", (event) => console.log(`[retry] attempt ${event.attempt} in ${Math.round(event.delayMillis)} ms`));
  ticker.on("ended", (event) => console.log(`[ended] ${String(event.reason)}`));

  let restart: Promise<void> | null = null;
  let fromSecond = 0;
  for await (const frame of ticker.incoming) {
    if (!(frame instanceof Frame.Text)) continue;
    const text = frame.readText();
    console.log(text);
    if (restart === null && text === `tick ${TICKS_PER_SERVER} from server 1`) {
      // Restart in the background while the loop keeps reading: close (every session gets 1001
      // GOING_AWAY, which the default policy reconnects after), stay down a while, listen again.
      restart = (async () => {
        await server.close();
        console.log("server 1 closed; restarting in 300 ms");
        await sleep(300);
        server = await listenAgain(port, 2);
        console.log(`server 2 listening on ${server.url}/ticks`);
      })();
    }
    if (text.endsWith("from server 2") && ++fromSecond === TICKS_PER_SERVER) break;
  }
  await restart;
  if (fromSecond < TICKS_PER_SERVER) throw new Error("the ticks ended before server 2 sent its own");
  // Returning from the block closes the reconnecting session with 1000.
});

await server.close();
client.close();
console.log("done");
