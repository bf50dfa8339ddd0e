// permessage-deflate between kite-ws and the `ws` package, both ways, through a relay that records the
// frames on the wire (to see RSV1, context takeover and window sizes at work).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { WebSocket as WsClient, type PerMessageDeflateOptions } from "ws";
import { HttpClient, CIO, WebSockets, Frame, type DefaultWebSocketSession, type WebSocketDeflateConfig } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession, type WebSocketServer } from "../../src/server/index.js";
import { WebSocketDeflateExtension } from "../../src/index.js";
import { startWsPeer, within, type WsPeer } from "../helpers/ws-peer.js";
import { deflateClient, startTap, type Tap, type WireFrame } from "./helpers.js";

const T = { timeout: 30_000 };
const RSV1 = 0x40;

/** Messages of every size that matters: empty, tiny, over 125 and 64 KiB, several MiB; text and binary. */
function messages(): (string | Buffer)[] {
  const block = randomBytes(300).toString("hex"); // repeated 600 bytes later: needs a window over 512 bytes
  return ["", "tiny", block + block, "x".repeat(70_000), Buffer.from(randomBytes(1000).toString("hex").repeat(2000)), Buffer.from([0, 1, 2, 255])];
}

function same(frame: Frame, expected: string | Buffer): void {
  if (typeof expected === "string") {
    assert.ok(frame instanceof Frame.Text, String(frame));
    assert.equal(frame.readText(), expected);
  } else {
    assert.ok(frame instanceof Frame.Binary, String(frame));
    assert.ok(Buffer.from(frame.data).equals(expected), `binary of ${expected.length} bytes`);
  }
}

function dataFrames(frames: WireFrame[]): WireFrame[] {
  return frames.filter((frame) => frame.opcode < 8);
}

/** A ws echo server behind a tap; our client connects through the tap. */
async function wsServer(options: PerMessageDeflateOptions | false): Promise<{ peer: WsPeer; tap: Tap; close: () => Promise<void> }> {
  const peer = await startWsPeer(undefined, { perMessageDeflate: options });
  const tap = await startTap(peer.port);
  return { peer, tap, close: async () => (await tap.close(), await peer.close()) };
}

async function echoAll(session: DefaultWebSocketSession, list: (string | Buffer)[]): Promise<void> {
  for (const message of list) {
    await session.send(message);
    same(await within(session.incoming.receive(), 10_000, "an echo"), message);
  }
}

