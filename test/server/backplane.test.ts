// serve({ backplane }) with a backplane of the test's own (no Redis): when it is started and closed,
// what publish hands it, what it delivers, and that its failures reach onError, not the publisher.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { Frame } from "../../src/index.js";
import { serve, type Backplane, type BackplanePayload } from "../../src/server/index.js";
import { waitFor, within } from "../helpers/ws-peer.js";

const T = { timeout: 15_000 };

/** A backplane that records what it is given, and can be made to throw. */
function fakeBackplane(options: { throwOnPublish?: boolean } = {}) {
  const log: string[] = [];
  const published: { topic: string; payload: BackplanePayload }[] = [];
  let deliver: ((topic: string, payload: BackplanePayload) => void) | null = null;
  let onError: ((error: unknown) => void) | null = null;
  const backplane: Backplane = {
    start(d, e) {
      log.push("start");
      deliver = d;
      onError = e;
      return new Promise((resolve) => setTimeout(resolve, 20));
    },
    publish(topic, payload) {
      published.push({ topic, payload });
      if (options.throwOnPublish) throw new Error("backplane publish failed");
    },
    close() {
      log.push("close");
      return Promise.resolve();
    },
  };
  return { backplane, log, published, deliver: (topic: string, payload: BackplanePayload) => deliver!(topic, payload), fail: (error: unknown) => onError!(error) };
}

/** A server on `backplane` whose /feed sessions subscribe to "t" and say "ready"; `errors` gets what onError got. */
async function feedServer(backplane: Backplane) {
  const errors: unknown[] = [];
  const server = await serve({ backplane, onError: (error) => errors.push(error) }, (routes) =>
    routes.webSocket("/feed", async (session) => {
      session.subscribe("t");
      await session.send("ready");
      for await (const frame of session.incoming) void frame;
    }),
  );
  return { server, errors };
}

async function subscriber(url: string): Promise<{ socket: WebSocket; messages: string[] }> {
  const socket = new WebSocket(url);
  const messages: string[] = [];
  socket.on("error", () => {});
  await within(new Promise<void>((resolve) => socket.on("message", (data, binary) => {
    const text = binary ? `bytes:${[...(data as Buffer)].join(",")}` : data.toString();
    if (text === "ready") resolve();
    else messages.push(text);
  })), 3_000, "ready");
  return { socket, messages };
}

test("the backplane starts before serve() resolves, gets what publish sends, delivers others' messages, closes with the server", T, async () => {
  const fake = fakeBackplane();
  const { server, errors } = await feedServer(fake.backplane);
  try {
    assert.deepEqual(fake.log, ["start"]);
    const client = await subscriber(`${server.url}/feed`);
    assert.equal(server.publish("t", "local"), 1);
    assert.equal(server.publish("t", new Uint8Array([1, 2])), 1);
    assert.equal(server.publish("t", new Frame.Text("as a frame")), 1);
    assert.deepEqual(fake.published, [
      { topic: "t", payload: "local" },
      { topic: "t", payload: new Uint8Array([1, 2]) },
      { topic: "t", payload: "as a frame" },
    ]);
    fake.deliver("t", "remote");
    fake.deliver("t", new Uint8Array([9]));
    fake.deliver("nobody", "x");
    await waitFor(() => client.messages.length >= 5, 3_000, "every message");
    assert.deepEqual(client.messages, ["local", "bytes:1,2", "as a frame", "remote", "bytes:9"]);
    fake.fail(new Error("connection lost"));
    assert.deepEqual(errors.map((error) => (error as Error).message), ["connection lost"]);
    client.socket.close();
  } finally {
    await server.close();
  }
  assert.deepEqual(fake.log, ["start", "close"]);
});

test("a backplane whose publish throws: publish still delivers locally and returns, onError gets the error", T, async () => {
  const fake = fakeBackplane({ throwOnPublish: true });
  const { server, errors } = await feedServer(fake.backplane);
  try {
    const client = await subscriber(`${server.url}/feed`);
    assert.equal(server.publish("t", "still here"), 1);
    await waitFor(() => client.messages.length >= 1, 3_000, "the local message");
    assert.deepEqual(client.messages, ["still here"]);
    assert.deepEqual(errors.map((error) => (error as Error).message), ["backplane publish failed"]);
    client.socket.close();
  } finally {
    await server.close();
  }
});
