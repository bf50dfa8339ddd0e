import { CIO, HttpClient, WebSockets } from "../../src/index.js";
import { startWsPeer, waitFor } from "./ws-peer.js";
import { patternBytes } from "./frames.js";

/**
 * Sends `count` frames of `size` bytes to a `ws` peer that does not read, until `lent()` says memory
 * is lent to a write; then the peer cuts the connection. Resolves once `lent()` says everything came
 * back: memory lent to writes must be given back when their connection dies.
 */
export async function dieWithWritesLent(count: number, size: number, lent: () => boolean): Promise<void> {
  const peer = await startWsPeer(() => {});
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const session = await client.webSocketSession(peer.url);
    const { socket } = await peer.nextConnection();
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const sends = Array.from({ length: count }, (_, i) => session.send(patternBytes(size, i)).catch(() => {}));
    await waitFor(() => lent() || undefined, 5_000, "memory lent to writes");
    socket.terminate();
    await Promise.all(sends);
    await session.closeReason;
    await waitFor(() => !lent() || undefined, 5_000, "everything lent given back");
  } finally {
    client.close();
    await peer.close();
  }
}
