import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseDurationText } from "../util/duration.js";
import { isToken } from "../http/token.js";

/**
 * A mistake in the command line. `main` prints it with a hint to `--help` and exits with 2, so
 * scripts can tell "you called me wrong" from "the connection failed".
 */
export class UsageError extends Error {
  /** The command whose usage was wrong ("connect"), or null for `kite` itself. */
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** Option definitions, as `parseArgs` takes them. */
export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** What `parseCommandLine` returns: `values` typed after the options, and the positionals. */
export type ParsedCommandLine<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into `UsageError`s. Strict mode is
 * what makes an unknown flag an error instead of a silently ignored typo.
 */
export function parseCommandLine<const O extends OptionsConfig>(
  args: readonly string[],
  options: O,
  command: string | null,
): ParsedCommandLine<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(firstSentence((error as Error).message), command);
    }
    throw error;
  }
}

/** parseArgs appends advice about `--` that does not help here; keep the diagnosis only. */
function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  return (end === -1 ? message : message.slice(0, end)).replace(/^Unknown option/, "unknown option");
}

/** A duration option: milliseconds ("20000") or a number with a unit ("500ms", "20s", "1m", "1h"). */
export function parseDuration(text: string, option: string, command: string): number {
  const millis = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : parseDurationText(text);
  if (millis === null) throw new UsageError(`${option} takes milliseconds or a duration like 500ms, 20s, 1m; got ${JSON.stringify(text)}`, command);
  return millis;
}

/** A count option: a whole number from 1 up. */
export function parseCount(text: string, option: string, command: string): number {
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw new UsageError(`${option} takes a whole number from 1 up, got ${JSON.stringify(text)}`, command);
  }
  return Number(text);
}

/** A TCP port: a whole number from 0 (any free port) to 65535. */
export function parsePort(text: string, option: string, command: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw new UsageError(`${option} takes a port number from 0 to 65535, got ${JSON.stringify(text)}`, command);
  }
  return Number(text);
}

/** A `-H "Name: value"` option, split at the first colon, as curl and wscat take it. */
export function parseHeader(text: string, command: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon === -1 ? "" : text.slice(0, colon).trim();
  if (!isToken(name)) {
    throw new UsageError(`--header takes "Name: value", got ${JSON.stringify(text)}`, command);
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) throw new UsageError(`the value of header ${name} cannot contain CR, LF or NUL`, command);
  return [name, value];
}

/** How `--binary` lines are written. */
export type BinaryEncoding = "hex" | "base64";

export function parseBinaryEncoding(text: string, command: string): BinaryEncoding {
  if (text === "hex" || text === "base64") return text;
  throw new UsageError(`--binary takes hex or base64, got ${JSON.stringify(text)}`, command);
}

/**
 * The URL to connect to. A bare `host:port/path` gets `ws://`, as wscat does, since typing the
 * scheme for a local server is the most common slip.
 */
export function normalizeUrl(text: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`;
}
