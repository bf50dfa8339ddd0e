// Helpers for the stream tests: clients on each engine, and readers with bounded waits.
import { WebSocket as UndiciWebSocket } from "undici";
import { HttpClient, CIO, Platform, WebSockets, type WebSocketsConfig, type StreamMessage } from "../../src/index.js";
import { within } from "../helpers/ws-peer.js";

/** A client on CIO, the default engine on Node.js. */
export function cioClient(configure: (ws: WebSocketsConfig) => void = () => {}): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, configure));
}

/** A client on the Platform engine over undici's WebSocket (Node 20 has no global one). */
export function platformClient(): HttpClient {
  return new HttpClient(Platform, (config) => {
    config.engine((p) => (p.webSocket = UndiciWebSocket));
    config.install(WebSockets);
  });
}

/** Every chunk of `readable` until it ends (rejects with what errored it), within `millis`. */
export async function readAll<T>(readable: ReadableStream<T>, millis = 5_000): Promise<T[]> {
  const chunks: T[] = [];
  const reader = readable.getReader();
  const drain = async (): Promise<T[]> => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
    }
  };
  return within(drain(), millis, "the readable to end");
}

/** The next `count` chunks of `reader`, within `millis`. */
export async function take(reader: ReadableStreamDefaultReader<StreamMessage>, count: number, millis = 5_000): Promise<StreamMessage[]> {
  const read = async (): Promise<StreamMessage[]> => {
    const chunks: StreamMessage[] = [];
    while (chunks.length < count) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the readable ended after ${chunks.length} of ${count} chunks`);
      chunks.push(value);
    }
    return chunks;
  };
  return within(read(), millis, `${count} chunks`);
}

/** How a promise settled: its error, or a failure when it resolved. */
export async function rejectionOf(promise: Promise<unknown>, millis = 5_000): Promise<unknown> {
  return within(
    promise.then(
      () => {
        throw new Error("expected a rejection, but it resolved");
      },
      (error: unknown) => error,
    ),
    millis,
    "a rejection",
  );
}
