import { Buffer } from "node:buffer";
import { Frame } from "../protocol/frame.js";
import { CloseReason, MAX_CLOSE_MESSAGE_BYTES } from "../protocol/close-reason.js";
import { isKiteCloseCode, type ConnectOptions } from "./connect-options.js";
import type { ConversationSession, SlashCommands } from "./conversation.js";
import type { FrameWatch } from "./frame-watch.js";
import { decodeBinaryLine, describeError, escapeControls } from "./output.js";
import type { LineConsole } from "./terminal.js";

/** The `/help` text, one command a line. */
export const SLASH_HELP = [
  "/ping [text]             send a ping (with text as its payload); its pong's round trip is shown",
  "/pong [text]             send an unsolicited pong",
  "/close [code [reason]]   close with code (1000, or 3000-4999) and reason, then wait for the answer",
  "/binary HEX              send a Binary message of these bytes (hex, spaces allowed)",
  "/help                    this list",
  "//text                   send the text message \"/text\"",
].join("\n");

/** The payload of a ping or pong as the user reads it: its text (lossy for bytes that are not UTF-8). */
function payloadText(data: Uint8Array): string {
  return Buffer.from(data).toString("utf8");
}

/**
 * Reports what the frame watch sees: with `--json`, each connection's opening and every ping and pong
 * as events; otherwise the pongs that answer a `/ping`, with their round trip, on stderr.
 * Returns the set `/ping` puts its payloads in.
 */
export function reportControlFrames(watch: FrameWatch, terminal: LineConsole, options: Pick<ConnectOptions, "json" | "href">): Set<string> {
  const asked = new Set<string>();
  let opened = 0;
  watch.onOpen = (protocol) => {
    opened++;
    if (options.json) terminal.event({ event: "open", url: options.href, protocol, ...(opened > 1 ? { reconnected: true } : {}) });
  };
  watch.onPing = (data) => {
    if (options.json) terminal.event({ event: "ping", data: payloadText(data) });
  };
  watch.onPong = (data, rttMillis) => {
    const key = Buffer.from(data).toString("latin1");
    const ours = asked.delete(key);
    const rtt = rttMillis === null ? null : Math.round(rttMillis * 100) / 100;
    if (options.json) {
      terminal.event({ event: "pong", data: payloadText(data), rttMs: rtt });
    } else if (ours) {
      const text = data.length === 0 ? "" : ` ${escapeControls(payloadText(data))}`;
      terminal.status(`pong${text}: round trip ${rtt === null ? "unknown" : `${rtt} ms`}`);
    }
  };
  return asked;
}

/** The slash commands of `kite connect`, over the conversation's session. */
export function slashCommands(session: Pick<ConversationSession, "send">, terminal: LineConsole, asked: Set<string>): SlashCommands {
  const warn = (text: string): void => terminal.status(terminal.err.yellow(`kite: ${text}`));
  const send = async (content: Frame | Uint8Array): Promise<void> => {
    try {
      await session.send(content);
    } catch (error) {
      warn(`not sent: ${describeError(error)}`);
    }
  };
  return async (line, closeFirst) => {
    const [, name = "", rest = ""] = /^\/(\S*)\s?(.*)$/s.exec(line) ?? [];
    const bytes = Buffer.from(rest, "utf8");
    switch (name) {
      case "ping":
      case "pong":
        if (bytes.length > 125) return warn(`/${name} text is at most 125 bytes (a control frame's limit), got ${bytes.length}`);
        if (name === "ping") asked.add(bytes.toString("latin1"));
        return send(name === "ping" ? new Frame.Ping(bytes) : new Frame.Pong(bytes));
      case "close": {
        const [, codeText = "", reason = ""] = /^(\S*)\s?(.*)$/s.exec(rest) ?? [];
        const code = codeText === "" ? CloseReason.Codes.NORMAL : /^\d{4}$/.test(codeText) ? Number(codeText) : NaN;
        if (!isKiteCloseCode(code)) return warn(`/close takes a code of 1000 or 3000-4999, got ${JSON.stringify(codeText)}`);
        if (Buffer.byteLength(reason) > MAX_CLOSE_MESSAGE_BYTES) return warn(`/close reason is at most ${MAX_CLOSE_MESSAGE_BYTES} bytes`);
        closeFirst(new CloseReason(code, reason));
        return;
      }
      case "binary": {
        const data = decodeBinaryLine(rest, "hex");
        if (data === null) return warn(`/binary takes hex bytes ("01 ff" or "01ff"), got ${JSON.stringify(rest)}`);
        return send(data);
      }
      case "help":
        terminal.status(SLASH_HELP);
        return;
      default:
        warn(`unknown command /${name}: /help lists them; //text sends "/text"`);
    }
  };
}
