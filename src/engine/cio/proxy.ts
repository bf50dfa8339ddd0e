import { connect as connectTcp, isIP, type Socket } from "node:net";
import { connectTls } from "./lazy-tls.js";
import { Buffer } from "node:buffer";
import { ResponseHeadParser, type ResponseHeadLimits } from "../../http/response-head.js";
import { WebSocketHandshakeError, type HandshakeResponse, type WebSocketErrorCode, type WebSocketErrorOptions } from "../../errors.js";
import type { CioTlsConfig } from "./cio-config.js";
import { defaultPort, describeConnectFailure, endpointOf } from "../connect-error.js";
import { bareHost } from "./proxy-selection.js";
import { basicAuthorization } from "../shared.js";

/**
 * An HTTP CONNECT proxy refused the tunnel (its answer's `status` and `headers` are here: 407 when it
 * wants credentials), answered in a way that is not HTTP, or could not be reached.
 */
export class ProxyConnectError extends WebSocketHandshakeError {
  static override readonly code: WebSocketErrorCode = "KITE_ERR_PROXY_CONNECT";
  /** The proxy, as `host:port` (never with its credentials). */
  readonly proxy: string;
  constructor(message: string, proxy: string, response: HandshakeResponse | null = null, options?: WebSocketErrorOptions) {
    super(message, response, "", options);
    this.proxy = proxy;
  }
}

/** @internal Settings `openTunnel` takes from the CIO engine's configuration. */
export interface TunnelOptions {
  readonly responseHead: ResponseHeadLimits;
  /** For an `https:` proxy: which CAs to trust, and whether to verify it. */
  readonly tls: CioTlsConfig;
}

/**
 * @internal Opens a tunnel to `target` through `proxy` (HTTP CONNECT, RFC 9110 §9.3.6) and resolves with the
 * socket, ready for the target's bytes (TLS, then the upgrade). The proxy URL's credentials go as
 * `Proxy-Authorization: Basic`. Rejects with `ProxyConnectError`; the caller bounds the time and
 * destroys the socket it gets through `onSocket` when giving up.
 */
export function openTunnel(proxy: URL, target: URL, options: TunnelOptions, onSocket: (socket: Socket) => void): Promise<Socket> {
  const proxyHost = bareHost(proxy.hostname);
  const proxyPort = Number(proxy.port) || defaultPort(proxy);
  const proxyName = endpointOf(proxy);
  const authority = endpointOf(target);
  const socket =
    proxy.protocol === "https:"
      ? connectTls({
          host: proxyHost,
          port: proxyPort,
          servername: isIP(proxyHost) ? undefined : proxyHost,
          ca: options.tls.ca as string | Buffer | Array<string | Buffer> | undefined,
          rejectUnauthorized: options.tls.rejectUnauthorized ?? true,
          ALPNProtocols: ["http/1.1"],
        })
      : connectTcp({ host: proxyHost, port: proxyPort });
  onSocket(socket);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  const hasCredentials = proxy.username !== "" || proxy.password !== "";
  if (hasCredentials) lines.push(`Proxy-Authorization: ${basicAuthorization(proxy)}`);
  socket.write(lines.join("\r\n") + "\r\n\r\n");

  return new Promise((resolve, reject) => {
    const parser = new ResponseHeadParser(options.responseHead);
    const cleanup = (): void => {
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
    };
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const onError = (error: Error): void => {
      const reason = describeConnectFailure(error, { url: proxy, engine: "cio", peer: "proxy" });
      fail(new ProxyConnectError(`Could not reach the proxy ${proxyName}: ${reason.text}`, proxyName, null, { cause: error }));
    };
    const onClose = (): void => fail(new ProxyConnectError(`The proxy ${proxyName} closed the connection before answering CONNECT`, proxyName));
    const onData = (chunk: Buffer): void => {
      let parsed;
      try {
        parsed = parser.push(chunk);
      } catch (error) {
        fail(new ProxyConnectError(`The proxy ${proxyName} answered CONNECT with no valid HTTP head: ${(error as Error).message}`, proxyName, null, { cause: error }));
        return;
      }
      if (parsed === null) return;
      const { head, rest } = parsed;
      const response = head.toResponse();
      if (head.status === 407) {
        fail(
          new ProxyConnectError(
            `The proxy ${proxyName} wants authentication (407 Proxy Authentication Required): ` +
              (hasCredentials ? "it refused the credentials of the proxy URL" : "give credentials in the proxy URL, http://user:password@host:port"),
            proxyName,
            response,
          ),
        );
        return;
      }
      if (head.status < 200 || head.status > 299) {
        fail(new ProxyConnectError(`The proxy ${proxyName} refused CONNECT ${authority}: ${head.status} ${head.statusText}`.trim(), proxyName, response));
        return;
      }
      cleanup();
      socket.pause();
      if (rest.length > 0) socket.unshift(Buffer.from(rest));
      resolve(socket);
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
  });
}
