// `node --import <build>/test/examples/loopback-only.js example.js`: a TCP (or TLS) connection to any
// host but the loopback fails at once with an error that says why, so an example that would reach out
// to the network fails in every environment, not only in one without network access.
import { Socket } from "node:net";

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

type Connect = (this: Socket, ...args: unknown[]) => Socket;
const connect = Socket.prototype.connect as unknown as Connect;

/** The host of a `connect` call, as Node's own argument handling reads it; null for a pipe or a handle. */
function hostOf(args: unknown[]): string | null {
  // net.connect() and tls.connect() pass their arguments on already normalized, as [[options, callback]].
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === "object") {
    const options = first as { host?: string; path?: string; port?: unknown };
    if (options.path !== undefined || options.port === undefined) return null;
    return options.host ?? "localhost";
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return null; // a pipe path
  return typeof args[1] === "string" ? args[1] : "localhost";
}

(Socket.prototype as unknown as { connect: Connect }).connect = function (this: Socket, ...args: unknown[]): Socket {
  const host = hostOf(args);
  if (host !== null && !LOOPBACK.test(host)) {
    process.nextTick(() => this.destroy(new Error(`examples connect to 127.0.0.1 only, not to ${host} (test/examples/loopback-only.ts)`)));
    return this;
  }
  return connect.apply(this, args);
};
