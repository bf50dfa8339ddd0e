// kite-ws/server against other clients: undici's WebSocket (the WHATWG API) and kite-ws's own client,
// over ws: and wss:.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as UndiciWebSocket } from "undici";
import { serve, type DefaultWebSocketServerSession } from "../../src/server/index.js";
import { HttpClient, CIO, WebSockets, Frame, CloseReason, JsonConverter, type CioEngineConfig } from "../../src/index.js";
import { within } from "./helpers.js";
import { deferred } from "../helpers/deferred.js";
import { TEST_CERT, TEST_KEY } from "./fixtures/tls.js";

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

function undiciOpen(url: string, protocols?: string[]): Promise<InstanceType<typeof UndiciWebSocket>> {
  const socket = new UndiciWebSocket(url, protocols);
  socket.binaryType = "arraybuffer";
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve(socket), { once: true });
    socket.addEventListener("error", () => reject(new Error(`undici could not open ${url}`)), { once: true });
  });
}

function undiciMessage(socket: InstanceType<typeof UndiciWebSocket>): Promise<string | ArrayBuffer> {
  return new Promise((resolve) => socket.addEventListener("message", (event) => resolve(event.data as string | ArrayBuffer), { once: true }));
}

function undiciClosed(socket: InstanceType<typeof UndiciWebSocket>): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return new Promise((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }), { once: true }),
  );
}

test("undici: echo of text and binary, subprotocol, and a client close code", { timeout: 10_000 }, async () => {
  const serverSaw = deferred<CloseReason | null>();
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket(
      "/echo",
      async (session) => {
        await echo(session);
        serverSaw.resolve(await session.closeReason);
      },
      { protocols: ["kite"] },
    ),
  );
  try {
    const socket = await within(undiciOpen(`${server.url}/echo`, ["other", "kite"]), 3_000);
    assert.equal(socket.protocol, "kite");
    socket.send("héllo");
    assert.equal(await within(undiciMessage(socket), 2_000), "héllo");
    socket.send(new Uint8Array([9, 8, 7]));
    assert.deepEqual([...new Uint8Array((await within(undiciMessage(socket), 2_000)) as ArrayBuffer)], [9, 8, 7]);
    const closed = undiciClosed(socket);
    socket.close(4100, "undici done");
    assert.deepEqual(await within(serverSaw.promise, 2_000), new CloseReason(4100, "undici done"));
    assert.deepEqual(await within(closed, 2_000), { code: 4100, reason: "undici done", wasClean: true });
  } finally {
    await server.close();
  }
});

test("undici: a server close code reaches the client", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket("/bye", async (session) => {
      await session.incoming.receive();
      await session.close(new CloseReason(CloseReason.Codes.VIOLATED_POLICY, "no thanks"));
    }),
  );
  try {
    const socket = await within(undiciOpen(`${server.url}/bye`), 3_000);
    const closed = undiciClosed(socket);
    socket.send("hi");
    assert.deepEqual(await within(closed, 2_000), { code: 1008, reason: "no thanks", wasClean: true });
  } finally {
    await server.close();
  }
});

test("kite-ws client against kite-ws server: echo, serialized values, close reason", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0, contentConverter: new JsonConverter() }, (routes) => {
    routes.webSocket("/echo", echo);
    routes.webSocket("/json", async (session) => {
      const value = await session.receiveDeserialized<{ n: number }>();
      await session.sendSerialized({ n: value.n + 1 });
      await session.close(new CloseReason(4200, "counted"));
    });
  });
  const client = new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => (ws.contentConverter = new JsonConverter())));
  try {
    const text = await within(
      client.webSocket(`${server.url}/echo`, async (session) => {
        assert.equal(session.masking, true);
        await session.send("ping?");
        const frame = await session.incoming.receive();
        assert.ok(frame instanceof Frame.Text);
        await session.send(new Uint8Array(70_000).fill(3));
        const big = await session.incoming.receive();
        assert.ok(big instanceof Frame.Binary);
        assert.equal(big.data.length, 70_000);
        return frame.readText();
      }),
      3_000,
    );
    assert.equal(text, "ping?");

    const session = await client.webSocketSession(`${server.url}/json`);
    await session.sendSerialized({ n: 41 });
    assert.deepEqual(await session.receiveDeserialized(), { n: 42 });
    assert.deepEqual(await within(session.closeReason, 2_000), new CloseReason(4200, "counted"));
  } finally {
    client.close();
    await server.close();
  }
});

test("kite-ws client over wss: to a TLS server with a self-signed certificate", { timeout: 10_000 }, async () => {
  const server = await serve({ port: 0, tls: { key: TEST_KEY, cert: TEST_CERT } }, (routes) => routes.webSocket("/echo", echo));
  const client = new HttpClient<CioEngineConfig>(CIO, (config) => {
    config.install(WebSockets);
    config.engine((cio) => {
      cio.tls = { ca: TEST_CERT };
    });
  });
  try {
    assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
    const reply = await within(
      client.webSocket(`${server.url}/echo`, async (session) => {
        await session.send("secret");
        return (await session.incoming.receive()) as Frame.Text;
      }),
      3_000,
    );
    assert.equal(reply.readText(), "secret");
    // Without trusting the certificate, the connection is refused.
    const untrusting = new HttpClient(CIO, (config) => config.install(WebSockets));
    await assert.rejects(untrusting.webSocketSession(`${server.url}/echo`));
    untrusting.close();
  } finally {
    client.close();
    await server.close();
  }
});

test("the server session's response is the 101 it sent, and it does not mask", { timeout: 10_000 }, async () => {
  const checked = deferred<void>();
  const server = await serve({ port: 0 }, (routes) =>
    routes.webSocket(
      "/p",
      (session) => {
        try {
          assert.equal(session.masking, false);
          assert.equal(session.protocol, "kite");
          assert.equal(session.response?.status, 101);
          assert.equal(session.response?.headers.get("sec-websocket-protocol"), "kite");
          checked.resolve();
        } catch (error) {
          checked.reject(error);
        }
      },
      { protocols: ["kite"] },
    ),
  );
  const client = new HttpClient(CIO, (config) => config.install(WebSockets));
  try {
    const session = await client.webSocketSession({ url: `${server.url}/p`, protocols: ["kite"] });
    await within(checked.promise, 2_000);
    assert.deepEqual(await within(session.closeReason, 2_000), new CloseReason(1000, ""));
  } finally {
    client.close();
    await server.close();
  }
});
