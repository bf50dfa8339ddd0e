// Typed messages over MockEngine (no sockets): receiveDeserialized(schema), messages(schema, options)
// and sendSerialized(value, schema) with zod, valibot and hand-written Standard Schemas.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ClosedReceiveChannelError,
  ConverterNotFoundError,
  DeserializationError,
  Frame,
  HttpClient,
  JsonConverter,
  SchemaValidationError,
  WebSocketError,
  WebSockets,
  type DefaultWebSocketSession,
  type InvalidMessageError,
  type MessagesOptions,
} from "../../src/index.js";
import { type StandardSchemaV1 } from "../../src/serialization/standard-schema.js";
import { MockEngine, type MockServerHandler, type MockServerSession } from "../../src/testing/index.js";
import { ValibotCount, ZodChat, asyncDigits, misbehaving } from "./schema-helpers.js";

const T = { timeout: 10_000 };
const URL_ = "ws://mock.test/chat";

function jsonClient(engine: MockEngine, converter: JsonConverter | null = new JsonConverter()): HttpClient {
  return new HttpClient(engine, (config) => config.install(WebSockets, (ws) => (ws.contentConverter = converter)));
}

/** A client session whose server sends `texts` as Text frames, then waits for the client to close. */
async function sessionReceiving(texts: readonly string[]): Promise<{ session: DefaultWebSocketSession; client: HttpClient }> {
  const handler: MockServerHandler = async (server) => {
    for (const text of texts) await server.send(text);
    await server.closeReason;
  };
  const client = jsonClient(new MockEngine(handler));
  return { session: await client.webSocketSession(URL_), client };
}

/** A client session and the server's end of it, driven by the test. */
async function connectedPair(converter: JsonConverter | null = new JsonConverter()): Promise<{
  session: DefaultWebSocketSession;
  server: MockServerSession;
  client: HttpClient;
}> {
  const engine = new MockEngine({ server: { converter: new JsonConverter() } });
  const client = jsonClient(engine, converter);
  const [session, { server }] = await Promise.all([client.webSocketSession(URL_), engine.nextConnection()]);
  return { session, server, client };
}

async function nextText(server: MockServerSession): Promise<string> {
  const frame = await server.incoming.receive();
  assert.ok(frame instanceof Frame.Text);
  return frame.readText();
}

const chat = (user: string, text: string, sentAt = "2024-05-01T10:00:00.000Z"): string => JSON.stringify({ user, text, sentAt });

