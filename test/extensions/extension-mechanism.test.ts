// The extension mechanism is general: a second extension, written here against the public interfaces,
// runs next to permessage-deflate without any change to the session, and RSV bits are kept apart.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import {
  HttpClient,
  CIO,
  WebSockets,
  Frame,
  FrameType,
  WebSocketDeflateExtension,
  WebSocketHandshakeError,
  type ClientExtension,
  type DecodeLimits,
  type ExtensionCodec,
  type ExtensionParameter,
  type RsvBits,
  type ServerExtension,
  type WebSocketExtensionFactory,
  type WebSocketExtensionsConfig,
  type DefaultWebSocketSession,
} from "../../src/index.js";
import { serve, type WebSocketServer } from "../../src/server/index.js";
import { ExtensionTransport } from "../../src/extensions/extension-transport.js";
import { SocketTransport } from "../../src/transport/socket-transport.js";
import { startRawServer } from "../helpers/raw-server.js";
import { waitFor, within } from "../helpers/ws-peer.js";
import { startTap } from "./helpers.js";

const T = { timeout: 20_000 };
const RSV1 = 0x40;
const RSV2 = 0x20;

/** A toy extension: XORs data payloads with a key agreed in the handshake, asynchronously after a random delay. */
class XorConfig {
  key = 0x5a;
  /** The RSV bits to claim (to provoke clashes). */
  rsv: RsvBits = { messageStart: RSV2, continuation: 0, control: 0 };
  name = "x-test-xor";
}

class XorCodec implements ExtensionCodec {
  readonly negotiated;
  readonly rsv: RsvBits;
  disposed = false;
  private receivingFirst = true;
  private sendingFirst = true;
  constructor(
    name: string,
    private readonly key: number,
    rsv: RsvBits,
  ) {
    this.negotiated = { name, parameters: { key: String(key) } };
    this.rsv = rsv;
    codecs.push(this);
  }
  decode(frame: Frame, _limits: DecodeLimits): Frame | Promise<Frame> {
    if (frame.frameType !== FrameType.TEXT && frame.frameType !== FrameType.BINARY) return frame;
    const first = this.receivingFirst;
    this.receivingFirst = frame.fin;
    if (first && !frame.rsv2) throw new Error("x-test-xor: RSV2 missing on a message's first frame");
    return later(() => rebuild(frame, xor(frame.data, this.key), frame.rsv1, false));
  }
  encode(frame: Frame): Frame | Promise<Frame> {
    if (frame.frameType !== FrameType.TEXT && frame.frameType !== FrameType.BINARY) return frame;
    const first = this.sendingFirst;
    this.sendingFirst = frame.fin;
    return later(() => rebuild(frame, xor(frame.data, this.key), frame.rsv1, first));
  }
  dispose(): void {
    this.disposed = true;
  }
}

const codecs: XorCodec[] = [];

function later<T>(make: () => T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(make()), Math.floor(Math.random() * 3)));
}

function xor(data: Uint8Array, key: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key;
  return out;
}

function rebuild(frame: Frame, data: Uint8Array, rsv1: boolean, rsv2: boolean): Frame {
  return frame instanceof Frame.Text ? new Frame.Text(frame.fin, data, rsv1, rsv2) : new Frame.Binary(frame.fin, data, rsv1, rsv2);
}

const XorExtension: WebSocketExtensionFactory<XorConfig> = {
  name: "x-test-xor",
  createConfig: () => new XorConfig(),
  client(config): ClientExtension {
    return {
      name: config.name,
      offers: () => [[["key", String(config.key)]]],
      accept(answer: readonly ExtensionParameter[]) {
        const key = answer.find(([name]) => name === "key")?.[1];
        if (typeof key !== "string" || !/^\d+$/.test(key)) throw new Error("key must be a number");
        return new XorCodec(config.name, Number(key), config.rsv);
      },
    };
  },
  server(config): ServerExtension {
    return {
      name: config.name,
      answer(offers) {
        for (const offer of offers) {
          const key = offer.find(([name]) => name === "key")?.[1];
          if (typeof key === "string" && /^\d+$/.test(key)) {
            return { parameters: [["key", key]], codec: new XorCodec(config.name, Number(key), config.rsv) };
          }
        }
        return null;
      },
    };
  },
};

/** The same toy under another name and using RSV1, to clash with permessage-deflate. */
const ClashingExtension: WebSocketExtensionFactory<XorConfig> = {
  ...XorExtension,
  name: "x-test-rsv1",
  createConfig: () => Object.assign(new XorConfig(), { name: "x-test-rsv1", rsv: { messageStart: RSV1, continuation: 0, control: 0 } }),
};

function install(e: WebSocketExtensionsConfig, second: WebSocketExtensionFactory<XorConfig> = XorExtension): void {
  e.install(WebSocketDeflateExtension);
  e.install(second);
}

function client(second?: WebSocketExtensionFactory<XorConfig>): HttpClient {
  return new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => ws.extensions((e) => install(e, second))));
}

async function echoServer(second?: WebSocketExtensionFactory<XorConfig>): Promise<WebSocketServer> {
  return serve({ port: 0, extensions: (e) => install(e, second) }, (routes) =>
    routes.webSocket("/echo", async (session) => {
      for await (const frame of session.incoming) await session.send(frame);
    }),
  );
}

function transportOf(session: DefaultWebSocketSession): unknown {
  return (session as unknown as { transport: unknown }).transport;
}

