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
  takes: Readonly<Record<string, string>> = {},
): ParsedCommandLine<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && (error as Error).message.includes("argument missing")) {
      // "Option '-b, --binary <value>' argument missing": say what the option takes instead.
      const name = /--([\w-]+)/.exec((error as Error).message)?.[1];
      if (name !== undefined) throw new UsageError(`--${name} is missing its value: it takes ${takes[name] ?? "a value"}`, command);
    }
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) {
      throw new UsageError(firstSentence((error as Error).message), command);
    }
    throw error;
  }
}

/**
 * The message for an option given a value it does not take. When the value looks like the URL,
 * the option most likely lost its own value and swallowed the next argument, so say so.
 */
export function wrongValue(option: string, takes: string, got: string, command: string): UsageError {
  const swallowed = /^[a-z]+:\/\//i.test(got) ? ` (is ${JSON.stringify(got)} the <url>? then ${option} is missing its value)` : "";
  return new UsageError(`${option} takes ${takes}, got ${JSON.stringify(got)}${swallowed}`, command);
}

/** parseArgs appends advice about `--` that does not help here; keep the diagnosis only. */
function firstSentence(message: string): string {
  const end = message.indexOf(". ");
  return (end === -1 ? message : message.slice(0, end)).replace(/^Unknown option/, "unknown option");
}

/** A duration option: milliseconds ("20000") or a number with a unit ("500ms", "20s", "1m", "1h"). */
export function parseDuration(text: string, option: string, command: string): number {
  const millis = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : parseDurationText(text);
  if (millis === null) throw wrongValue(option, "milliseconds or a duration like 500ms, 20s, 1m", text, command);
  return millis;
}

/** A count option: a whole number from 1 up. */
export function parseCount(text: string, option: string, command: string): number {
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < 1) {
    throw wrongValue(option, "a whole number from 1 up", text, command);
  }
  return Number(text);
}

/** A TCP port: a whole number from 0 (any free port) to 65535. */
export function parsePort(text: string, option: string, command: string): number {
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    throw wrongValue(option, "a port number from 0 to 65535", text, command);
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

/** How `--binary` messages are written: lines of hex or base64, or raw bytes. */
export type BinaryEncoding = "hex" | "base64" | "raw";

export function parseBinaryEncoding(text: string, command: string): BinaryEncoding {
  if (text === "hex" || text === "base64" || text === "raw") return text;
  throw wrongValue("--binary", "hex, base64 or raw", text, command);
}

/** A size in bytes: a whole number from 1 up, optionally with k/K (KiB) or m/M (MiB). */
export function parseSize(text: string, option: string, command: string): number {
  const match = /^\s*(\d+)\s*(k|m|kib|mib)?\s*$/i.exec(text);
  const unit = match?.[2]?.[0]?.toLowerCase();
  const bytes = match === null ? NaN : Number(match[1]) * (unit === "k" ? 1024 : unit === "m" ? 1024 * 1024 : 1);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw wrongValue(option, "a size in bytes from 1 up (65536, 64k, 1m)", text, command);
  return bytes;
}

/**
 * The URL to connect to. A bare `host:port/path` gets `ws://`, as wscat does, since typing the
 * scheme for a local server is the most common slip.
 */
export function normalizeUrl(text: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`;
}
