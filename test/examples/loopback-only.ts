// `node --import <build>/test/examples/loopback-only.js example.js`: a TCP (or TLS) connection to any
// host but the loopback fails at once with an error that says why, so an example that would reach out
// to the network fails in every environment, not only in one without network access. So does one to
// the port in KITE_TEST_REFUSED_PORT (the examples' default, 8080, which a user's `kite echo` may
// hold): an example under test must use the port its test gives it, and no test binds 8080 to see.
import { Socket } from "node:net";

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

type Connect = (this: Socket, ...args: unknown[]) => Socket;
const connect = Socket.prototype.connect as unknown as Connect;

const REFUSED_PORT = process.env.KITE_TEST_REFUSED_PORT === undefined ? null : Number(process.env.KITE_TEST_REFUSED_PORT);

/** The host and port of a `connect` call, as Node's own argument handling reads them; null for a pipe or a handle. */
function targetOf(args: unknown[]): { host: string; port: number } | null {
  // net.connect() and tls.connect() pass their arguments on already normalized, as [[options, callback]].
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === "object") {
    const options = first as { host?: string; path?: string; port?: unknown };
    if (options.path !== undefined || options.port === undefined) return null;
    return { host: options.host ?? "localhost", port: Number(options.port) };
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return null; // a pipe path
  return { host: typeof args[1] === "string" ? args[1] : "localhost", port: Number(first) };
}

(Socket.prototype as unknown as { connect: Connect }).connect = function (this: Socket, ...args: unknown[]): Socket {
  const target = targetOf(args);
  const refusal =
    target === null
      ? null
      : !LOOPBACK.test(target.host)
        ? `examples connect to 127.0.0.1 only, not to ${target.host}`
        : target.port === REFUSED_PORT
          ? `examples under test connect to the port their test gives them, not to ${target.port}`
          : null;
  if (refusal !== null) {
    process.nextTick(() => this.destroy(new Error(`${refusal} (test/examples/loopback-only.ts)`)));
    return this;
  }
  return connect.apply(this, args);
};
