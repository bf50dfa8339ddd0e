import type { ConnectHook, ConnectProceed } from "../../client/plugin.js";
import type { EngineConnection, WebSocketRequest } from "../../engine/engine.js";
import type { ExtensionOffering } from "../../extensions/extension.js";
import { WebSocketHandshakeError, type HandshakeResponse } from "../../errors.js";
import type { LoggingPlugin } from "./logging-plugin.js";
import { ConnectionLog } from "./connection-log.js";
import { LoggingTransport } from "./logging-transport.js";
import { printable } from "./line-format.js";

/**
 * @internal The Logging plugin's connect hook: when its filters accept the request, it logs the
 * handshake and its outcome, and hands back the connection with a `LoggingTransport` around its
 * transport; otherwise it only proceeds.
 */
export function loggingConnectHook(logging: LoggingPlugin, engineName: string): ConnectHook {
  return (request, proceed) => {
    if (!logging.accepts(request)) return proceed(request);
    return connectLogged(request, proceed, new ConnectionLog(logging), engineName);
  };
}

async function connectLogged(request: WebSocketRequest, proceed: ConnectProceed, log: ConnectionLog, engineName: string): Promise<EngineConnection> {
  logRequest(request, log, engineName);
  let connection: EngineConnection;
  try {
    connection = await proceed(request);
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
function logRequest(request: WebSocketRequest, log: ConnectionLog, engine: string): void {
  const offers: string[] = [];
  if (request.protocols.length > 0) offers.push(`subprotocols ${request.protocols.join(", ")}`);
  const extensions = (request as WebSocketRequest & ExtensionOffering).extensions ?? [];
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
