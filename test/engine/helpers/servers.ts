/** Servers for the engine tests, on our own `serve()` (127.0.0.1 only). */
import { serve, type WebSocketServer } from "../../../src/server/index.js";
import { CloseReason } from "../../../src/index.js";
import type { WebSocketServerRequest } from "../../../src/server/server-request.js";
import { TEST_CERT, TEST_KEY } from "../../server/fixtures/tls.js";

export interface EngineTestServer {
  readonly server: WebSocketServer;
  /** `ws://127.0.0.1:port` (or `wss://`), no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The requests of every session opened, in order. */
  readonly requests: WebSocketServerRequest[];
  /** Close reasons the server's sessions ended with, in order. */
  readonly closeReasons: (CloseReason | null)[];
  /** The SNI names TLS clients sent (with `tls`). */
  readonly servernames: (string | undefined)[];
  close(): Promise<void>;
}

/**
 * Routes: `/echo` echoes every frame; `/close?code=4002&reason=bye` closes at once with that code;
 * `/json` answers each JSON text with `{ got: value }`; `/big?bytes=N` sends one binary message of N
 * bytes, then echoes; `/slow?millis=M` waits M ms before reading anything, then echoes.
 */
export async function startEngineTestServer(options: { tls?: boolean; protocols?: readonly string[] } = {}): Promise<EngineTestServer> {
  const requests: WebSocketServerRequest[] = [];
  const closeReasons: (CloseReason | null)[] = [];
  const servernames: (string | undefined)[] = [];
  const tls = options.tls
    ? {
        key: TEST_KEY,
        cert: TEST_CERT,
        SNICallback: (name: string, callback: (error: Error | null) => void) => {
          servernames.push(name);
          callback(null);
        },
      }
    : undefined;
  const server = await serve({ host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) }, (routes) => {
    const track = (session: { closeReason: Promise<CloseReason | null> }, request: WebSocketServerRequest): void => {
      requests.push(request);
      void session.closeReason.then((reason) => closeReasons.push(reason));
    };
    routes.webSocket(
      "/echo",
      async (session, request) => {
        track(session, request);
        for await (const frame of session.incoming) await session.send(frame);
      },
      options.protocols ? { protocols: options.protocols } : undefined,
    );
    routes.webSocket("/close", async (session, request) => {
      track(session, request);
      const code = Number(request.url.searchParams.get("code") ?? 1000);
      await session.close(new CloseReason(code, request.url.searchParams.get("reason") ?? ""));
    });
    routes.webSocket("/json", async (session, request) => {
      track(session, request);
      for await (const frame of session.incoming) {
        const text = new TextDecoder().decode(frame.data);
        await session.send(JSON.stringify({ got: JSON.parse(text) }));
      }
    });
    routes.webSocket("/big", async (session, request) => {
      track(session, request);
      await session.send(new Uint8Array(Number(request.url.searchParams.get("bytes") ?? 1024)));
      for await (const frame of session.incoming) await session.send(frame);
    });
    routes.webSocket("/slow", async (session, request) => {
      track(session, request);
      await new Promise((resolve) => setTimeout(resolve, Number(request.url.searchParams.get("millis") ?? 500)));
      for await (const frame of session.incoming) await session.send(frame);
    });
  });
  return {
    server,
    url: server.url,
    port: server.port,
    requests,
    closeReasons,
    servernames,
    close: () => server.close(),
  };
}

/** Resolves after `millis`. */
export function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Polls `condition` every 5 ms until it holds, failing after `millis`. */
export async function eventually(condition: () => boolean, millis = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await delay(5);
  }
}
