/**
 * The route of the backplane tests, in this process and in test/helpers/backplane-server.ts: a session
 * subscribes to the topics of its query (`/feed?topics=a,b`), gets "ready", and asks its server to
 * publish with "pub:<topic>:<text>" or "pubbin:<topic>:<hex bytes>" (publish called from a handler).
 */
import { Buffer } from "node:buffer";
import { Frame } from "../../src/index.js";
import type { DefaultWebSocketServerSession, WebSocketServerRequest } from "../../src/server/index.js";

export interface Publisher {
  publish(topic: string, content: string | Uint8Array): number;
}

/** A handler for "/feed"; `failures` collects anything a handler saw thrown. */
export function feedHandler(server: () => Publisher, failures: { push(error: unknown): unknown } = []) {
  return async (session: DefaultWebSocketServerSession, request: WebSocketServerRequest): Promise<void> => {
    try {
      for (const topic of (request.url.searchParams.get("topics") ?? "").split(",").filter(Boolean)) session.subscribe(topic);
      await session.send("ready");
      for await (const frame of session.incoming) {
        if (!(frame instanceof Frame.Text)) continue;
        const [command, topic, ...rest] = frame.readText().split(":");
        const body = rest.join(":");
        if (command === "pub") server().publish(topic, body);
        else if (command === "pubbin") server().publish(topic, Buffer.from(body, "hex"));
      }
    } catch (error) {
      failures.push(error);
      throw error;
    }
  };
}
