import type { HttpClient } from "../../client/http-client.js";
import type { EngineConnection, WebSocketRequest } from "../../engine/engine.js";
import type { ExtensionOffering } from "../../extensions/extension.js";
import { WebSocketHandshakeError, type HandshakeResponse } from "../../errors.js";
import { Logging } from "./logging.js";
import { ConnectionLog } from "./connection-log.js";
import { LoggingTransport } from "./logging-transport.js";
import { printable } from "./line-format.js";

/**
 * @internal Opens a connection through the client's engine, as `engine.connectWebSocket(request)`
 * does. When the Logging plugin is installed, on, and its filters accept the request, it logs the
 * handshake and hands back the connection with a `LoggingTransport` around its transport; otherwise
 * it is the engine's call and nothing else.
 */
export function connectWebSocket(client: HttpClient, request: WebSocketRequest & ExtensionOffering): Promise<EngineConnection> {
  const logging = client.pluginOrNull(Logging);
  if (logging === null || !logging.accepts(request)) return client.engine.connectWebSocket(request);
  return connectLogged(client, request, new ConnectionLog(logging));
}

async function connectLogged(client: HttpClient, request: WebSocketRequest & ExtensionOffering, log: ConnectionLog): Promise<EngineConnection> {
  logRequest(request, log, client.engine.name);
  let connection: EngineConnection;
  try {
    connection = await client.engine.connectWebSocket(request);
  } catch (error) {
    logFailure(error, log);
    throw error;
  }
  const { response, protocol, extensions } = connection;
  const agreed = extensions.length === 0 ? "" : `, extensions ${extensions.map((e) => e.name).join(", ")}`;
  log.line(`connected${statusOf(response)} in ${log.elapsed()}${protocol === null ? "" : `, subprotocol ${protocol}`}${agreed}`);
  if (response !== null && log.headers) log.headerLines("<", response.headers);
  return { ...connection, transport: new LoggingTransport(connection.transport, log) };
}

/** "GET ws://host/path?token=*** via CIO, offering subprotocols a, b", then the request headers. */
function logRequest(request: WebSocketRequest & ExtensionOffering, log: ConnectionLog, engine: string): void {
  const offers: string[] = [];
  if (request.protocols.length > 0) offers.push(`subprotocols ${request.protocols.join(", ")}`);
  const extensions = request.extensions ?? [];
  if (extensions.length > 0) offers.push(`extensions ${extensions.map((e) => e.name).join(", ")}`);
  log.line(`${request.method} ${log.redactor.url(request.url)} via ${engine}${offers.length === 0 ? "" : `, offering ${offers.join("; ")}`}`);
  if (!log.headers) return;
  // The headers the client asks for; the engine adds the handshake's own (Upgrade, Sec-WebSocket-Key...).
  log.headerLines(">", request.headers);
  if ((request.url.username !== "" || request.url.password !== "") && !request.headers.has("authorization")) {
    log.line(`> authorization: ${log.redactor.headerValue("authorization", "")} (from the URL's credentials)`);
  }
}

function logFailure(error: unknown, log: ConnectionLog): void {
  const response = error instanceof WebSocketHandshakeError ? error.response : null;
  const what = error instanceof WebSocketHandshakeError ? "handshake failed" : "connect failed";
  log.line(`${what}${statusOf(response)} after ${log.elapsed()}: ${log.error(error)}`);
  if (response !== null && log.headers) log.headerLines("<", response.headers);
}

/** " 101 Switching Protocols", or "" when the engine does not see the response. */
function statusOf(response: HandshakeResponse | null): string {
  if (response === null) return "";
  return response.statusText === "" ? ` ${response.status}` : ` ${response.status} ${printable(response.statusText)}`;
}