describe("our client ↔ ws server, perMessageDeflate on", () => {
  const cases: [string, PerMessageDeflateOptions, ((d: WebSocketDeflateConfig) => void) | undefined, Record<string, string | true>][] = [
    ["defaults", {}, undefined, {}],
    ["we ask server_no_context_takeover", {}, (d) => (d.serverNoContextTakeover = true), { server_no_context_takeover: true }],
    ["we offer client_no_context_takeover", {}, (d) => (d.clientNoContextTakeover = true), { client_no_context_takeover: true }],
    ["we ask server_max_window_bits=10", {}, (d) => (d.serverMaxWindowBits = 10), { server_max_window_bits: "10" }],
    ["we offer client_max_window_bits=10", {}, (d) => (d.clientMaxWindowBits = 10), { client_max_window_bits: "10" }],
    ["ws answers server_no_context_takeover", { serverNoContextTakeover: true }, undefined, { server_no_context_takeover: true }],
    ["ws answers client_no_context_takeover", { clientNoContextTakeover: true }, undefined, { client_no_context_takeover: true }],
    ["ws answers server_max_window_bits=9", { serverMaxWindowBits: 9 }, undefined, { server_max_window_bits: "9" }],
    ["ws answers client_max_window_bits=9", { clientMaxWindowBits: 9 }, undefined, { client_max_window_bits: "9" }],
    [
      "everything at once",
      { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11 },
      (d) => {
        d.compressionLevel = 9;
        d.clientMaxWindowBits = 12;
      },
      { server_no_context_takeover: true, client_no_context_takeover: true, server_max_window_bits: "10", client_max_window_bits: "11" },
    ],
  ];
  for (const [name, wsOptions, configure, parameters] of cases) {
    test(`${name}: agreed ${JSON.stringify(parameters)}, every message echoes, compressed both ways`, T, async () => {
      const { tap, close } = await wsServer({ threshold: 0, ...wsOptions });
      const client = deflateClient(configure);
      try {
        const session = await client.webSocketSession(tap.url);
        assert.deepEqual(session.extensions, [{ name: "permessage-deflate", parameters }]);
        await echoAll(session, messages());
        await session.close();
        // Every data frame was compressed in both directions (ws compresses everything with context takeover,
        // and with threshold 0 without).
        for (const frames of [tap.fromClient(), tap.fromServer()]) {
          const data = dataFrames(frames);
          assert.equal(data.length, messages().length);
          assert.ok(data.every((frame) => frame.rsv === RSV1));
        }
      } finally {
        client.close();
        await close();
      }
    });
  }

  test("the issue's configuration, written as in Ktor", T, async () => {
    const { tap, close } = await wsServer({});
    const client = new HttpClient(CIO, (config) => {
      config.install(WebSockets, (ws) =>
        ws.extensions((e) =>
          e.install(WebSocketDeflateExtension, (d) => {
            d.compressionLevel = 6;
            d.clientNoContextTakeover = true;
            d.serverNoContextTakeover = true;
            d.clientMaxWindowBits = 15;
            d.serverMaxWindowBits = 15;
            d.compressIfBiggerThan(1024);
            d.compressIf((frame) => frame instanceof Frame.Text);
          }),
        ),
      );
    });
    try {
      const session = await client.webSocketSession(tap.url);
      assert.equal(tap.answer(), "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=15");
      assert.deepEqual(session.extensions[0].parameters, {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: "15",
        client_max_window_bits: "15",
      });
      await echoAll(session, ["small", "t".repeat(5000), Buffer.alloc(5000, 1)]);
      await session.close();
      assert.deepEqual(
        dataFrames(tap.fromClient()).map((frame) => frame.rsv),
        [0, RSV1, 0],
      );
    } finally {
      client.close();
      await close();
    }
  });

  test("perMessageDeflate off on ws: declined, the session works uncompressed", T, async () => {
    const { tap, close } = await wsServer(false);
    const client = deflateClient();
    try {
      const session = await client.webSocketSession(tap.url);
      assert.deepEqual(session.extensions, []);
      assert.equal(tap.answer(), null);
      await echoAll(session, messages());
      await session.close();
      assert.ok([...tap.fromClient(), ...tap.fromServer()].every((frame) => frame.rsv === 0));
    } finally {
      client.close();
      await close();
    }
  });

  test("context takeover on: repeated messages shrink; off (client_no_context_takeover): they do not", T, async () => {
    const message = randomBytes(3000).toString("hex");
    for (const noTakeover of [false, true]) {
      const { tap, close } = await wsServer({});
      const client = deflateClient((d) => (d.clientNoContextTakeover = noTakeover));
      try {
        const session = await client.webSocketSession(tap.url);
        await echoAll(session, [message, message, message]);
        await session.close();
        const sizes = dataFrames(tap.fromClient()).map((frame) => frame.payload.length);
        const back = dataFrames(tap.fromServer()).map((frame) => frame.payload.length);
        if (noTakeover) {
          assert.equal(sizes[1], sizes[0]);
          assert.equal(sizes[2], sizes[0]);
        } else {
          assert.ok(sizes[1] < sizes[0] / 20 && sizes[2] < sizes[0] / 20, `sizes ${sizes.join(", ")}`);
        }
        assert.ok(back[1] < back[0] / 20, `ws keeps its context: ${back.join(", ")}`);
      } finally {
        client.close();
        await close();
      }
    }
  });

  test("ws sends a compressed message in fragments (fin: false, compress: true); a ping between them", T, async () => {
    const parts = ["first part ".repeat(100), "second part ".repeat(100), "last"];
    const peer = await startWsPeer((socket) => {
      socket.on("message", () => {
        socket.send(parts[0], { fin: false, compress: true });
        socket.ping("between");
        socket.send(parts[1], { fin: false, compress: true });
        socket.send(parts[2], { fin: true, compress: true });
      });
    }, { perMessageDeflate: {} });
    const tap = await startTap(peer.port);
    const client = deflateClient();
    try {
      const session = await client.webSocketSession(tap.url);
      await session.send("go");
      same(await within(session.incoming.receive(), 5_000, "the message"), parts.join(""));
      await session.close();
      const data = dataFrames(tap.fromServer());
      assert.deepEqual(
        data.map((frame) => [frame.opcode, frame.rsv, frame.fin]),
        [
          [1, RSV1, false],
          [0, 0, false],
          [0, 0, true],
        ],
      );
    } finally {
      client.close();
      await tap.close();
      await peer.close();
    }
  });

  test("we send a compressed message in fragments; ws reassembles it", T, async () => {
    const { tap, close } = await wsServer({});
    const client = deflateClient();
    try {
      const session = await client.webSocketSession(tap.url);
      await session.send(new Frame.Binary(false, Buffer.alloc(50_000, 1)));
      await session.send(new Frame.Binary(false, Buffer.alloc(50_000, 2)));
      await session.send(new Frame.Binary(true, Buffer.alloc(10, 3)));
      same(await within(session.incoming.receive(), 5_000, "the echo"), Buffer.concat([Buffer.alloc(50_000, 1), Buffer.alloc(50_000, 2), Buffer.alloc(10, 3)]));
      await session.close();
      assert.deepEqual(
        dataFrames(tap.fromClient()).map((frame) => [frame.opcode, frame.rsv, frame.fin]),
        [
          [2, RSV1, false],
          [0, 0, false],
          [0, 0, true],
        ],
      );
    } finally {
      client.close();
      await close();
    }
  });

  test("thresholds: ws's (with no context takeover) and ours (compressIfBiggerThan): small messages go uncompressed", T, async () => {
    const { tap, close } = await wsServer({ serverNoContextTakeover: true, threshold: 1024 });
    const client = deflateClient((d) => d.compressIfBiggerThan(1024));
    try {
      const session = await client.webSocketSession(tap.url);
      await echoAll(session, ["small", "y".repeat(5000), "small again"]);
      await session.close();
      assert.deepEqual(
        dataFrames(tap.fromClient()).map((frame) => frame.rsv),
        [0, RSV1, 0],
      );
      assert.deepEqual(
        dataFrames(tap.fromServer()).map((frame) => frame.rsv),
        [0, RSV1, 0],
      );
    } finally {
      client.close();
      await close();
    }
  });
});

