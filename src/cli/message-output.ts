import { Frame } from "../protocol/frame.js";
import type { ConnectOptions } from "./connect-options.js";
import { escapeControls, renderPayload, toBase64 } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** What `kite` needs to know to print a message: the output flags of `connect` and `listen`. */
export type OutputOptions = Pick<ConnectOptions, "binary" | "json" | "pretty" | "nul">;

/**
 * A received message as one record of a pipe: its newlines (or, with `-0`, its NULs) escaped, so a
 * message is always one line (one record) for the reader on the other end.
 */
export function oneRecord(text: string, nul: boolean): string {
  return nul ? text.replace(/\0/g, "\\0") : text.replace(/\r/g, "\\r").replace(/\n/g, "\\n");
}

/** The JSON Lines event of a message: text as it is, binary in base64. */
export function messageEvent(frame: Frame.Text | Frame.Binary, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return frame instanceof Frame.Text
    ? { event: "message", ...extra, type: "text", data: frame.readText() }
    : { event: "message", ...extra, type: "binary", data: toBase64(frame.data) };
}

/**
 * Prints one received message as the flags ask: a JSON Lines event (`--json`), its bytes (`-b raw`),
 * one escaped record per message in a pipe, or marked with "< " on a terminal. `label` ("#2 ") goes
 * before it on a terminal and in a pipe (the listen command's client id).
 */
export async function showMessage(frame: Frame, terminal: LineConsole, options: OutputOptions, label = ""): Promise<void> {
  if (!(frame instanceof Frame.Text || frame instanceof Frame.Binary)) return;
  if (options.json) {
    terminal.event(messageEvent(frame));
    return;
  }
  if (options.binary === "raw") return terminal.write(frame.data);
  const text =
    frame instanceof Frame.Text
      ? renderPayload({ kind: "text", text: frame.readText() }, { json: options.pretty, binary: options.binary })
      : renderPayload({ kind: "binary", bytes: frame.data }, { json: false, binary: options.binary });
  if (!terminal.decorated) {
    const record = options.pretty ? text : oneRecord(text, options.nul);
    return terminal.write(`${label}${record}${options.nul ? "\0" : "\n"}`);
  }
  const kind = frame instanceof Frame.Binary ? terminal.out.dim(`(binary, ${frame.data.length} bytes) `) : "";
  // Continuation lines are indented under the first, so a multi-line message reads as one.
  return terminal.print(`${terminal.out.cyan("<")} ${label}${kind}${escapeControls(text).replace(/\n/g, "\n  ")}`);
}
