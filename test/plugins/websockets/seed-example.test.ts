/**
 * The seed's example (Ktor's "WebSockets in the Ktor client"), against a `ws` server that greets
 * first and then echoes:
 *
 *   client.webSocket(method = HttpMethod.Get, host = "127.0.0.1", port = 8080, path = "/echo") {
 *       while (true) {
 *           val othersMessage = incoming.receive() as? Frame.Text
 *           println(othersMessage?.readText())
 *           val myMessage = Scanner(System.`in`).next()
 *           if (myMessage != null) send(myMessage)
 *       }
 *   }
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { HttpClient, HttpMethod, CIO, WebSockets, Frame, CloseReason } from "../../../src/index.js";
import { startWsPeer, within } from "../../helpers/ws-peer.js";

test("the seed's example: greeting, a typed line, its echo, then close", { timeout: 10_000 }, async () => {
  const peer = await startWsPeer((socket, request) => {
    if (request.url !== "/echo") return socket.close(4404, "no such path");
    socket.send("Welcome! Type something and it will come back.");
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const client = new HttpClient(CIO, (config) => {
    config.install(WebSockets, (ws) => {
      ws.pingIntervalMillis = 20_000;
    });
  });
  const printed: (string | undefined)[] = [];
  const println = (line: string | undefined): void => void printed.push(line);
  const typed = ["hello-from-stdin"]; // what the user types, one line
  try {
    await client.webSocket({ method: HttpMethod.Get, host: "127.0.0.1", port: peer.port, path: "/echo" }, async (session) => {
      for (;;) {
        const othersMessage = await session.incoming.receive();
        println(othersMessage instanceof Frame.Text ? othersMessage.readText() : undefined);
        const myMessage = typed.shift();
        if (myMessage === undefined) break; // end of input
        await session.send(myMessage);
      }
      await session.close(new CloseReason(CloseReason.Codes.NORMAL, "end of input"));
    });
    assert.deepEqual(printed, ["Welcome! Type something and it will come back.", "hello-from-stdin"]);
    const server = await peer.nextConnection();
    assert.equal(server.request.url, "/echo");
    assert.deepEqual(await within(server.closed, 2_000, "the server's close"), { code: 1000, reason: "end of input" });
  } finally {
    client.close();
    await peer.close();
  }
});
