import { Frame, bytesOf, type BinaryData } from "../protocol/frame.js";
import { typeError } from "../util/describe-value.js";
import { ConverterNotFoundError } from "../errors.js";
import { DeserializationError, SchemaValidationError } from "./serialization-errors.js";
import type { ReceiveChannel, SendChannel } from "../session/channel.js";
import type { WebSocketContentConverter } from "./converter.js";
import { requireSchema, validateWithSchema } from "./schema-validation.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

// The serialization methods of both session classes (WebSocketSession and the reconnecting session)
// are one-line calls into this file, so they behave alike.

/**
 * What `send` takes, as `WebSocket.send` does, plus frames: a string (a Text frame), an `ArrayBuffer`
 * or any view of one (a Binary frame of its exact bytes), or a `Frame` as it is.
 */
export type SendContent = string | BinaryData | Frame;

/** `send`'s content as a frame; a `TypeError` for anything `SendContent` does not name. */
export function contentToFrame(content: SendContent): Frame {
  if (typeof content === "string") return new Frame.Text(content);
  if (content instanceof Frame) return content;
  const bytes = bytesOf(content);
  if (bytes === null) {
    throw typeError("send(content): content", "a string, an ArrayBuffer, an ArrayBufferView (Uint8Array, Buffer, DataView, ...) or a Frame", content);
  }
  return new Frame.Binary(true, bytes);
}

/** `send(content)` of every session: the content as a frame into `outgoing`, or a rejection with the `TypeError`. */
export function sendContent(outgoing: SendChannel<Frame>, content: SendContent): Promise<void> {
  let frame: Frame;
  try {
    frame = contentToFrame(content);
  } catch (error) {
    return Promise.reject(error);
  }
  return outgoing.send(frame);
}

/** A frame given to `outgoing.send`, or a `TypeError` for anything that is not one. */
export function checkFrame(frame: unknown): asserts frame is Frame {
  if (!(frame instanceof Frame)) {
    throw typeError("outgoing.send(frame): frame", "a Frame (Frame.Text, Frame.Binary, ...; session.send() also takes strings and bytes)", frame);
  }
}

/** The frame carrying `value`, for `sendSerialized`; throws `ConverterNotFoundError` without a converter. */
export function serializeToFrame(converter: WebSocketContentConverter | null, value: unknown): Frame {
  return requireConverter(converter).serialize(value);
}

/**
 * `sendSerialized`: checks `value` against `schema` when one is given (nothing is sent when it fails),
 * then sends `value` itself, not the schema's output: the wire carries what the schema accepts, so
 * the peer can check it with the same schema.
 */
