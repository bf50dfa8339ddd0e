// permessage-deflate on kite-ws/server, against a raw client that writes exactly what each test needs.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { inflateRawSync, constants } from "node:zlib";
import { serve, webSocketRoutes, type DefaultWebSocketServerSession, type ServeOptions, type WebSocketServer } from "../../src/server/index.js";
import { WebSocketDeflateExtension, type WebSocketDeflateConfig, type NegotiatedExtension } from "../../src/index.js";
import { compress, decompress, rawWsClient, zipBomb, type RawWsClient } from "./helpers.js";
import { deferred } from "../helpers/deferred.js";
import { within } from "../server/helpers.js";

const T = { timeout: 15_000 };
const RSV1 = 0x40;
const Op = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

async function echo(session: DefaultWebSocketServerSession): Promise<void> {
  for await (const frame of session.incoming) await session.send(frame);
}

/** An echo server at /echo with deflate configured by `configure`; `seen` gets each session's extensions. */
async function deflateServer(
  configure: (d: WebSocketDeflateConfig) => void = () => {},
  options: Partial<ServeOptions> = {},
  seen?: (extensions: readonly NegotiatedExtension[]) => void,
): Promise<WebSocketServer> {
  return serve({ port: 0, ...options, extensions: (e) => e.install(WebSocketDeflateExtension, configure) }, (routes) =>
    routes.webSocket("/echo", async (session) => {
      seen?.(session.extensions);
      await echo(session);
    }),
  );
}

async function connect(server: WebSocketServer, offer: string | null, extra: Record<string, string | null> = {}): Promise<RawWsClient> {
  return rawWsClient(server.port, "/echo", { "Sec-WebSocket-Extensions": offer, ...extra });
}