describe("receiveDeserialized(schema)", () => {
  test("gives the schema's output; an invalid message rejects with SchemaValidationError and the session goes on", T, async () => {
    const invalid = JSON.stringify({ user: "", text: "x", sentAt: 5 });
    const { session, client } = await sessionReceiving([chat("ann", "hi"), invalid, chat("bob", "yo")]);

    const first = await session.receiveDeserialized(ZodChat);
    assert.equal(first.user, "ann");
    assert.ok(first.sentAt instanceof Date);
    assert.equal(first.sentAt.toISOString(), "2024-05-01T10:00:00.000Z");

    const error = await session.receiveDeserialized(ZodChat).then(
      () => assert.fail("an invalid message must reject"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SchemaValidationError);
    assert.ok(error instanceof WebSocketError);
    assert.ok(!(error instanceof DeserializationError), "the frame parsed; the value is what failed");
    assert.equal(error.name, "SchemaValidationError");
    assert.deepEqual(error.issues.map((issue) => issue.path), [["user"], ["sentAt"]]);
    assert.ok(error.frame instanceof Frame.Text);
    assert.equal(error.frame.readText(), invalid);
    assert.match(error.message, /^Received message failed zod validation: user: .+; sentAt: .+/);

    // Nothing was closed: the next message comes as usual.
    assert.equal(session.incoming.isClosedForReceive, false);
    assert.equal((await session.receiveDeserialized(ZodChat)).user, "bob");
    await session.close();
    client.close();
  });

  test("without a schema it is unchanged: the parsed value as T, and DeserializationError for bad JSON", T, async () => {
    const { session, client } = await sessionReceiving(['{"price":1.5}', "not json", '{"price":2}']);
    const typed = await session.receiveDeserialized<{ price: number }>();
    assert.deepEqual(typed, { price: 1.5 });
    await assert.rejects(session.receiveDeserialized(), DeserializationError);
    assert.deepEqual(await session.receiveDeserialized(), { price: 2 });
    await session.close();
    client.close();
  });

  test("with a schema, bad JSON is still a DeserializationError (the schema never sees it)", T, async () => {
    const { session, client } = await sessionReceiving(["{oops", '{"count":"7"}']);
    await assert.rejects(session.receiveDeserialized(ValibotCount), DeserializationError);
    assert.deepEqual(await session.receiveDeserialized(ValibotCount), { count: 7, room: "lobby" });
    await session.close();
    client.close();
  });

  test("an asynchronous validate works, and its failures reject the same way", T, async () => {
    const { session, client } = await sessionReceiving(['"42"', '"4x"', '"7"']);
    const digits = asyncDigits();
    assert.equal(await session.receiveDeserialized(digits), 42);
    await assert.rejects(session.receiveDeserialized(digits), (error: unknown) => {
      assert.ok(error instanceof SchemaValidationError);
      assert.equal(error.message, "Received message failed hand-written validation: Expected a string of digits");
      return true;
    });
    assert.equal(await session.receiveDeserialized(digits), 7);
    await session.close();
    client.close();
  });

  test("a validate that throws, rejects or answers nonsense gives SchemaValidationError with the reason; the session goes on", T, async () => {
    const { session, client } = await sessionReceiving(["1", "2", "3", "4", '"ok"']);
    const cases: [StandardSchemaV1, RegExp][] = [
      [misbehaving(() => { throw new RangeError("bug in a refinement"); }), /validate\(\) threw RangeError: bug in a refinement/],
      [misbehaving(() => Promise.reject(new Error("lookup failed"))), /validate\(\) threw Error: lookup failed/],
      [misbehaving(() => 42), /validate\(\) threw TypeError: validate\(\) gave 42 instead of a result/],
      [misbehaving(() => Promise.resolve(undefined)), /gave undefined instead of a result/],
    ];
    for (const [schema, message] of cases) {
      const error = await session.receiveDeserialized(schema).then(() => assert.fail("must reject"), (e: unknown) => e);
      assert.ok(error instanceof SchemaValidationError, String(error));
      assert.match(error.message, /^Received message could not be validated: the broken schema's validate\(\) threw/);
      assert.match(error.message, message);
      assert.ok(error.cause instanceof Error);
      assert.equal(error.issues.length, 1);
      assert.ok(error.frame instanceof Frame.Text);
    }
    assert.equal(await session.receiveDeserialized<string>(), "ok");
    await session.close();
    client.close();
  });

  test("the error's message names a few issues with their paths, clipped and on one line", T, async () => {
    const many: StandardSchemaV1 = misbehaving(() => ({
      issues: [
        { message: "Required", path: ["items", 3, { key: "name" }] },
        { message: `line one\nline two\u001b[31m ${"x".repeat(500)}`, path: [Symbol.for("meta")] },
        { message: "At root" },
        ...Array.from({ length: 40 }, (_, i) => ({ message: `issue ${i}`, path: [`k${i}`] })),
      ],
    }));
    const { session, client } = await sessionReceiving(['{"items":[]}']);
    const error = await session.receiveDeserialized(many).then(() => assert.fail("must reject"), (e: unknown) => e);
    assert.ok(error instanceof SchemaValidationError);
    assert.equal(error.issues.length, 43);
    assert.match(error.message, /: items\[3\]\.name: Required; Symbol\(meta\): line one line two \[31m x+…; At root; and 40 more$/);
    assert.ok(error.message.length < 500, `${error.message.length} characters`);
    assert.ok(!error.message.includes("\n") && !error.message.includes("\u001b"), "no line breaks or escape sequences");
    await session.close();
    client.close();
  });

  test("a value that is no schema is a TypeError, and takes no frame", T, async () => {
    const { session, client } = await sessionReceiving(['"still here"']);
    await assert.rejects(session.receiveDeserialized({} as StandardSchemaV1), TypeError);
    await assert.rejects(session.receiveDeserialized(null as unknown as StandardSchemaV1), TypeError);
    assert.throws(() => session.messages({ "~standard": {} } as StandardSchemaV1), TypeError);
    assert.equal(await session.receiveDeserialized<string>(), "still here");
    await session.close();
    client.close();
  });

  test("without a converter: ConverterNotFoundError, and no frame is taken", T, async () => {
    const { session, server, client } = await connectedPair(null);
    await server.send('"hello"');
    await assert.rejects(session.receiveDeserialized(ZodChat), ConverterNotFoundError);
    assert.throws(() => session.messages(ZodChat), ConverterNotFoundError);
    await assert.rejects(session.sendSerialized({ user: "a", text: "b", sentAt: "c" }, ZodChat), ConverterNotFoundError);
    const frame = await session.incoming.receive();
    assert.ok(frame instanceof Frame.Text);
    assert.equal(frame.readText(), '"hello"');
    await session.close();
    client.close();
  });
});

describe("messages(schema, options)", () => {
  test("yields the schema's output and ends when incoming ends", T, async () => {
    const client = jsonClient(new MockEngine(async (server) => {
      for (const count of ["1", "2", "3"]) await server.send(JSON.stringify({ count, room: "kites" }));
    }));
    const session = await client.webSocketSession(URL_);
    const seen: { count: number; room: string }[] = [];
    for await (const message of session.messages(ValibotCount)) seen.push(message);
    assert.deepEqual(seen, [1, 2, 3].map((count) => ({ count, room: "kites" })));
    assert.equal(session.incoming.isClosedForReceive, true);
    client.close();
  });

  test("an invalid message rejects next() with SchemaValidationError; a new messages() goes on after it", T, async () => {
    const { session, client } = await sessionReceiving(['{"count":"1"}', '{"count":"one"}', '{"count":"2"}']);
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const message of session.messages(ValibotCount)) seen.push(message.count);
    }, (error: unknown) => {
      assert.ok(error instanceof SchemaValidationError);
      assert.match(error.message, /^Received message failed valibot validation: count: /);
      assert.equal((error.frame as Frame.Text).readText(), '{"count":"one"}');
      return true;
    });
    assert.deepEqual(seen, [1]);
    const again = await session.messages(ValibotCount).next();
    assert.deepEqual(again, { value: { count: 2, room: "lobby" }, done: false });
    await session.close();
    client.close();
  });

  test("onInvalid reports and skips messages that fail the schema or do not parse", T, async () => {
    const client = jsonClient(new MockEngine(async (server) => {
      for (const text of [chat("ann", "hi"), "{not json", chat("", "who?"), chat("bob", "x".repeat(201)), chat("cat", "bye")]) {
        await server.send(text);
      }
    }));
    const session = await client.webSocketSession(URL_);
    const reported: InvalidMessageError[] = [];
    const texts: string[] = [];
    for await (const message of session.messages(ZodChat, { onInvalid: (error) => reported.push(error) })) {
      texts.push(`${message.user}: ${message.text} @ ${message.sentAt.getUTCHours()}h`);
    }
    assert.deepEqual(texts, ["ann: hi @ 10h", "cat: bye @ 10h"]);
    assert.deepEqual(reported.map((error) => error.constructor), [DeserializationError, SchemaValidationError, SchemaValidationError]);
    assert.deepEqual((reported[2] as SchemaValidationError).issues.map((issue) => issue.path), [["text"]]);
    client.close();
  });

  test("options that are not an object, or an onInvalid that is not a function, are a TypeError naming them; no frame is taken", T, async () => {
    const { session, client } = await sessionReceiving(['"still here"']);
    assert.throws(() => session.messages(null, 5 as MessagesOptions), {
      name: "TypeError",
      message: "messages(schema, options): options must be an object { onInvalid? }; got 5 (a number)",
    });
    assert.throws(() => session.messages(null, null as unknown as MessagesOptions), { name: "TypeError", message: /: options must be an object/ });
    assert.throws(() => session.messages(null, { onInvalid: 1 } as unknown as MessagesOptions), {
      name: "TypeError",
      message: "messages(schema, options): options.onInvalid must be a function (error) => void; got 1 (a number)",
    });
    assert.equal(await session.receiveDeserialized<string>(), "still here");
    await session.close();
    client.close();
  });

  test("an onInvalid that throws rejects next() with its error", T, async () => {
    const { session, client } = await sessionReceiving(['{"count":"x"}', '{"count":"5"}']);
    const iterator = session.messages(ValibotCount, { onInvalid: () => { throw new Error("stop here"); } });
    await assert.rejects(iterator.next(), /stop here/);
    assert.deepEqual(await iterator.next(), { value: { count: 5, room: "lobby" }, done: false });
    await session.close();
    client.close();
  });

  test("without a schema: deserialized values, and bad JSON goes to onInvalid", T, async () => {
    const client = jsonClient(new MockEngine(async (server) => {
      for (const text of ["1", "[2]", "nope", '{"three":3}']) await server.send(text);
    }));
    const session = await client.webSocketSession(URL_);
    const reported: unknown[] = [];
    const values: unknown[] = [];
    for await (const value of session.messages(null, { onInvalid: (error) => reported.push(error) })) values.push(value);
    assert.deepEqual(values, [1, [2], { three: 3 }]);
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof DeserializationError);
    client.close();
  });

  test("throws what incoming throws when the connection is lost", T, async () => {
    const { session, server, client } = await connectedPair();
    const iterator = session.messages(ValibotCount);
    await server.send('{"count":"1"}');
    assert.deepEqual(await iterator.next(), { value: { count: 1, room: "lobby" }, done: false });
    const waiting = iterator.next();
    server.terminate();
    await assert.rejects(waiting, (error: unknown) => error instanceof ClosedReceiveChannelError && error.cause instanceof Error);
    await assert.rejects(session.incoming[Symbol.asyncIterator]().next(), ClosedReceiveChannelError);
    client.close();
  });

  test("an asynchronous validate keeps the messages' order, even with next() called before the last one settled", T, async () => {
    // Earlier messages take longer to validate, so answers would come back in reverse order.
    const digits = asyncDigits((n) => 40 - n * 10);
    const { session, client } = await sessionReceiving(['"1"', '"2"', '"x"', '"3"']);
    const iterator = session.messages(digits);
    const settled: string[] = [];
    const track = (name: string, promise: Promise<IteratorResult<number>>) =>
      promise.then(
        (result) => (settled.push(name), result),
        (error: unknown) => (settled.push(name), Promise.reject(error)),
      );
    const calls = [track("a", iterator.next()), track("b", iterator.next()), track("c", iterator.next()), track("d", iterator.next())];
    assert.deepEqual(await calls[0], { value: 1, done: false });
    assert.deepEqual(await calls[1], { value: 2, done: false });
    await assert.rejects(calls[2], SchemaValidationError);
    assert.deepEqual(await calls[3], { value: 3, done: false });
    assert.deepEqual(settled, ["a", "b", "c", "d"]);
    await session.close();
    client.close();
  });

  test("an asynchronous validate with onInvalid skips, in order, over buffered and awaited frames", T, async () => {
    const { session, server, client } = await connectedPair();
    const reported: unknown[] = [];
    const iterator = session.messages(asyncDigits((n) => n), { onInvalid: (error) => reported.push(error) });
    for (const text of ['"3"', '"no"', '"1"']) await server.send(text);
    assert.deepEqual(await iterator.next(), { value: 3, done: false });
    assert.deepEqual(await iterator.next(), { value: 1, done: false });
    const waiting = iterator.next();
    await server.send('"bad"');
    await server.send('"2"');
    assert.deepEqual(await waiting, { value: 2, done: false });
    assert.equal(reported.length, 2);
    await server.close();
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    client.close();
  });

  test("many buffered messages with a synchronous schema come in order", T, async () => {
    const { session, server, client } = await connectedPair();
    // Sent while the client reads: incoming holds 64 frames, and a full one holds the sender back.
    const sending = (async () => {
      for (let i = 0; i < 500; i++) await server.send(JSON.stringify({ count: String(i) }));
      await server.close();
    })();
    let expected = 0;
    for await (const message of session.messages(ValibotCount)) assert.equal(message.count, expected++);
    assert.equal(expected, 500);
    await sending;
    client.close();
  });
});

