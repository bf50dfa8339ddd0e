import type { Socket } from "node:net";
import { Buffer } from "node:buffer";
import type { EngineConnection, WebSocketRequest } from "../engine.js";
import { callerHeaderFields } from "../handshake-request.js";
import { basicAuthorization } from "../shared.js";
import type { CioEngineConfig } from "./cio-config.js";
import { ResponseHeadParser, type ResponseHead } from "../../http/response-head.js";
import { bodyExcerpt } from "../../http/chunked-body.js";
import { computeAccept, generateWebSocketKey, headerHasToken } from "../../protocol/handshake.js";
import { createSocketTransport } from "../../transport/create-socket-transport.js";
import type { ExtensionOffering } from "../../extensions/extension.js";
import { acceptExtensionAnswer, extensionOfferHeader, type AgreedExtensions } from "../../extensions/client-negotiation.js";
import { WebSocketHandshakeError } from "../../errors.js";
import { connectTimeoutError, toConnectError } from "../connect-error.js";

/** How much of a refused handshake's body is kept for the error, and how long to wait for it. */
const BODY_EXCERPT_BYTES = 4 * 1024;
const BODY_WAIT_MILLIS = 1_000;

/**
 * @internal Runs the client side of the opening handshake (RFC 6455 §4.1) on a socket that is connecting:
 * sends the upgrade request, reads the response head within limits, and checks it to the letter.
 * Resolves with a transport that owns the socket; on any failure the socket is destroyed.
 * `timeoutMillis` bounds the whole handshake (default: the configuration's `connectTimeoutMillis`).
 */
export function openHandshake(
  socket: Socket,
  request: WebSocketRequest & ExtensionOffering,
  config: CioEngineConfig,
  timeoutMillis: number = config.connectTimeoutMillis,
): Promise<EngineConnection> {
  return new Promise((resolve, reject) => {
    const key = generateWebSocketKey();
    const extensions = request.extensions ?? [];
    const offer = extensionOfferHeader(extensions);
    const parser = new ResponseHeadParser(config.responseHead);
    const signal = request.signal;
    let settled = false;

    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.off("secureConnect", onSecure);
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(signal!.reason);
    // A TLS socket (wss:) that fails before its handshake completes gets TLS hints in the message.
    let tlsPending = (socket as { encrypted?: boolean }).encrypted === true;
    const onSecure = (): void => {
      tlsPending = false;
    };
    const onError = (error: unknown): void => fail(toConnectError(error, { url: request.url, engine: "cio", duringTls: tlsPending }));
    const onClose = (): void => fail(new WebSocketHandshakeError("Connection closed before the handshake response was complete"));
    const timer = setTimeout(
      // The message names the setting and its value; `timeoutMillis` may be only what was left of it.
      () => fail(connectTimeoutError(request.url, config.connectTimeoutMillis, "cio.connectTimeoutMillis")),
      timeoutMillis,
    );

    const onData = (chunk: Buffer): void => {
      let parsed: { head: ResponseHead; rest: Uint8Array } | null;
      try {
        parsed = parser.push(chunk);
      } catch (error) {
        fail(error);
        return;
      }
      if (parsed === null) return;
      const { head, rest } = parsed;
      // Kept by the session for its whole life: the head's text, with Headers built only if read.
      const response = head.toResponse();
      if (head.status !== 101) {
        cleanup();
        readBodyExcerpt(socket, head, rest).then((body) => {
          socket.destroy();
          reject(new WebSocketHandshakeError(`Expected status 101 Switching Protocols, got ${head.status} ${head.statusText}`.trim(), response, body));
        });
        return;
      }
      let protocol: string | null;
      let agreed: AgreedExtensions;
      try {
        protocol = checkUpgradeResponse(head, key, request.protocols);
        agreed = acceptExtensionAnswer(head.header("sec-websocket-extensions"), extensions);
      } catch (error) {
        fail(error instanceof WebSocketHandshakeError ? new WebSocketHandshakeError(error.message, response, "", { cause: error.cause }) : error);
        return;
      }
      cleanup();
      socket.pause();
      const transport = createSocketTransport(socket, "client", agreed, { maxFrameSize: request.maxFrameSize, head: rest });
      resolve({ transport, response, protocol, extensions: agreed.negotiated });
    };

    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    if (tlsPending) socket.once("secureConnect", onSecure);
    socket.write(requestHead(request, key, offer));
  });
}

