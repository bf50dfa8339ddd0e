/**
 * A small HTTP CONNECT proxy on 127.0.0.1 for the CIO proxy tests, written on node:net only. It
 * tunnels every CONNECT to 127.0.0.1 at the requested port, whatever host was named (so a test can
 * name a host that has no DNS entry), and records what it was asked. It can demand Basic credentials
 * (407 otherwise) or refuse every tunnel with a status of the test's choosing.
 */
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Buffer } from "node:buffer";

/** One CONNECT request as the proxy read it. */
export interface ProxiedRequest {
  /** The request target, e.g. "127.0.0.1:8080" or "[::1]:443". */
  readonly authority: string;
  /** Header fields, names lowercased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The answer's status. */
  readonly status: number;
}

export interface ConnectProxyOptions {
  /** Demand `Proxy-Authorization: Basic base64(user:password)`; 407 otherwise. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** Answer every CONNECT with this status instead of tunnelling (e.g. 403, 502). */
  readonly refuseWith?: number;
  /** Speak TLS to clients (an `https:` proxy) with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface ConnectProxy {
  /** `http://127.0.0.1:port` (`https://localhost:port` with `tls`). */
  readonly url: string;
  readonly port: number;
  /** Every CONNECT so far. */
  readonly requests: ProxiedRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 16 * 1024;
const REASONS: Record<number, string> = { 200: "Connection Established", 403: "Forbidden", 407: "Proxy Authentication Required", 502: "Bad Gateway" };

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const requests: ProxiedRequest[] = [];
  const proxy: ConnectProxy = { url: "", port: 0, requests, connections: 0, close };
  const onClient = (client: Socket): void => {
    proxy.connections++;
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) client.destroy();
        return;
      }
      client.off("data", onData);
      client.pause();
      const rest = head.subarray(end + 4);
      handle(client, head.subarray(0, end).toString("latin1"), rest);
    };
    client.on("data", onData);
    client.on("error", () => {});
  };
  const server: Server = options.tls ? createTlsServer(options.tls, onClient) : createServer(onClient);

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  }

  function answer(client: Socket, status: number, extra: string[] = []): void {
    const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? "Refused"}`, ...extra];
    if (status !== 200) lines.push("Content-Length: 0", "Connection: close");
    client.write(lines.join("\r\n") + "\r\n\r\n");
  }

  function handle(client: Socket, head: string, rest: Buffer): void {
    const [requestLine, ...fields] = head.split("\r\n");
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(":");
      if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
    }
    const match = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(requestLine);
    const record = (status: number): void => void requests.push({ authority: match?.[1] ?? requestLine, headers, status });
    if (match === null) {
      record(400);
      client.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const wanted = options.credentials;
    if (wanted !== undefined) {
      const expected = `Basic ${Buffer.from(`${wanted.user}:${wanted.password}`, "utf8").toString("base64")}`;
      if (headers["proxy-authorization"] !== expected) {
        record(407);
        answer(client, 407, ['Proxy-Authenticate: Basic realm="kite-test"']);
        client.end();
        return;
      }
    }
    if (options.refuseWith !== undefined) {
      record(options.refuseWith);
      answer(client, options.refuseWith);
      client.end();
      return;
    }
    const port = Number(/:(\d+)$/.exec(match[1])?.[1]);
    const upstream = connect({ host: "127.0.0.1", port });
    track(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("connect", () => {
      record(200);
      answer(client, 200);
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  }

  function close(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(proxy, { url: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`, port });
}