export function sendMessage(
  converter: WebSocketContentConverter | null,
  outgoing: SendChannel<Frame>,
  value: unknown,
  schema: StandardSchemaV1 | undefined,
): Promise<void> {
  try {
    if (schema !== undefined) {
      requireConverter(converter); // before validating: a missing converter is the first thing to fix
      requireSchema(schema);
      const checked = validateWithSchema(schema, value, null);
      // An asynchronous schema queues the message when it answers; a synchronous one, at once.
      if (checked instanceof Promise) return checked.then(() => outgoing.send(serializeToFrame(converter, value)));
    }
    return outgoing.send(serializeToFrame(converter, value));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `receiveDeserialized`: the next frame's value, checked against `schema` when one is given. */
export async function receiveMessage(
  converter: WebSocketContentConverter | null,
  incoming: ReceiveChannel<Frame>,
  schema: StandardSchemaV1 | undefined,
): Promise<unknown> {
  const ready = requireConverter(converter);
  if (schema === undefined) return deserializeFrame(ready, await incoming.receive());
  requireSchema(schema);
  const frame = await incoming.receive();
  return (await validateWithSchema(schema, deserializeFrame(ready, frame), frame)).value;
}

/** The value a received frame carries; a frame that does not parse throws `DeserializationError`. */
export function deserializeFrame<T>(converter: WebSocketContentConverter, frame: Frame): T {
  if (!(frame instanceof Frame.Text || frame instanceof Frame.Binary) || !converter.isApplicable(frame)) {
    throw new DeserializationError(`The converter cannot read a ${frame.constructor.name} frame`, frame);
  }
  try {
    return converter.deserialize(frame) as T;
  } catch (error) {
    throw new DeserializationError(`Frame could not be deserialized: ${(error as Error).message}`, frame, { cause: error });
  }
}

/** The converter, or `ConverterNotFoundError` saying how to configure one. */
export function requireConverter(converter: WebSocketContentConverter | null): WebSocketContentConverter {
  if (converter === null) {
    throw new ConverterNotFoundError(
      "No contentConverter is configured: set it in install(WebSockets, (ws) => { ws.contentConverter = new JsonConverter() })",
    );
  }
  return converter;
}

/** A message `messages()` could not give: it did not deserialize, or it failed the schema. */
export type InvalidMessageError = DeserializationError | SchemaValidationError;

/** Options of `session.messages(schema, options)`. */
export interface MessagesOptions {
  /**
   * Reports a message that did not deserialize or failed the schema; the iterator then skips it and
   * goes on with the next. Without it, such a message makes `next()` reject with the error (ending a
   * `for await`), and a new `messages()` goes on after it. Called synchronously; what it returns is
   * ignored, and what it throws rejects `next()`.
   */
  readonly onInvalid?: (error: InvalidMessageError) => void;
}

/** `messages()`: an iterator over the session's `incoming`, giving values instead of frames. */
export function messageIterator<T>(
  converter: WebSocketContentConverter | null,
  incoming: ReceiveChannel<Frame>,
  schema: StandardSchemaV1 | null | undefined,
  options: MessagesOptions | undefined,
): AsyncIterableIterator<T> {
  const ready = requireConverter(converter);
  if (schema !== undefined && schema !== null) requireSchema(schema);
  if (options !== undefined && (options === null || typeof options !== "object")) throw typeError("messages(schema, options): options", "an object { onInvalid? }", options);
  const onInvalid = options?.onInvalid;
  if (onInvalid !== undefined && typeof onInvalid !== "function") throw typeError("messages(schema, options): options.onInvalid", "a function (error) => void", onInvalid);
  return new MessageIterator<T>(ready, incoming, schema ?? undefined, onInvalid);
}

/** Returned by `decode` for a message that `onInvalid` reported: take the next one. */
const SKIPPED = Symbol("skipped");

/**
 * Reads one frame per value, never ahead, so a new iterator (or `incoming` itself) goes on where this
 * one stopped. A buffered frame that decodes synchronously costs what `incoming`'s own iterator does.
 */
class MessageIterator<T> implements AsyncIterableIterator<T> {
  private readonly frames: AsyncIterator<Frame>;
  /** The last `next()` that is still settling; a later call waits for it, so values keep their order. */
  private pending: Promise<unknown> | null = null;

  constructor(
    private readonly converter: WebSocketContentConverter,
    private readonly incoming: ReceiveChannel<Frame>,
    private readonly schema: StandardSchemaV1 | undefined,
    private readonly onInvalid: ((error: InvalidMessageError) => void) | undefined,
  ) {
    this.frames = incoming[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    let step: IteratorResult<T> | Promise<IteratorResult<T>>;
    if (this.pending !== null) {
      step = this.pending.then(
        () => this.pull(),
        () => this.pull(),
      );
    } else {
      try {
        step = this.pull();
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(step instanceof Promise)) return Promise.resolve(step);
    }
    const settling: Promise<IteratorResult<T>> = step.finally(() => {
      if (this.pending === settling) this.pending = null;
    });
    this.pending = settling;
    return settling;
  }

  /** The next result: directly when a buffered frame decodes synchronously, else a promise. */
  private pull(): IteratorResult<T> | Promise<IteratorResult<T>> {
    for (;;) {
      const frame = this.incoming.tryReceive();
      if (frame === undefined) {
        // Nothing buffered: wait as `incoming`'s iterator does, which ends or throws as it does.
        return this.frames.next().then((result) => {
          if (result.done === true) return result as IteratorReturnResult<undefined>;
          const decoded = this.decode(result.value);
          return decoded === SKIPPED ? this.pull() : decoded;
        });
      }
      const decoded = this.decode(frame);
      if (decoded !== SKIPPED) return decoded;
    }
  }

  private decode(frame: Frame): IteratorResult<T> | Promise<IteratorResult<T>> | typeof SKIPPED {
    try {
      const value = deserializeFrame<T>(this.converter, frame);
      if (this.schema === undefined) return { value, done: false };
      const checked = validateWithSchema(this.schema, value, frame);
      if (!(checked instanceof Promise)) return { value: checked.value as T, done: false };
      return checked.then(
        (success) => ({ value: success.value as T, done: false }),
        (error: unknown) => {
          this.report(error);
          return this.pull();
        },
      );
    } catch (error) {
      this.report(error);
      return SKIPPED;
    }
  }

  /** Hands an invalid message's error to `onInvalid`; rethrows it (or any other error) otherwise. */
  private report(error: unknown): void {
    const reportable = error instanceof DeserializationError || error instanceof SchemaValidationError;
    if (!reportable || this.onInvalid === undefined) throw error;
    this.onInvalid(error);
  }
}