describe("sendSerialized(value, schema)", () => {
  test("sends the value as given once it passes (the schema's input, not its output), so the peer's same schema reads it", T, async () => {
    const { session, server, client } = await connectedPair();
    await session.sendSerialized({ count: "3" }, ValibotCount);
    // Not {"count":3,"room":"lobby"}: the transform and the default are the receiver's to apply.
    assert.equal(await nextText(server), '{"count":"3"}');
    await session.sendSerialized({ count: "4", room: "kites" }, ValibotCount);
    assert.deepEqual(await server.receiveDeserialized(ValibotCount), { count: 4, room: "kites" });
    await session.close();
    client.close();
  });

  test("an invalid value rejects with SchemaValidationError (frame null) and nothing is sent", T, async () => {
    const { session, server, client } = await connectedPair();
    const error = await session.sendSerialized({ count: "three" }, ValibotCount).then(() => assert.fail("must reject"), (e: unknown) => e);
    assert.ok(error instanceof SchemaValidationError);
    assert.equal(error.frame, null);
    assert.match(error.message, /^Not sent: the value failed valibot validation: count: /);
    await assert.rejects(session.sendSerialized({ user: "", text: "", sentAt: "now" }, ZodChat), SchemaValidationError);
    await session.send("after");
    assert.equal(await nextText(server), "after");
    await session.close();
    client.close();
  });

  test("an asynchronous schema: sent once it passes, nothing sent when it fails or throws", T, async () => {
    const { session, server, client } = await connectedPair();
    await assert.rejects(session.sendSerialized("1x", asyncDigits()), SchemaValidationError);
    await assert.rejects(
      session.sendSerialized("1", misbehaving(() => Promise.reject(new Error("offline")))),
      /^SchemaValidationError: Not sent: the value could not be validated: the broken schema's validate\(\) threw Error: offline$/,
    );
    await assert.rejects(session.sendSerialized("1", misbehaving(() => { throw new Error("sync bug"); })), SchemaValidationError);
    await session.sendSerialized("12", asyncDigits());
    assert.equal(await nextText(server), '"12"');
    await session.close();
    client.close();
  });

  test("the server's session has the same methods", T, async () => {
    const reported: unknown[] = [];
    const engine = new MockEngine(async (server) => {
      for await (const message of server.messages(ZodChat, { onInvalid: (error) => reported.push(error) })) {
        await server.sendSerialized({ count: String(message.text.length), room: message.user }, ValibotCount);
        await assert.rejects(server.sendSerialized({ count: "-1" }, ValibotCount), SchemaValidationError);
      }
    }, { server: { converter: new JsonConverter() } });
    const client = jsonClient(engine);
    const session = await client.webSocketSession(URL_);
    await session.send(chat("ann", "hello"));
    await session.send(chat("", "nobody"));
    await session.sendSerialized({ user: "bob", text: "hi", sentAt: "2024-05-01T10:00:00.000Z" }, ZodChat);
    assert.deepEqual(await session.receiveDeserialized(ValibotCount), { count: 5, room: "ann" });
    assert.deepEqual(await session.receiveDeserialized(ValibotCount), { count: 2, room: "bob" });
    await session.close();
    assert.equal(reported.length, 1);
    assert.ok(reported[0] instanceof SchemaValidationError);
    assert.deepEqual(engine.errors, []);
    client.close();
  });
});
