// `kite connect`, compiled, driven through pipes against an independent peer (the `ws` package).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startWsPeer, within, type WsPeer } from "../helpers/ws-peer.js";
import { deafServer, killAll, silentServer, spawnKite, unusedPort } from "./kite-process.js";

const TEST = { timeout: 20_000 };

after(killAll);

/** Runs `run` with a started peer and closes the peer afterwards, whatever happens. */
async function withPeer<T>(starting: Promise<WsPeer>, run: (peer: WsPeer) => Promise<T>): Promise<T> {
  const peer = await starting;
  try {
    return await run(peer);
  } finally {
    await peer.close();
  }
}

describe("kite connect", () => {
  it("sends each line, prints each echo, and closes with 1000 at the end of input (exit 0)", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", `${peer.url}/echo`]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", /connected to ws:\/\/127\.0\.0\.1:\d+\/echo/);
      kite.write("hello\n");
      await kite.waitFor("stdout", "hello\n");
      kite.write("wörld 🌍\n");
      await kite.waitFor("stdout", "wörld 🌍\n");
      kite.end();
      assert.equal(await kite.exited(), 0);
      // In a pipe, stdout carries the payloads only: no "< " marks, no colors.
      assert.equal(kite.stdout, "hello\nwörld 🌍\n");
      assert.deepEqual(await within(connection.closed, 5_000, "the close"), { code: 1000, reason: "" });
      assert.match(kite.stderr, /closed: 1000/);
      assert.ok(!kite.stderr.includes("\x1b["), "no ANSI codes in a pipe");
    }),
  );

  it("never prints the password of a URL, connected or not", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", `ws://alice:hunter2@127.0.0.1:${peer.port}/echo`]);
      await kite.waitFor("stderr", /connected to ws:\/\/alice:\*\*\*@127\.0\.0\.1:\d+\/echo/);
      kite.end();
      assert.equal(await kite.exited(), 0);
      const refused = spawnKite(["connect", `ws://alice:hunter2@127.0.0.1:${await unusedPort()}/`]);
      assert.equal(await refused.exited(), 1);
      assert.match(refused.stderr, /cannot connect to ws:\/\/alice:\*\*\*@/);
      for (const output of [kite.stdout, kite.stderr, refused.stdout, refused.stderr]) assert.ok(!output.includes("hunter2"), output);
    }),
  );

  it("sends everything piped in before closing", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const received: string[] = [];
      peer.server.on("connection", (socket) => socket.on("message", (data) => received.push(String(data))));
      const kite = spawnKite(["connect", peer.url]);
      const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
      kite.end(`${lines.join("\n")}\n`);
      assert.equal(await kite.exited(), 0);
      assert.deepEqual(received, lines);
      assert.equal(kite.stdout, `${lines.join("\n")}\n`);
    }),
  );

  it("a bare host:port gets ws://", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", `127.0.0.1:${peer.port}/x`]);
      kite.end("hi\n");
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "hi\n");
      assert.equal((await peer.nextConnection()).request.url, "/x");
    }),
  );

  it("prints the server's close code and reason and exits 3 for a code other than 1000/1001", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", "connected");
      connection.socket.close(4001, "go away, you");
      assert.equal(await kite.exited(), 3);
      assert.match(kite.stderr, /closed: 4001 go away, you\n/);
      // We answered the close handshake with the same code.
      assert.equal((await connection.closed).code, 4001);
    }),
  );

  it("exits 0 when the server closes with 1000", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", "connected");
      connection.socket.send("bye now");
      connection.socket.close(1000, "done");
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "bye now\n");
      assert.match(kite.stderr, /closed: 1000 done/);
    }),
  );

  it("exits 3 when the connection is lost without a close handshake (1006)", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", "connected");
      connection.socket.terminate();
      assert.equal(await kite.exited(), 3);
      assert.match(kite.stderr, /closed: 1006/);
      assert.match(kite.stderr, /ConnectionClosedError/);
    }),
  );

  it("exits 3 after a ping timeout when the server does not answer pings", TEST, () =>
    withPeer(startWsPeer(undefined, { autoPong: false }), async (peer) => {
      const kite = spawnKite(["connect", peer.url, "--ping", "100ms"]);
      assert.equal(await kite.exited(), 3);
      assert.match(kite.stderr, /No pong within 200 ms/);
      assert.match(kite.stderr, /PingTimeoutError/);
    }),
  );

  it("--ping sends pings", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url, "--ping", "50"]);
      const connection = await peer.nextConnection();
      await within(new Promise((resolve) => connection.socket.once("ping", resolve)), 5_000, "a ping");
      kite.end();
      assert.equal(await kite.exited(), 0);
    }),
  );

  it("exits 1 with the error when the connection is refused", TEST, async () => {
    const port = await unusedPort();
    const kite = spawnKite(["connect", `ws://127.0.0.1:${port}/`]);
    assert.equal(await kite.exited(), 1);
    assert.match(kite.stderr, new RegExp(`cannot connect to ws://127\\.0\\.0\\.1:${port}/: .*ECONNREFUSED`));
    assert.equal(kite.stdout, "");
  });

  it("exits 1 with the HTTP status and body when the server refuses the handshake", TEST, async () => {
    const server: Server = createServer((_, response) => {
      response.writeHead(403, { "content-type": "text/plain" }).end("no entry without a ticket");
    });
    server.on("upgrade", (_, socket) => {
      socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 25\r\nConnection: close\r\n\r\nno entry without a ticket");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const kite = spawnKite(["connect", `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`]);
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, /WebSocketHandshakeError: .*403/);
      assert.match(kite.stderr, /no entry without a ticket/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("--connect-timeout gives up on a server that never answers (exit 1)", TEST, async () => {
    const silent = await silentServer();
    try {
      const kite = spawnKite(["connect", `ws://127.0.0.1:${silent.port}/`, "--connect-timeout", "200ms"]);
      assert.equal(await kite.exited(), 1);
      assert.match(kite.stderr, /ConnectTimeoutError/);
    } finally {
      await silent.close();
    }
  });

  it("--binary hex sends binary frames and prints binary frames in hex", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const received: { data: Buffer; isBinary: boolean }[] = [];
      peer.server.on("connection", (socket) =>
        socket.on("message", (data, isBinary) => received.push({ data: data as Buffer, isBinary })),
      );
      const kite = spawnKite(["connect", peer.url, "--binary", "hex"]);
      kite.end("01 02 ff\nzz\n0x00\n");
      assert.equal(await kite.exited(), 0);
      assert.deepEqual(
        received.map((m) => [m.isBinary, [...m.data]]),
        [
          [true, [1, 2, 255]],
          [true, [0]],
        ],
      );
      assert.equal(kite.stdout, "0102ff\n00\n");
      assert.match(kite.stderr, /not hex, not sent: "zz"/);
    }),
  );

  it("--binary base64 sends and prints base64", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url, "--binary", "base64"]);
      kite.end("AQL/\n");
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "AQL/\n");
    }),
  );

  it("prints received binary frames in hex without --binary", TEST, () =>
    withPeer(
      startWsPeer((socket) => socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true })),
      async (peer) => {
        const kite = spawnKite(["connect", peer.url]);
        await kite.waitFor("stdout", "deadbeef\n");
        kite.end();
        assert.equal(await kite.exited(), 0);
      },
    ),
  );

  it("--pretty pretty-prints text messages that are JSON and leaves the others alone", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url, "--pretty"]);
      kite.end('{"a":[1,2],"b":"c"}\nnot json\n');
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, `${JSON.stringify({ a: [1, 2], b: "c" }, null, 2)}\nnot json\n`);
    }),
  );

  it("-H headers and -s subprotocols reach the server", TEST, () =>
    withPeer(startWsPeer(undefined, { handleProtocols: (protocols) => (protocols.has("chat.v2") ? "chat.v2" : false) }), async (peer) => {
      const kite = spawnKite([
        "connect",
        peer.url,
        "-H",
        "X-Token: abc 123",
        "--header",
        "X-Other:two",
        "-s",
        "chat.v1",
        "--subprotocol",
        "chat.v2",
      ]);
      const { request, socket } = await peer.nextConnection();
      assert.equal(request.headers["x-token"], "abc 123");
      assert.equal(request.headers["x-other"], "two");
      assert.equal(request.headers["sec-websocket-protocol"], "chat.v1, chat.v2");
      assert.equal(socket.protocol, "chat.v2");
      await kite.waitFor("stderr", "(subprotocol chat.v2)");
      kite.end();
      assert.equal(await kite.exited(), 0);
    }),
  );

  it("SIGINT closes with 1001 and exits 0", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", peer.url]);
      const connection = await peer.nextConnection();
      await kite.waitFor("stderr", "connected");
      kite.signal("SIGINT");
      assert.equal(await kite.exited(), 0);
      assert.equal((await connection.closed).code, 1001);
    }),
  );

  it("Ctrl-C while connecting gives up connecting (exit 130, no connect failure told)", TEST, async () => {
    const silent = await silentServer();
    try {
      const connected = new Promise((resolve) => silent.server.once("connection", resolve));
      const kite = spawnKite(["connect", `ws://127.0.0.1:${silent.port}/`]);
      await within(connected, 5_000, "kite's connection");
      kite.signal("SIGINT");
      assert.equal(await kite.exited(3_000), 130);
      assert.doesNotMatch(kite.stderr, /cannot connect/);
    } finally {
      await silent.close();
    }
  });

  it("a server that never answers the close: Ctrl-C stops waiting (exit 130)", TEST, async () => {
    const deaf = await deafServer();
    try {
      const kite = spawnKite(["connect", deaf.url]);
      await kite.waitFor("stderr", "connected");
      kite.end(); // kite closes with 1000 and waits for an answer that never comes
      await new Promise((resolve) => setTimeout(resolve, 300));
      kite.signal("SIGINT");
      assert.equal(await kite.exited(3_000), 130);
    } finally {
      await deaf.close();
    }
  });

  it("a second Ctrl-C cuts the connection when the server does not answer the first (exit 130)", TEST, async () => {
    const deaf = await deafServer();
    try {
      const kite = spawnKite(["connect", deaf.url]);
      await kite.waitFor("stderr", "connected");
      kite.signal("SIGINT");
      // A repeat within half a second counts as the same Ctrl-C (npm forwards the terminal's).
      await new Promise((resolve) => setTimeout(resolve, 600));
      kite.signal("SIGINT");
      assert.equal(await kite.exited(3_000), 130);
    } finally {
      await deaf.close();
    }
  });

  it("-q prints no status lines for a normal session", TEST, () =>
    withPeer(startWsPeer(), async (peer) => {
      const kite = spawnKite(["connect", "-q", peer.url]);
      kite.end("x\n");
      assert.equal(await kite.exited(), 0);
      assert.equal(kite.stdout, "x\n");
      assert.equal(kite.stderr, "");
    }),
  );

  it("--wait keeps printing after the end of input", TEST, () =>
    withPeer(
      startWsPeer((socket) => socket.on("message", (data) => setTimeout(() => socket.send(`late ${String(data)}`), 100))),
      async (peer) => {
        const kite = spawnKite(["connect", peer.url, "--wait", "1s"]);
        kite.end("a\n");
        // The server closes nothing: kite closes after the wait, having printed the late answer.
        await kite.waitFor("stdout", "late a\n");
        assert.equal(await kite.exited(), 0);
      },
    ),
  );

  // The library refuses these headers too, naming its API (the protocols option); kite names its flags.
  for (const [header, message] of [
    ["Sec-WebSocket-Protocol: chat.v1", /^kite connect: -H Sec-WebSocket-Protocol: use -s \/ --subprotocol <name> to offer a subprotocol/],
    ["sec-websocket-extensions: permessage-deflate", /^kite connect: -H sec-websocket-extensions: the handshake sets it itself/],
    ["Sec-WebSocket-Key: x", /^kite connect: -H Sec-WebSocket-Key: the handshake sets it itself/],
    ["Sec-WebSocket-Version: 8", /^kite connect: -H Sec-WebSocket-Version: the handshake sets it itself/],
    ["Upgrade: websocket", /^kite connect: -H Upgrade: the handshake sets it itself/],
    ["Connection: keep-alive", /^kite connect: -H Connection: the handshake sets it itself/],
  ] as const) {
    it(`-H ${header}: a usage error (exit 2) naming kite's flags, before connecting`, TEST, async () => {
      const listener = await silentServer();
      let connections = 0;
      listener.server.on("connection", () => connections++);
      try {
        const kite = spawnKite(["connect", "-H", header, `ws://127.0.0.1:${listener.port}/`]);
        assert.equal(await kite.exited(), 2);
        assert.match(kite.stderr, message);
        assert.doesNotMatch(kite.stderr, /protocols option|ws\.extensions/);
        assert.match(kite.stderr, /Try 'kite connect --help'/);
        assert.equal(kite.stdout, "");
        assert.equal(connections, 0, "kite connected before refusing the header");
      } finally {
        await listener.close();
      }
    });
  }

  for (const [args, message] of [
    [["connect"], /missing <url>/],
    [["connect", "ftp://x/"], /scheme/],
    [["connect", "ws://x/", "ws://y/"], /unexpected argument/],
    [["connect", "ws://x/", "-H", "no colon"], /Name: value/],
    [["connect", "ws://x/", "-H", "Upgrade: h2c"], /-H Upgrade: the handshake sets it itself/],
    [["connect", "ws://x/", "-s", "bad name"], /Invalid subprotocol/],
    [["connect", "ws://x/", "--ping", "soon"], /--ping takes milliseconds/],
    [["connect", "ws://x/", "--binary", "octal"], /--binary takes hex, base64 or raw, got "octal"/],
    [["connect", "ws://x/", "--frobnicate"], /unknown option '--frobnicate'/],
    [["connect", "ws://x/", "-H"], /--header is missing its value: it takes "Name: value"/],
  ] as const) {
    it(`usage error (exit 2): kite ${args.join(" ")}`, TEST, async () => {
      const kite = spawnKite(args);
      assert.equal(await kite.exited(), 2);
      assert.match(kite.stderr, message);
      assert.match(kite.stderr, /Try 'kite connect --help'/);
      assert.equal(kite.stdout, "");
    });
  }
});

