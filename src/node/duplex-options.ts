import { checkKeys, isOptionsObject } from "../engine/config-checks.js";
import { typeError } from "../util/describe-value.js";

/** How `toDuplex` turns writes into messages and messages into reads. */
export interface DuplexOptions {
  /**
   * What a written chunk of bytes becomes: a Binary message (true, the default), or a Text message
   * (false). In byte mode the bytes are decoded as UTF-8 across writes, so a character split between
   * two chunks is sent whole; in object mode each chunk must be valid UTF-8 on its own. A written
   * string is a Text message either way.
   */
  readonly binary?: boolean;
  /**
   * One message per chunk, both ways (false by default): the readable gives a string per Text message
   * and a `Buffer` per Binary one, and each write sends one message. Without it the duplex is a byte
   * stream: the readable gives every message's bytes (a Text message's as UTF-8), and each write is one
   * message of the chunk's bytes.
   */
  readonly objectMode?: boolean;
}

/** @internal The options, checked, with their defaults. */
export interface DuplexSettings {
  readonly binary: boolean;
  readonly objectMode: boolean;
}

const KEYS = ["binary", "objectMode"] as const;

/** @internal Checks `toDuplex`'s options: a `TypeError` naming the option and quoting the value. */
export function checkDuplexOptions(options: unknown): DuplexSettings {
  const name = "toDuplex(session, options): options";
  if (options === undefined) return { binary: true, objectMode: false };
  if (!isOptionsObject(options)) throw typeError(name, "an object such as { binary: true, objectMode: false }", options);
  checkKeys(options, name, KEYS);
  return {
    binary: checkFlag(options.binary, "options.binary", true),
    objectMode: checkFlag(options.objectMode, "options.objectMode", false),
  };
}

function checkFlag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw typeError(`toDuplex(session, options): ${name}`, "a boolean", value);
  return value;
}
