// Topics: session.subscribe / unsubscribe and server.publish, one frame for every subscriber, and what
// a subscriber that does not keep up gets (slowSubscriber "drop" or "close", never a growing buffer).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { Frame, WebSocketDeflateExtension } from "../../src/index.js";
import { serve, type DefaultWebSocketServerSession, type ServeOptions, type WebSocketServer } from "../../src/server/index.js";
import { within } from "../helpers/ws-peer.js";
import { sharedFormKeys } from "../../src/extensions/permessage-deflate/deflate-codec.js";

const T = { timeout: 15_000 };
const delay = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A server whose route subscribes each session to the topics in its query (`?topics=a,b`); "unsub:x" messages unsubscribe. */
async function topicServer(options: ServeOptions = {}): Promise<{ server: WebSocketServer; sessions: DefaultWebSocketServerSession[] }> {
  const sessions: DefaultWebSocketServerSession[] = [];
  const server = await serve({ host: "127.0.0.1", port: 0, ...options }, (routes) =>
    routes.webSocket("/feed", async (session, request) => {
      sessions.push(session);
      for (const topic of (request.url.searchParams.get("topics") ?? "").split(",").filter(Boolean)) session.subscribe(topic);
      await session.send("ready");
      for await (const frame of session.incoming) {
        const text = frame instanceof Frame.Text ? frame.readText() : "";
        if (text.startsWith("unsub:")) {
          session.unsubscribe(text.slice(6));
          await session.send(`unsubscribed ${text.slice(6)}`);
        }
      }
    }),
  );
  return { server, sessions };
}

/** A `ws` client that keeps every text message it gets. */
async function listener(url: string): Promise<{ socket: WebSocket; messages: string[] }> {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  socket.on("message", (data, binary) => messages.push(binary ? `binary:${(data as Buffer).length}` : data.toString()));
  socket.on("error", () => {});
  await within(new Promise<void>((resolve) => socket.on("message", function ready(data) {
    if (data.toString() === "ready") {
      socket.off("message", ready);
      resolve();
    }
  })), 3_000, "the server's ready");
  return { socket, messages };
}

