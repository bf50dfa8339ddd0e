import { Frame } from "../protocol/frame.js";
import { ConverterNotFoundError, DeserializationError } from "../errors.js";
import type { WebSocketContentConverter } from "./converter.js";

/** What `send` takes, as a frame: a string is Text, bytes are Binary, a frame stays as it is. */
export function contentToFrame(content: string | Uint8Array | Frame): Frame {
  return typeof content === "string" ? new Frame.Text(content) : content instanceof Frame ? content : new Frame.Binary(content);
}

/** The frame carrying `value`, for `sendSerialized`; throws `ConverterNotFoundError` without a converter. */
export function serializeToFrame(converter: WebSocketContentConverter | null, value: unknown): Frame {
  return requireConverter(converter).serialize(value);
}

/** The value a received frame carries, for `receiveDeserialized`; a frame that does not parse throws `DeserializationError`. */
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