describe("ws client ↔ our server, perMessageDeflate on", () => {
  async function echo(session: DefaultWebSocketServerSession): Promise<void> {
    for await (const frame of session.incoming) await session.send(frame);
  }

  async function ourServer(configure?: (d: WebSocketDeflateConfig) => void): Promise<{ server: WebSocketServer; tap: Tap; close: () => Promise<void> }> {
    const server = await serve({ port: 0, extensions: (e) => e.install(WebSocketDeflateExtension, configure) }, (routes) => routes.webSocket("/echo", echo));
    const tap = await startTap(server.port);
    return { server, tap, close: async () => (await tap.close(), await server.close()) };
  }

  async function wsEcho(url: string, options: PerMessageDeflateOptions | boolean, list: (string | Buffer)[]): Promise<WsClient> {
    const client = new WsClient(url, { perMessageDeflate: options });
    client.on("error", () => {});
    await within(new Promise((resolve) => client.once("open", resolve)), 5_000, "ws to open");
    for (const message of list) {
      const received = new Promise<{ data: Buffer; binary: boolean }>((resolve) => client.once("message", (data: Buffer, binary) => resolve({ data, binary })));
      client.send(message);
      const { data, binary } = await within(received, 10_000, "an echo");
      assert.equal(binary, typeof message !== "string");
      assert.ok(data.equals(Buffer.from(message)), `echo of ${message.length} bytes`);
    }
    return client;
  }

  async function closeWs(client: WsClient): Promise<number> {
    const closed = new Promise<number>((resolve) => client.once("close", resolve));
    client.close(1000);
    return within(closed, 5_000, "ws to close");
  }

  const cases: [string, PerMessageDeflateOptions, ((d: WebSocketDeflateConfig) => void) | undefined, string][] = [
    ["defaults", {}, undefined, "permessage-deflate"],
    ["ws asks server_no_context_takeover", { serverNoContextTakeover: true }, undefined, "permessage-deflate; server_no_context_takeover"],
    ["ws offers client_no_context_takeover", { clientNoContextTakeover: true }, undefined, "permessage-deflate; client_no_context_takeover"],
    ["ws asks server_max_window_bits=9", { serverMaxWindowBits: 9 }, undefined, "permessage-deflate; server_max_window_bits=9"],
    ["ws offers client_max_window_bits=9", { clientMaxWindowBits: 9 }, undefined, "permessage-deflate"],
    ["we answer server_no_context_takeover", {}, (d) => (d.serverNoContextTakeover = true), "permessage-deflate; server_no_context_takeover"],
    ["we answer client_no_context_takeover", {}, (d) => (d.clientNoContextTakeover = true), "permessage-deflate; client_no_context_takeover"],
    ["we answer server_max_window_bits=9", {}, (d) => (d.serverMaxWindowBits = 9), "permessage-deflate; server_max_window_bits=9"],
    ["we answer client_max_window_bits=9", {}, (d) => (d.clientMaxWindowBits = 9), "permessage-deflate; client_max_window_bits=9"],
  ];
  for (const [name, wsOptions, configure, answer] of cases) {
    test(`${name}: answered "${answer}", every message echoes, compressed both ways`, T, async () => {
      const { tap, close } = await ourServer(configure);
      try {
        const client = await wsEcho(`${tap.url}/echo`, { threshold: 0, ...wsOptions }, messages());
        assert.equal(tap.answer(), answer);
        assert.equal(await closeWs(client), 1000);
        for (const frames of [tap.fromClient(), tap.fromServer()]) {
          const data = dataFrames(frames);
          assert.equal(data.length, messages().length);
          assert.ok(data.every((frame) => frame.rsv === RSV1));
        }
      } finally {
        await close();
      }
    });
  }

  test("ws without perMessageDeflate: no offer, no answer, uncompressed", T, async () => {
    const { tap, close } = await ourServer();
    try {
      const client = await wsEcho(`${tap.url}/echo`, false, messages());
      assert.equal(tap.answer(), null);
      assert.equal(await closeWs(client), 1000);
      assert.ok(tap.fromServer().every((frame) => frame.rsv === 0));
    } finally {
      await close();
    }
  });

  test("ws sends compressed fragments; our server reassembles and echoes one compressed message", T, async () => {
    const { tap, close } = await ourServer();
    try {
      const client = new WsClient(`${tap.url}/echo`, { perMessageDeflate: {} });
      client.on("error", () => {});
      await within(new Promise((resolve) => client.once("open", resolve)), 5_000, "ws to open");
      const received = new Promise<Buffer>((resolve) => client.once("message", (data: Buffer) => resolve(data)));
      client.send("alpha ".repeat(200), { fin: false, compress: true });
      client.send("beta ".repeat(200), { fin: false, compress: true });
      client.send("gamma", { fin: true, compress: true });
      assert.equal((await within(received, 5_000, "the echo")).toString(), "alpha ".repeat(200) + "beta ".repeat(200) + "gamma");
      assert.equal(await closeWs(client), 1000);
      assert.deepEqual(
        dataFrames(tap.fromClient()).map((frame) => [frame.opcode, frame.rsv, frame.fin]),
        [
          [1, RSV1, false],
          [0, 0, false],
          [0, 0, true],
        ],
      );
      assert.deepEqual(
        dataFrames(tap.fromServer()).map((frame) => [frame.rsv, frame.fin]),
        [[RSV1, true]],
      );
    } finally {
      await close();
    }
  });

  test("context takeover: repeated messages shrink; with server_no_context_takeover they do not", T, async () => {
    const message = randomBytes(3000).toString("hex");
    for (const noTakeover of [false, true]) {
      const { tap, close } = await ourServer((d) => (d.serverNoContextTakeover = noTakeover));
      try {
        const client = await wsEcho(`${tap.url}/echo`, {}, [message, message, message]);
        assert.equal(await closeWs(client), 1000);
        const sizes = dataFrames(tap.fromServer()).map((frame) => frame.payload.length);
        if (noTakeover) assert.deepEqual(sizes, [sizes[0], sizes[0], sizes[0]]);
        else assert.ok(sizes[1] < sizes[0] / 20, `sizes ${sizes.join(", ")}`);
      } finally {
        await close();
      }
    }
  });

  test("our compressIfBiggerThan: small messages go uncompressed to ws", T, async () => {
    const { tap, close } = await ourServer((d) => d.compressIfBiggerThan(1000));
    try {
      const client = await wsEcho(`${tap.url}/echo`, {}, ["small", "z".repeat(2000)]);
      assert.equal(await closeWs(client), 1000);
      assert.deepEqual(
        dataFrames(tap.fromServer()).map((frame) => frame.rsv),
        [0, RSV1],
      );
    } finally {
      await close();
    }
  });

  test("a ws client's zip bomb: 1009 from our server", T, async () => {
    const server = await serve({ port: 0, maxMessageSize: 1 << 20, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) => routes.webSocket("/echo", echo));
    try {
      const client = new WsClient(`${server.url}/echo`, { perMessageDeflate: {} });
      client.on("error", () => {});
      await within(new Promise((resolve) => client.once("open", resolve)), 5_000, "ws to open");
      const closed = new Promise<number>((resolve) => client.once("close", resolve));
      client.send(Buffer.alloc(64 << 20)); // 64 MiB of zeros, about 64 KiB compressed
      assert.equal(await within(closed, 10_000, "the close"), 1009);
    } finally {
      await server.close();
    }
  });
});
