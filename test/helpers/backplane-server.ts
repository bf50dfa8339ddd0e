// A kite-ws server in a process of its own for test/server/redis-backplane.test.ts: `node
// backplane-server.js <redis url>` serves /feed (test/helpers/backplane-feed.ts) with a Redis
// backplane, prints "listening <port>", reports onError ("onError: ...") and what a handler saw
// thrown ("handler failure: ...") on stderr, and closes on SIGTERM.
import { serve, type WebSocketServer } from "../../src/server/index.js";
import { redisBackplane } from "../../src/server/redis/index.js";
import { feedHandler } from "./backplane-feed.js";

const url = process.argv[2];
let server: WebSocketServer | null = null;
const publisher = () => {
  if (server === null) throw new Error("not started");
  return server;
};
server = await serve(
  { host: "127.0.0.1", port: 0, backplane: redisBackplane({ url }), onError: (error) => console.error("onError:", error) },
  (routes) => routes.webSocket("/feed", feedHandler(publisher, { push: (error: unknown) => console.error("handler failure:", error) })),
);
console.log(`listening ${server.port}`);
process.on("SIGTERM", () => void server?.close().finally(() => process.exit(0)));
