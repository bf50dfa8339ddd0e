// Type-level tests of typed messages: they are checked when the test build compiles (a wrong type
// fails `npm test` there); the function holding them never runs.
import { test } from "node:test";
import { expectTypeOf } from "expect-type";
import { z } from "zod";
import * as v from "valibot";
import type {
  DefaultWebSocketSession,
  MessagesOptions,
  SchemaValidationError,
  WebSocketSession,
} from "../../src/index.js";
import type { ReconnectingWebSocketSession } from "../../src/plugins/reconnect/index.js";
import type { InferInput, InferOutput, StandardSchemaV1, StandardSchemaV1Issue } from "../../src/serialization/standard-schema.js";
import type { DefaultWebSocketServerSession } from "../../src/server/index.js";

// Input and output differ: a transform (zod), a transform and a default (valibot).
const ZodChat = z.object({
  user: z.string().min(1),
  sentAt: z.string().transform((text) => new Date(text)),
});
interface ZodChatIn {
  user: string;
  sentAt: string;
}
interface ZodChatOut {
  user: string;
  sentAt: Date;
}

const ValibotCount = v.object({
  count: v.pipe(v.string(), v.transform(Number)),
  room: v.optional(v.string(), "lobby"),
});

/** A hand-written schema, typed with our own declarations. */
declare const evenLength: StandardSchemaV1<string, number>;

type Session = WebSocketSession | ReconnectingWebSocketSession;

function typeChecks(session: Session, client: DefaultWebSocketSession, server: DefaultWebSocketServerSession): void {
  // The libraries' schemas are Standard Schemas, as our declarations see them.
  expectTypeOf(ZodChat).toExtend<StandardSchemaV1>();
  expectTypeOf(ValibotCount).toExtend<StandardSchemaV1>();
  expectTypeOf<InferInput<typeof ZodChat>>().toEqualTypeOf<ZodChatIn>();
  expectTypeOf<InferOutput<typeof ZodChat>>().toEqualTypeOf<ZodChatOut>();
  expectTypeOf<InferOutput<typeof evenLength>>().toEqualTypeOf<number>();

  // receiveDeserialized(schema) gives the schema's output.
  expectTypeOf(session.receiveDeserialized(ZodChat)).resolves.toEqualTypeOf<ZodChatOut>();
  expectTypeOf(session.receiveDeserialized(ValibotCount)).resolves.toEqualTypeOf<{ count: number; room: string }>();
  expectTypeOf(session.receiveDeserialized(evenLength)).resolves.toEqualTypeOf<number>();
  // @ts-expect-error the output's sentAt is a Date, not the string that was received
  expectTypeOf(session.receiveDeserialized(ZodChat)).resolves.toEqualTypeOf<ZodChatIn>();
  // @ts-expect-error a value that is no schema
  void session.receiveDeserialized({ validate: () => ({ value: 1 }) });

  // Without a schema, as before: T when given, unknown when not.
  expectTypeOf(session.receiveDeserialized<{ price: number }>()).resolves.toEqualTypeOf<{ price: number }>();
  expectTypeOf(session.receiveDeserialized()).resolves.toEqualTypeOf<unknown>();

  // messages(schema) yields the schema's output; messages<T>() yields T.
  expectTypeOf(session.messages(ZodChat)).toEqualTypeOf<AsyncIterableIterator<ZodChatOut>>();
  expectTypeOf(session.messages(ValibotCount, { onInvalid: () => {} })).toEqualTypeOf<AsyncIterableIterator<{ count: number; room: string }>>();
  expectTypeOf(session.messages<string>()).toEqualTypeOf<AsyncIterableIterator<string>>();
  expectTypeOf(session.messages(null, { onInvalid: () => {} })).toEqualTypeOf<AsyncIterableIterator<unknown>>();
  void (async () => {
    for await (const message of client.messages(ZodChat)) {
      expectTypeOf(message.sentAt).toEqualTypeOf<Date>();
      // @ts-expect-error no such field
      void message.text;
    }
  });
  expectTypeOf<Parameters<NonNullable<MessagesOptions["onInvalid"]>>[0]>().toExtend<Error>();

  // sendSerialized(value, schema) takes the schema's input.
  expectTypeOf(session.sendSerialized({ user: "ann", sentAt: "2024-05-01T10:00:00Z" }, ZodChat)).toEqualTypeOf<Promise<void>>();
  void session.sendSerialized({ count: "3" }, ValibotCount); // room has a default: optional in the input
  void session.sendSerialized("abcd", evenLength);
  // @ts-expect-error sentAt is a string in the input; the Date is the output
  void session.sendSerialized({ user: "ann", sentAt: new Date() }, ZodChat);
  // @ts-expect-error count is a string in the input
  void session.sendSerialized({ count: 3 }, ValibotCount);
  // @ts-expect-error the input is a string
  void session.sendSerialized(4, evenLength);
  // Without a schema, anything goes, as before.
  void session.sendSerialized({ anything: [1, 2, 3] });

  // A server route's session is a WebSocketSession: the same methods.
  expectTypeOf(server.receiveDeserialized(ZodChat)).resolves.toEqualTypeOf<ZodChatOut>();
  expectTypeOf(server.messages(ValibotCount)).toEqualTypeOf<AsyncIterableIterator<{ count: number; room: string }>>();

  // The error's fields.
  expectTypeOf<SchemaValidationError["issues"]>().toEqualTypeOf<readonly StandardSchemaV1Issue[]>();
  // @ts-expect-error issues are read-only
  (null as unknown as SchemaValidationError).issues.push({ message: "x" });
}

test("typed messages: the types hold (checked when this file compiles)", () => {
  expectTypeOf(typeChecks).toBeFunction();
});
