import type { Frame } from "../protocol/frame.js";
import type { StandardSchemaV1Issue } from "./standard-schema.js";
import { WebSocketError, type WebSocketErrorCode, type WebSocketErrorOptions } from "../errors.js";

// The errors of typed messages live beside them: they carry frames, which the errors every layer
// shares (src/errors.ts) must not know of.

/** A received frame could not be turned into a value by the converter; the session stays usable. */
export class DeserializationError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_DESERIALIZATION";
  /** The frame that did not parse. */
  readonly frame: Frame;
  constructor(message: string, frame: Frame, options?: WebSocketErrorOptions) {
    super(message, options);
    this.frame = frame;
  }
}

/**
 * A message did not match the schema given to `receiveDeserialized(schema)`, `messages(schema)` or
 * `sendSerialized(value, schema)`; nothing is closed, and the session stays usable. It extends
 * `WebSocketError`, not `DeserializationError`: the frame parsed, and an invalid value to send has no
 * frame at all. When the schema's `validate` threw instead of answering, `cause` is what it threw.
 */
export class SchemaValidationError extends WebSocketError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_SCHEMA_VALIDATION";
  /** The problems the schema reported, as it reported them. */
  readonly issues: readonly StandardSchemaV1Issue[];
  /** The received frame that failed, or null for a value that `sendSerialized` refused to send. */
  readonly frame: Frame | null;
  constructor(message: string, issues: readonly StandardSchemaV1Issue[], frame: Frame | null, options?: WebSocketErrorOptions) {
    super(message, options);
    this.issues = issues;
    this.frame = frame;
  }
}