describe("server: answering offers (RFC 7692 §5, §7.1)", () => {
  const cases: [string, string | null, string | undefined, ((d: WebSocketDeflateConfig) => void)?][] = [
    ["a browser's offer", "permessage-deflate; client_max_window_bits", "permessage-deflate"],
    ["no offer", null, undefined],
    ["another extension only", "x-webkit-deflate-frame", undefined],
    ["server_no_context_takeover", "permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"],
    ["client_no_context_takeover", "permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"],
    ["server_max_window_bits", "permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"],
    ["client_max_window_bits with a value", "permessage-deflate; client_max_window_bits=10", "permessage-deflate"],
    ["an invalid offer, declined", "permessage-deflate; client_max_window_bits=16", undefined],
    ["an unknown parameter, declined", "permessage-deflate; foo", undefined],
    ["a repeated parameter, declined", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", undefined],
    ["server_max_window_bits=8, declined (zlib cannot)", "permessage-deflate; server_max_window_bits=8", undefined],
    [
      "several offers: the first acceptable one",
      "permessage-deflate; server_max_window_bits=8, permessage-deflate; bogus, permessage-deflate; server_max_window_bits=12; client_max_window_bits, permessage-deflate",
      "permessage-deflate; server_max_window_bits=12",
    ],
    [
      "the server's settings",
      "permessage-deflate; client_max_window_bits",
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10",
      (d) => {
        d.serverNoContextTakeover = true;
        d.clientNoContextTakeover = true;
        d.serverMaxWindowBits = 11;
        d.clientMaxWindowBits = 10;
      },
    ],
    ["a server limiting clients, an offer it cannot limit: declined", "permessage-deflate", undefined, (d) => (d.clientMaxWindowBits = 10)],
  ];
  for (const [name, offer, answer, configure] of cases) {
    test(`${name}: ${answer ?? "no extension"}`, T, async () => {
      const extensions = deferred<readonly NegotiatedExtension[]>();
      const server = await deflateServer(configure, {}, extensions.resolve);
      try {
        const client = await connect(server, offer);
        assert.equal(client.status, 101);
        assert.equal(client.headers.get("sec-websocket-extensions"), answer);
        const negotiated = await within(extensions.promise, 2_000);
        assert.deepEqual(
          negotiated.map((extension) => extension.name),
          answer === undefined ? [] : ["permessage-deflate"],
        );
        // Either way the session works: uncompressed, or compressed when agreed.
        client.send({ opcode: Op.TEXT, payload: "hello" });
        const frame = await client.next();
        assert.equal(frame.rsv, answer === undefined ? 0 : RSV1);
        assert.equal((answer === undefined ? frame.payload : decompress(frame.payload)).toString(), "hello");
        client.socket.destroy();
      } finally {
        await server.close();
      }
    });
  }

  test("offers in several header fields are read as one list", T, async () => {
    const server = await deflateServer();
    try {
      // A raw request with two Sec-WebSocket-Extensions lines.
      const client = await rawWsClient(server.port, "/echo", {
        "Sec-WebSocket-Extensions": "permessage-deflate; server_max_window_bits=8",
        "sec-websocket-extensions": "permessage-deflate; server_max_window_bits=9",
      });
      assert.equal(client.headers.get("sec-websocket-extensions"), "permessage-deflate; server_max_window_bits=9");
      client.socket.destroy();
    } finally {
      await server.close();
    }
  });

  test("a malformed Sec-WebSocket-Extensions is refused with 400", T, async () => {
    const server = await deflateServer();
    try {
      const client = await connect(server, "permessage-deflate; =1");
      assert.equal(client.status, 400);
      await within(client.closed, 3_000);
    } finally {
      await server.close();
    }
  });

  test("without extensions installed, offers (even malformed ones) are ignored", T, async () => {
    const server = await serve({ port: 0 }, (routes) => routes.webSocket("/echo", echo));
    try {
      for (const offer of ["permessage-deflate", "permessage-deflate; =1"]) {
        const client = await connect(server, offer);
        assert.equal(client.status, 101);
        assert.equal(client.headers.get("sec-websocket-extensions"), undefined);
        client.socket.destroy();
      }
    } finally {
      await server.close();
    }
  });

  test("the extensions option is checked when the server is built", () => {
    assert.throws(() => webSocketRoutes(() => {}, { extensions: 1 as never }), /extensions must be a function/);
    assert.throws(
      () => webSocketRoutes(() => {}, { extensions: (e) => e.install(WebSocketDeflateExtension, (d) => (d.serverMaxWindowBits = 8)) }),
      /serverMaxWindowBits = 8 cannot be honoured by a server/,
    );
    assert.throws(() => webSocketRoutes(() => {}, { extensions: (e) => e.install({} as never) }), /extension factory/);
    // A server may ask clients for 8 bits: it only reads them.
    webSocketRoutes(() => {}, { extensions: (e) => e.install(WebSocketDeflateExtension, (d) => (d.clientMaxWindowBits = 8)) });
  });
});

describe("server: frames (RFC 7692 §6)", () => {
  test("compressed fragments from a client, a ping between them, then RSV1 on a continuation: 1002", T, async () => {
    const server = await deflateServer();
    try {
      const client = await connect(server, "permessage-deflate");
      const message = randomBytes(30_000).toString("hex");
      const packed = compress(message);
      client.send({ opcode: Op.TEXT, payload: packed.subarray(0, 100), rsv: RSV1, fin: false });
      client.send({ opcode: Op.PING, payload: "p" });
      client.send({ opcode: Op.CONT, payload: packed.subarray(100), fin: true });
      const pong = await client.next();
      assert.deepEqual([pong.opcode, pong.rsv, pong.payload.toString()], [Op.PONG, 0, "p"]);
      const echoed = await client.next();
      assert.equal(echoed.rsv, RSV1);
      assert.equal(decompress(echoed.payload).toString(), message);
      client.send({ opcode: Op.TEXT, payload: packed.subarray(0, 100), rsv: RSV1, fin: false });
      client.send({ opcode: Op.CONT, payload: packed.subarray(100), rsv: RSV1 });
      assert.equal(await client.closeCode(), 1002);
    } finally {
      await server.close();
    }
  });

  test("RSV1 on a control frame: 1002; RSV1 when deflate was declined: 1002", T, async () => {
    const server = await deflateServer();
    try {
      const agreed = await connect(server, "permessage-deflate");
      agreed.send({ opcode: Op.PING, payload: "x", rsv: RSV1 });
      assert.equal(await agreed.closeCode(), 1002);
      const declined = await connect(server, null);
      declined.send({ opcode: Op.TEXT, payload: compress("x"), rsv: RSV1 });
      assert.equal(await declined.closeCode(), 1002);
    } finally {
      await server.close();
    }
  });

  test("a zip bomb from a client ends with 1009 before the memory is spent", T, async () => {
    const server = await deflateServer(() => {}, { maxFrameSize: 8 * 1024 * 1024, maxMessageSize: 16 * 1024 * 1024 });
    try {
      const client = await connect(server, "permessage-deflate");
      const before = process.memoryUsage().rss;
      client.send({ opcode: Op.BINARY, payload: await zipBomb(4096), rsv: RSV1 });
      assert.equal(await client.closeCode(10_000), 1009);
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < 256 * 1024 * 1024, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
    } finally {
      await server.close();
    }
  });

  test("server_no_context_takeover: the same message compresses the same every time", T, async () => {
    const server = await deflateServer((d) => (d.serverNoContextTakeover = true));
    try {
      const client = await connect(server, "permessage-deflate");
      const message = randomBytes(1000).toString("hex");
      client.send({ opcode: Op.TEXT, payload: message });
      client.send({ opcode: Op.TEXT, payload: message });
      const [a, b] = [await client.next(), await client.next()];
      assert.deepEqual(a.payload, b.payload);
      assert.equal(decompress(b.payload).toString(), message);
      client.socket.destroy();
    } finally {
      await server.close();
    }
  });

  test("server_max_window_bits=9 offered: what the server sends inflates with a 512-byte window", T, async () => {
    const server = await deflateServer();
    try {
      const client = await connect(server, "permessage-deflate; server_max_window_bits=9");
      const block = randomBytes(300).toString("hex");
      client.send({ opcode: Op.TEXT, payload: block + block });
      const frame = await client.next();
      const inflated = inflateRawSync(Buffer.concat([frame.payload, Buffer.from([0, 0, 0xff, 0xff])]), {
        windowBits: 9,
        finishFlush: constants.Z_SYNC_FLUSH,
        chunkSize: 64, // a small output buffer: zlib must read back through its 512-byte window
      });
      assert.equal(inflated.toString(), block + block);
      client.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