describe("topics", () => {
  test("publish reaches every subscriber of the topic, in order, and no one else", T, async () => {
    const { server } = await topicServer();
    try {
      const a = await listener(`${server.url}/feed?topics=prices`);
      const b = await listener(`${server.url}/feed?topics=prices,news`);
      const c = await listener(`${server.url}/feed?topics=news`);
      // publish() never waits: a session takes what its outgoing channel holds (64 by default) per turn.
      for (let n = 0; n < 100; n++) {
        assert.equal(server.publish("prices", `tick ${n}`), 2);
        if (n % 50 === 49) await turn();
      }
      assert.equal(server.publish("news", new Uint8Array([1, 2, 3])), 2);
      assert.equal(server.publish("nobody", "x"), 0);
      const ticks = Array.from({ length: 100 }, (_, n) => `tick ${n}`);
      await within((async () => { while (a.messages.length < 101 || b.messages.length < 102 || c.messages.length < 2) await delay(5); })(), 3_000, "every message");
      assert.deepEqual(a.messages, ["ready", ...ticks]);
      assert.deepEqual(b.messages, ["ready", ...ticks, "binary:3"]);
      assert.deepEqual(c.messages, ["ready", "binary:3"]);
      for (const client of [a, b, c]) client.socket.close();
    } finally {
      await server.close();
    }
  });

  test("permessage-deflate: a published message is compressed once per setting, and each connection's own context stays right", T, async () => {
    const server = await serve({ host: "127.0.0.1", port: 0, extensions: (e) => e.install(WebSocketDeflateExtension) }, (routes) =>
      routes.webSocket("/feed", async (session) => {
        session.subscribe("t");
        await session.send("ready");
        // "own N": a message of this session's own, compressed by its own context, which refers back to
        // its earlier ones (the same words again) unless it forgot them after a published message.
        for await (const frame of session.incoming) if (frame instanceof Frame.Text) await session.send(`own message alpha beta gamma delta ${frame.readText()}`);
      }),
    );
    const clients: { socket: WebSocket; messages: string[]; agreed: string }[] = [];
    try {
      const settings = [{}, { serverNoContextTakeover: true }, { serverMaxWindowBits: 10 }, { serverMaxWindowBits: 10, serverNoContextTakeover: true }, false] as const;
      for (const perMessageDeflate of settings) {
        const socket = new WebSocket(`${server.url}/feed`, { perMessageDeflate });
        const messages: string[] = [];
        let agreed = "";
        socket.on("upgrade", (response) => (agreed = String(response.headers["sec-websocket-extensions"] ?? "")));
        socket.on("message", (data) => messages.push(data.toString()));
        socket.on("error", () => {});
        await within(new Promise<void>((resolve) => socket.on("message", function ready() {
          socket.off("message", ready);
          resolve();
        })), 3_000, "the server's ready");
        clients.push({ socket, messages, agreed });
      }
      assert.deepEqual(clients.map((c) => c.agreed), ["permessage-deflate", "permessage-deflate; server_no_context_takeover", "permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_no_context_takeover; server_max_window_bits=10", ""]);

      const expected: string[] = ["ready"];
      const frames: Frame[] = [];
      for (let n = 0; n < 20; n++) {
        const frame = new Frame.Text(`published price update ${n} `.repeat(1 + (n % 5)));
        frames.push(frame);
        assert.equal(server.publish("t", frame), clients.length);
        expected.push(frame.readText());
        for (const client of clients) client.socket.send(`${n}`);
        expected.push(`own message alpha beta gamma delta ${n}`);
        await within((async () => { while (clients.some((c) => c.messages.length < expected.length)) await delay(2); })(), 3_000, `round ${n}`);
      }
      for (const client of clients) assert.deepEqual(client.messages, expected, "every message inflates to what was sent, in order");
      // One compressed form per setting the subscribers agreed on (windows of 15 and 10 bits), whatever
      // their context takeover; the plain subscriber writes the frame's own bytes.
      for (const frame of frames) assert.deepEqual(sharedFormKeys(frame).sort(), ["permessage-deflate 6 10", "permessage-deflate 6 15"]);
    } finally {
      for (const client of clients) client.socket.terminate();
      await server.close();
    }
  });

  test("a subscriber with nothing queued is written to at once: the published message takes no room in its outgoing", T, async () => {
    const { server, sessions } = await topicServer({ channels: { outgoing: { capacity: 1, onOverflow: "suspend" } } });
    try {
      const a = await listener(`${server.url}/feed?topics=now`);
      await sessions[0].outgoing.send(new Frame.Text("flushed")); // the session's own queue, then empty
      await within(sessions[0].flush(), 3_000, "the flush");
      assert.equal(server.publish("now", "published"), 1);
      // Queued, it would fill the one slot until the next tick; written at once, the slot is free.
      assert.equal(sessions[0].outgoing.trySend(new Frame.Text("after")), true);
      await within((async () => { while (a.messages.length < 4) await delay(5); })(), 3_000, "every message");
      assert.deepEqual(a.messages, ["ready", "flushed", "published", "after"]);
      a.socket.close();
    } finally {
      await server.close();
    }
  });

  test("unsubscribe stops a topic; a session's topics end with it", T, async () => {
    const { server, sessions } = await topicServer();
    try {
      const a = await listener(`${server.url}/feed?topics=t1,t2`);
      assert.deepEqual([...sessions[0].topics].sort(), ["t1", "t2"]);
      a.socket.send("unsub:t1");
      await within((async () => { while (!a.messages.includes("unsubscribed t1")) await delay(5); })(), 3_000, "the unsubscribe");
      assert.equal(server.publish("t1", "no"), 0);
      assert.equal(server.publish("t2", "yes"), 1);
      a.socket.close();
      await within((async () => { while (server.routes.sessions.size > 0) await delay(5); })(), 3_000, "the session's end");
      assert.equal(server.publish("t2", "gone"), 0);
      assert.deepEqual([...sessions[0].topics], []);
    } finally {
      await server.close();
    }
  });

  test('slowSubscriber "drop": a subscriber that reads nothing misses messages, the others get all, nothing grows', T, async () => {
    const { server } = await topicServer({ channels: { outgoing: { capacity: 8, onOverflow: "suspend" } } });
    try {
      const fast = await listener(`${server.url}/feed?topics=big`);
      const slow = await listener(`${server.url}/feed?topics=big`);
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const payload = "x".repeat(64 * 1024);
      let delivered = 0;
      for (let n = 0; n < 400; n++) {
        delivered += server.publish("big", payload);
        // One message a turn, so the fast subscriber's writes drain between them.
        await turn();
        // Bounded: a fast subscriber that misses a message fails the assertion below instead of hanging.
        for (let waited = 0; fast.messages.length < n + 2 && waited < 1_000; waited++) await delay(1);
      }
      // Every message reached the fast one; the slow one took at most what its socket and queue hold.
      await within((async () => { while (fast.messages.length < 401) await delay(5); })(), 10_000, "every message at the fast subscriber");
      assert.ok(delivered < 800, `the slow subscriber took all ${delivered - 400}`);
      assert.ok(delivered - 400 < 200, `the slow subscriber took ${delivered - 400} of 400 without reading`);
      fast.socket.close();
      slow.socket.terminate();
    } finally {
      await server.close();
    }
  });

  test('slowSubscriber "close": a subscriber that cannot keep up is closed with 1013', T, async () => {
    const { server } = await topicServer({ slowSubscriber: "close", channels: { outgoing: { capacity: 8, onOverflow: "suspend" } } });
    try {
      const slow = await listener(`${server.url}/feed?topics=big`);
      const closed = new Promise<number>((resolve) => slow.socket.on("close", (code) => resolve(code)));
      (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const payload = "x".repeat(64 * 1024);
      for (let n = 0; n < 400 && server.routes.sessions.size > 0; n++) {
        server.publish("big", payload);
        await turn();
      }
      (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      assert.equal(await within(closed, 10_000, "the slow subscriber's close"), 1013);
    } finally {
      await server.close();
    }
  });

  test("wrong arguments are TypeErrors that name them", T, async () => {
    const { server, sessions } = await topicServer();
    try {
      const a = await listener(`${server.url}/feed`);
      assert.throws(() => server.publish("", "x"), /publish\(topic, content\): topic must be a topic name/);
      assert.throws(() => server.publish(5 as unknown as string, "x"), /topic must be a topic name/);
      assert.throws(() => server.publish("t", 42 as unknown as string), /content must be/);
      assert.throws(() => server.publish("t", new Frame.Ping(new Uint8Array(0))), /not a control frame or a fragment/);
      assert.throws(() => sessions[0].subscribe(null as unknown as string), /subscribe\(topic\): topic must be a topic name/);
      await assert.rejects(serve({ port: 0, slowSubscriber: "wait" as "drop" }, () => {}), /slowSubscriber must be "drop" or "close"/);
      a.socket.close();
    } finally {
      await server.close();
    }
  });
});