describe("a second extension next to permessage-deflate", () => {
  test("both are offered, agreed and listed in order; frames carry RSV1 and RSV2; everything echoes in order", T, async () => {
    const server = await echoServer();
    const tap = await startTap(server.port);
    const http = client();
    codecs.length = 0;
    try {
      const session = await http.webSocketSession(`${tap.url}/echo`);
      assert.deepEqual(
        session.extensions.map((extension) => [extension.name, extension.parameters]),
        [
          ["permessage-deflate", {}],
          ["x-test-xor", { key: "90" }],
        ],
      );
      assert.equal(tap.answer(), "permessage-deflate, x-test-xor; key=90");
      const sent: string[] = [];
      for (let i = 0; i < 100; i++) {
        const message = `${i} ` + (i % 9 === 0 ? randomBytes(30_000).toString("hex") : "message");
        sent.push(message);
        void session.send(message);
        if (i % 10 === 0) void session.outgoing.send(new Frame.Ping(Buffer.from(String(i))));
      }
      for (const message of sent) {
        const frame = await within(session.incoming.receive(), 10_000, "an echo");
        assert.ok(frame instanceof Frame.Text);
        assert.equal(frame.readText(), message);
        assert.deepEqual([frame.rsv1, frame.rsv2, frame.rsv3], [false, false, false], "extension bits do not reach the user");
      }
      await session.close();
      const data = tap.fromClient().filter((frame) => frame.opcode < 8);
      assert.equal(data.length, 100);
      assert.ok(data.every((frame) => frame.rsv === (RSV1 | RSV2)));
      assert.equal(codecs.length, 2, "one codec per side");
      // The client's when its session ended; the server's once the server saw the connection end.
      await waitFor(() => codecs.every((codec) => codec.disposed), 5_000, "both codecs to be released");
    } finally {
      http.close();
      await tap.close();
      await server.close();
    }
  });

  test("two extensions that want the same RSV bit: the server agrees on the first only", T, async () => {
    const server = await echoServer(ClashingExtension);
    const http = client(ClashingExtension);
    codecs.length = 0;
    try {
      const session = await http.webSocketSession(`${server.url}/echo`);
      assert.deepEqual(
        session.extensions.map((extension) => extension.name),
        ["permessage-deflate"],
      );
      assert.equal(codecs.length, 1, "the server's clashing codec was made");
      assert.equal(codecs[0].disposed, true, "and released at once");
      await session.close();
    } finally {
      http.close();
      await server.close();
    }
  });

  test("a server that agrees on two extensions wanting the same RSV bit fails the client's handshake", T, async () => {
    const raw = await startRawServer();
    const http = client(ClashingExtension);
    codecs.length = 0;
    try {
      const pending = http.webSocketSession(raw.url).catch((error: unknown) => error);
      const conn = await raw.nextConnection();
      await conn.accept({ headers: { "Sec-WebSocket-Extensions": "permessage-deflate, x-test-rsv1; key=1" } });
      const error = await pending;
      assert.ok(error instanceof WebSocketHandshakeError);
      assert.match(error.message, /permessage-deflate and x-test-rsv1, which use the same RSV bits/);
      assert.ok(
        codecs.every((codec) => codec.disposed),
        "codecs made before the failure are released",
      );
    } finally {
      http.close();
      await raw.close();
    }
  });

  test("an extension that rejects the answer fails the handshake with its reason", T, async () => {
    const raw = await startRawServer();
    const http = client();
    try {
      const pending = http.webSocketSession(raw.url).catch((error: unknown) => error);
      const conn = await raw.nextConnection();
      await conn.accept({ headers: { "Sec-WebSocket-Extensions": "x-test-xor; key=abc" } });
      const error = await pending;
      assert.ok(error instanceof WebSocketHandshakeError);
      assert.match(error.message, /x-test-xor answer is not acceptable: key must be a number/);
    } finally {
      http.close();
      await raw.close();
    }
  });
});

describe("the transport beneath the session", () => {
  test("with nothing agreed the session writes to the socket transport itself: no layer, nothing per frame", T, async () => {
    const server = await serve({ port: 0 }, (routes) => routes.webSocket("/echo", async (session) => void (await session.incoming.receive())));
    const withDeflate = client();
    try {
      const plain = await withDeflate.webSocketSession(`${server.url}/echo`);
      assert.deepEqual(plain.extensions, []);
      assert.ok(transportOf(plain) instanceof SocketTransport);
      plain.terminate();
      const deflateServer = await echoServer();
      try {
        const compressed = await withDeflate.webSocketSession(`${deflateServer.url}/echo`);
        assert.ok(transportOf(compressed) instanceof ExtensionTransport);
        compressed.terminate();
      } finally {
        await deflateServer.close();
      }
    } finally {
      withDeflate.close();
      await server.close();
    }
  });

  test("install checks: a non-factory, two factories with one name; the same one twice merges its blocks", () => {
    assert.throws(() => new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => ws.extensions((e) => e.install({} as never)))), /extension factory/);
    assert.throws(
      () => new HttpClient(CIO, (config) => config.install(WebSockets, (ws) => ws.extensions((e) => (e.install(XorExtension), e.install({ ...XorExtension }))))),
      /share the name "x-test-xor"/,
    );
    const seen: number[] = [];
    const http = new HttpClient(CIO, (config) =>
      config.install(WebSockets, (ws) =>
        ws.extensions((e) => {
          e.install(XorExtension, (c) => (c.key = 1));
          e.install(XorExtension, (c) => seen.push(c.key));
        }),
      ),
    );
    assert.deepEqual(seen, [1], "the second block sees the first block's setting");
    http.close();
  });
});
