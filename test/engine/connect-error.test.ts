// The mapping from what Node fails a connection with to ConnectError / TlsError, on errors shaped as
// Node 20 makes them (codes, messages and properties as seen over real sockets; see
// test/engine/cio/connect-failures.test.ts for those).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ConnectError, ConnectTimeoutError, TlsError, WebSocketError, WebSocketHandshakeError } from "../../src/index.js";
import { connectTimeoutError, defaultPort, endpointOf, toConnectError, type ConnectFailureContext } from "../../src/engine/connect-error.js";

/** An error as Node makes them: a message and own properties such as `code`. */
function nodeError(message: string, properties: Record<string, unknown>): Error {
  return Object.assign(new Error(message), properties);
}

const cio = (url: string, more: Partial<ConnectFailureContext> = {}): ConnectFailureContext => ({ url: new URL(url), engine: "cio", ...more });

function mapped(error: unknown, context: ConnectFailureContext): ConnectError {
  const result = toConnectError(error, context);
  assert.ok(result instanceof ConnectError, `expected a ConnectError, got ${String(result)}`);
  assert.equal(result.cause, error, "the original is the cause");
  return result;
}

describe("toConnectError", () => {
  test("ECONNREFUSED names host:port (the default port made explicit), never the URL's credentials", () => {
    const refused = nodeError("connect ECONNREFUSED 127.0.0.1:1", { code: "ECONNREFUSED", errno: -111, syscall: "connect" });
    const error = mapped(refused, cio("ws://user:secret@127.0.0.1:1/path?token=t"));
    assert.ok(!(error instanceof TlsError));
    assert.equal(error.code, "KITE_ERR_CONNECT");
    assert.equal(error.systemCode, "ECONNREFUSED");
    assert.equal(error.message, "Could not connect to 127.0.0.1:1: connection refused (ECONNREFUSED): nothing listens there; is the server running, and are the host and port right?");
    assert.doesNotMatch(error.message, /secret|user|token/);
    assert.match(mapped(refused, cio("wss://example.test/")).message, /^Could not connect to example\.test:443: /);
    assert.match(mapped(refused, cio("ws://[::1]/")).message, /^Could not connect to \[::1\]:80: /);
  });

  test("ENOTFOUND and EAI_AGAIN name the host name", () => {
    let error = mapped(nodeError("getaddrinfo ENOTFOUND nowhere.invalid", { code: "ENOTFOUND", syscall: "getaddrinfo" }), cio("ws://nowhere.invalid:8080/"));
    assert.equal(error.systemCode, "ENOTFOUND");
    assert.equal(error.message, "Could not connect to nowhere.invalid:8080: the host name nowhere.invalid did not resolve (ENOTFOUND): check its spelling, or this machine's DNS");
    error = mapped(nodeError("getaddrinfo EAI_AGAIN example.test", { code: "EAI_AGAIN" }), cio("ws://example.test/"));
    assert.match(error.message, /example\.test could not be resolved for now \(EAI_AGAIN\)/);
  });

  test("ECONNRESET and EPIPE: reset before the handshake completed; during TLS, a hint that the server may not speak TLS", () => {
    const reset = nodeError("read ECONNRESET", { code: "ECONNRESET" });
    let error = mapped(reset, cio("ws://127.0.0.1:9/"));
    assert.equal(error.systemCode, "ECONNRESET");
    assert.match(error.message, /^Could not connect to 127\.0\.0\.1:9: the connection was reset before the handshake completed \(ECONNRESET\)/);
    assert.match(mapped(nodeError("write EPIPE", { code: "EPIPE" }), cio("ws://127.0.0.1:9/")).message, /reset before the handshake completed \(EPIPE\)/);
    error = mapped(reset, cio("wss://127.0.0.1:9/", { duringTls: true }));
    assert.ok(!(error instanceof TlsError), "a reset may be the network's: not a TLS error");
    assert.match(error.message, /during TLS \(ECONNRESET\): does the server speak TLS on that port\? A plain ws: server needs a ws: URL, not wss:/);
    // Without word from the engine (ws), Node's own message tells.
    const tlsReset = nodeError("Client network socket disconnected before secure TLS connection was established", { code: "ECONNRESET", host: "127.0.0.1" });
    assert.match(mapped(tlsReset, { url: new URL("wss://127.0.0.1:9/"), engine: "ws" }).message, /during TLS/);
  });

  test("unreachable hosts and networks, timeouts, and codes without a case of their own", () => {
    assert.match(mapped(nodeError("connect EHOSTUNREACH 10.0.0.1:80", { code: "EHOSTUNREACH" }), cio("ws://10.0.0.1/")).message, /no route to the host \(EHOSTUNREACH\)/);
    assert.match(mapped(nodeError("connect ENETUNREACH 10.0.0.1:80", { code: "ENETUNREACH" }), cio("ws://10.0.0.1/")).message, /network is unreachable \(ENETUNREACH\)/);
    assert.match(mapped(nodeError("connect ETIMEDOUT 10.0.0.1:80", { code: "ETIMEDOUT" }), cio("ws://10.0.0.1/")).message, /timed out \(ETIMEDOUT\)/);
    const other = mapped(nodeError("connect EADDRNOTAVAIL 10.0.0.1:80", { code: "EADDRNOTAVAIL" }), cio("ws://10.0.0.1/"));
    assert.equal(other.message, "Could not connect to 10.0.0.1:80: connect EADDRNOTAVAIL 10.0.0.1:80");
    assert.equal(other.systemCode, "EADDRNOTAVAIL");
    const weird = mapped(nodeError("something odd", { code: "ESOMETHING" }), cio("ws://10.0.0.1/"));
    assert.equal(weird.message, "Could not connect to 10.0.0.1:80: something odd (ESOMETHING)");
    const bare = mapped(new Error("no code at all"), cio("ws://10.0.0.1/"));
    assert.equal(bare.systemCode, null);
    assert.equal(bare.message, "Could not connect to 10.0.0.1:80: no code at all");
    assert.equal(mapped("a string", cio("ws://10.0.0.1/")).message, "Could not connect to 10.0.0.1:80: a string");
  });

  test("an AggregateError of one refusal per address (::1 and 127.0.0.1) takes the code of its failures", () => {
    const aggregate = Object.assign(
      new AggregateError([nodeError("connect ECONNREFUSED ::1:1", { code: "ECONNREFUSED" }), nodeError("connect ECONNREFUSED 127.0.0.1:1", { code: "ECONNREFUSED" })], ""),
      { code: "ECONNREFUSED" },
    );
    assert.equal(mapped(aggregate, cio("ws://localhost:1/")).systemCode, "ECONNREFUSED");
    const withoutCode = new AggregateError([nodeError("connect ECONNREFUSED ::1:1", { code: "ECONNREFUSED" })], "");
    const error = mapped(withoutCode, cio("ws://localhost:1/"));
    assert.equal(error.systemCode, "ECONNREFUSED");
    assert.match(error.message, /connection refused/);
  });

  test("untrusted certificates: TlsError naming cio.tls.ca, NODE_EXTRA_CA_CERTS, and rejectUnauthorized: false for testing only", () => {
    for (const [code, message] of [
      ["DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate"],
      ["SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"],
      ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unable to verify the first certificate"],
      ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unable to get local issuer certificate"],
    ]) {
      const error = mapped(nodeError(message, { code }), cio("wss://127.0.0.1:4433/"));
      assert.ok(error instanceof TlsError, code);
      assert.equal(error.code, "KITE_ERR_TLS");
      assert.equal(error.systemCode, code);
      assert.equal(
        error.message,
        `Could not connect to 127.0.0.1:4433: its TLS certificate is not trusted (${message}, ${code}): trust the CA that issued it (PEM) with ` +
          "cio.tls.ca: config.engine((cio) => { cio.tls = { ca } }), or for the whole process with NODE_EXTRA_CA_CERTS=/path/to/ca.pem; " +
          "cio.tls = { rejectUnauthorized: false } turns verification off, for testing only",
      );
    }
    const ws = mapped(nodeError("self-signed certificate", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }), { url: new URL("wss://127.0.0.1:4433/"), engine: "ws" });
    assert.match(ws.message, /ws\.preconfigured\.ca: config\.engine\(\(ws\) => \{ ws\.preconfigured = \{ ca \} \}\).*NODE_EXTRA_CA_CERTS.*ws\.preconfigured = \{ rejectUnauthorized: false \}/);
  });

  test("a name mismatch says which names the certificate is for, and cio.tls.servername", () => {
    const mismatch = nodeError("Hostname/IP does not match certificate's altnames: Host: other.example. is not in the cert's altnames: DNS:localhost", {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
      reason: "Host: other.example. is not in the cert's altnames: DNS:localhost",
      host: "other.example",
      cert: { subject: { CN: "localhost" }, subjectaltname: "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" },
    });
    const error = mapped(mismatch, cio("wss://127.0.0.1:4433/"));
    assert.ok(error instanceof TlsError);
    assert.equal(error.systemCode, "ERR_TLS_CERT_ALTNAME_INVALID");
    assert.equal(
      error.message,
      "Could not connect to 127.0.0.1:4433: its TLS certificate is for localhost, 127.0.0.1, ::1, not other.example (ERR_TLS_CERT_ALTNAME_INVALID): " +
        "connect by a name the certificate is for, or set the name to check with cio.tls.servername",
    );
    // Only a CN, or nothing known: the checked name from the URL.
    const cnOnly = nodeError("mismatch", { code: "ERR_TLS_CERT_ALTNAME_INVALID", cert: { subject: { CN: "a.example" } } });
    assert.match(mapped(cnOnly, cio("wss://b.example/")).message, /is for a\.example, not b\.example/);
    assert.match(mapped(nodeError("mismatch", { code: "ERR_TLS_CERT_ALTNAME_INVALID" }), cio("wss://b.example/")).message, /certificate is not for b\.example/);
    const many = nodeError("mismatch", { code: "ERR_TLS_CERT_ALTNAME_INVALID", cert: { subjectaltname: Array.from({ length: 9 }, (_, i) => `DNS:h${i}.example`).join(", ") } });
    assert.match(mapped(many, cio("wss://b.example/")).message, /is for h0\.example, h1\.example, h2\.example, h3\.example, h4\.example, 4 more, not b\.example/);
  });

  test("expired and other refused certificates are TLS errors", () => {
    let error = mapped(nodeError("certificate has expired", { code: "CERT_HAS_EXPIRED" }), cio("wss://example.test/"));
    assert.ok(error instanceof TlsError);
    assert.match(error.message, /its TLS certificate has expired \(CERT_HAS_EXPIRED\): the server must renew it, unless this machine's clock is wrong; .*rejectUnauthorized: false.*testing only/);
    assert.match(mapped(nodeError("certificate is not yet valid", { code: "CERT_NOT_YET_VALID" }), cio("wss://example.test/")).message, /is not valid yet/);
    error = mapped(nodeError("certificate revoked", { code: "CERT_REVOKED" }), cio("wss://example.test/"));
    assert.ok(error instanceof TlsError);
    assert.match(error.message, /its TLS certificate was refused \(certificate revoked, CERT_REVOKED\)/);
  });

  test("a server that answered the TLS handshake in plain text: is the URL ws: rather than wss:?", () => {
    const ssl = (code: string): Error =>
      nodeError("80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n", {
        code,
        library: "SSL routines",
        reason: "wrong version number",
      });
    for (const code of ["ERR_SSL_WRONG_VERSION_NUMBER", "ERR_SSL_PACKET_LENGTH_TOO_LONG", "ERR_SSL_HTTP_REQUEST"]) {
      const error = mapped(ssl(code), cio("wss://127.0.0.1:8080/"));
      assert.ok(error instanceof TlsError);
      assert.equal(error.systemCode, code);
      assert.equal(error.message, `Could not connect to 127.0.0.1:8080: the server answered in plain text, not TLS (${code}): is the URL ws: rather than wss:?`);
    }
    // With the upgrade request already written, Node 20 reports it on the write: EPROTO and OpenSSL's string.
    const eproto = nodeError(
      "write EPROTO 80CCA18C1C7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n",
      { code: "EPROTO", errno: -71, syscall: "write" },
    );
    let error = mapped(eproto, cio("wss://127.0.0.1:8080/"));
    assert.ok(error instanceof TlsError);
    assert.equal(error.systemCode, "EPROTO");
    assert.equal(error.message, "Could not connect to 127.0.0.1:8080: the server answered in plain text, not TLS (wrong version number, EPROTO): is the URL ws: rather than wss:?");
    error = mapped(eproto, cio("https://127.0.0.1:3128/", { peer: "proxy" }));
    assert.match(error.message, /is the proxy URL http: rather than https:\?$/);
    error = mapped(nodeError("write EPROTO 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:ssl/record/rec_layer_s3.c:1586:", { code: "EPROTO" }), cio("wss://h.example/"));
    assert.ok(error instanceof TlsError);
    assert.equal(error.message, "Could not connect to h.example:443: the TLS handshake failed (sslv3 alert handshake failure, EPROTO)");
    // Other TLS failures keep OpenSSL's reason, not its whole error string.
    const other = mapped(Object.assign(ssl("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE"), { reason: "sslv3 alert handshake failure" }), cio("wss://127.0.0.1:8080/"));
    assert.ok(other instanceof TlsError);
    assert.equal(other.message, "Could not connect to 127.0.0.1:8080: the TLS handshake failed (sslv3 alert handshake failure, ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)");
  });

  test("kite-ws's own errors pass through as they are", () => {
    for (const error of [new ConnectTimeoutError("slow"), new WebSocketHandshakeError("no"), new WebSocketError("aborted", { code: "KITE_ERR_ABORTED" })]) {
      assert.equal(toConnectError(error, cio("ws://127.0.0.1:1/")), error);
    }
  });

  test("endpointOf: host and port, the default port made explicit", () => {
    assert.equal(endpointOf(new URL("ws://a.example/")), "a.example:80");
    assert.equal(endpointOf(new URL("wss://a.example/")), "a.example:443");
    assert.equal(endpointOf(new URL("https://u:p@a.example:8443/")), "a.example:8443");
    assert.equal(endpointOf(new URL("ws://[::1]:9/")), "[::1]:9");
    assert.equal(endpointOf(new URL("http://proxy.example:3128/")), "proxy.example:3128");
    assert.deepEqual(["ws:", "wss:", "http:", "https:"].map((scheme) => defaultPort(new URL(`${scheme}//h:1/`))), [80, 443, 80, 443]);
  });

  test("connectTimeoutError names the host and port, the whole timeout and the setting, never the credentials", () => {
    const error = connectTimeoutError(new URL("wss://u:s3cret@a.example:8443/x"), 5000, "ws.connectTimeoutMillis");
    assert.ok(error instanceof ConnectTimeoutError);
    assert.equal(error.message, "Connecting to a.example:8443 took longer than 5000 ms (ws.connectTimeoutMillis)");
  });
});