/** The upgrade request's bytes: the caller's fields and the handshake's, in `Headers` order (lower-case names, sorted). */
function requestHead(request: WebSocketRequest, key: string, offer: string | null): string {
  const url = request.url;
  const fields = new Map(callerHeaderFields(request));
  if (!fields.has("host")) fields.set("host", url.host);
  fields.set("upgrade", "websocket");
  fields.set("connection", "Upgrade");
  fields.set("sec-websocket-key", key);
  fields.set("sec-websocket-version", "13");
  if (request.protocols.length > 0) fields.set("sec-websocket-protocol", request.protocols.join(", "));
  if (offer !== null) fields.set("sec-websocket-extensions", offer);
  if ((url.username || url.password) && !fields.has("authorization")) fields.set("authorization", basicAuthorization(url));
  let head = `${request.method} ${url.pathname || "/"}${url.search} HTTP/1.1\r\n`;
  for (const name of [...fields.keys()].sort()) head += `${name}: ${fields.get(name)}\r\n`;
  return `${head}\r\n`;
}

/**
 * Checks a 101 response (§4.1, the client's steps 1–5 and the subprotocol of step 6) and returns the
 * chosen subprotocol. The extensions of step 5 are checked by `acceptExtensionAnswer`.
 */
export function checkUpgradeResponse(head: ResponseHead, key: string, offered: readonly string[]): string | null {
  if (head.version !== "1.1") throw new WebSocketHandshakeError(`Expected HTTP/1.1, got HTTP/${head.version}`);
  if ((head.header("upgrade") ?? "").trim().toLowerCase() !== "websocket") {
    throw new WebSocketHandshakeError(`Upgrade header is ${JSON.stringify(head.header("upgrade"))}, not "websocket"`);
  }
  if (!headerHasToken(head.header("connection"), "upgrade")) {
    throw new WebSocketHandshakeError(`Connection header ${JSON.stringify(head.header("connection"))} does not list "Upgrade"`);
  }
  const accept = head.header("sec-websocket-accept");
  if (accept === null) throw new WebSocketHandshakeError("Sec-WebSocket-Accept header is missing");
  if (accept.trim() !== computeAccept(key)) throw new WebSocketHandshakeError("Sec-WebSocket-Accept does not match the key sent");
  const protocol = head.header("sec-websocket-protocol");
  if (protocol === null) return null;
  const chosen = protocol.trim();
  if (!offered.includes(chosen)) {
    throw new WebSocketHandshakeError(
      offered.length === 0
        ? `Server chose subprotocol ${JSON.stringify(chosen)} but none was offered`
        : `Server chose subprotocol ${JSON.stringify(chosen)}, not one of ${offered.join(", ")}`,
    );
  }
  return chosen;
}

/**
 * Reads at most 4 KiB of a refused handshake's body, decoded from its framing (chunked, or bounded by
 * `Content-Length`), waiting at most a second for it.
 */
function readBodyExcerpt(socket: Socket, head: ResponseHead, first: Uint8Array): Promise<string> {
  const excerpt = bodyExcerpt(head, BODY_EXCERPT_BYTES);
  const text = (): string => Buffer.from(excerpt.bytes()).toString("utf8");
  if (excerpt.push(first) || socket.destroyed) return Promise.resolve(text());
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", done);
      socket.off("close", done);
      socket.off("error", done);
      resolve(text());
    };
    const onData = (chunk: Buffer): void => {
      if (excerpt.push(chunk)) done();
    };
    const timer = setTimeout(done, BODY_WAIT_MILLIS);
    socket.on("data", onData);
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", done);
  });
}
