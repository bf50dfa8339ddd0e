import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_RESPONSE_HEAD_LIMITS, ResponseHeadParser, type ResponseHead } from "../../src/http/response-head.js";
import { WebSocketHandshakeError } from "../../src/errors.js";

const HEAD =
  "HTTP/1.1 101 Switching Protocols\r\n" +
  "Upgrade: websocket\r\n" +
  "Connection: Upgrade\r\n" +
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
  "\r\n";

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

function assertHead(head: ResponseHead): void {
  assert.equal(head.version, "1.1");
  assert.equal(head.status, 101);
  assert.equal(head.statusText, "Switching Protocols");
  assert.equal(head.headers.get("upgrade"), "websocket");
  assert.equal(head.headers.get("Connection"), "Upgrade");
  assert.equal(head.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

function parseText(text: string, limits = DEFAULT_RESPONSE_HEAD_LIMITS): ResponseHead {
  const result = new ResponseHeadParser(limits).push(bytes(text));
  assert.ok(result !== null, "the head is complete");
  return result.head;
}

function assertRefused(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WebSocketHandshakeError, `expected WebSocketHandshakeError, got ${String(error)}`);
    assert.equal(error.status, 0, "no response was accepted");
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe("ResponseHeadParser: complete heads", () => {
  test("parses a 101 response in one chunk", () => {
    const result = new ResponseHeadParser().push(bytes(HEAD));
    assert.ok(result !== null);
    assertHead(result.head);
    assert.equal(result.rest.length, 0);
  });

  test("a head split into two chunks at every position parses the same", () => {
    const all = bytes(HEAD);
    for (let i = 0; i <= all.length; i++) {
      const parser = new ResponseHeadParser();
      const first = parser.push(all.slice(0, i));
      if (i < all.length) {
        assert.equal(first, null, `split at ${i}: nothing before the blank line`);
        const second = parser.push(all.slice(i));
        assert.ok(second !== null, `split at ${i}`);
        assertHead(second.head);
        assert.equal(second.rest.length, 0);
      } else {
        assert.ok(first !== null);
        assertHead(first.head);
      }
    }
  });

  test("a head pushed one byte at a time parses the same", () => {
    const all = bytes(HEAD);
    const parser = new ResponseHeadParser();
    for (let i = 0; i < all.length - 1; i++) assert.equal(parser.push(all.subarray(i, i + 1)), null, `byte ${i}`);
    const result = parser.push(all.subarray(all.length - 1));
    assert.ok(result !== null);
    assertHead(result.head);
  });

  test("bytes after the head are returned as rest, wherever the chunks split", () => {
    const tail = Uint8Array.of(0x81, 0x02, 0x68, 0x69, 0x0d, 0x0a, 0x0d, 0x0a, 0x00);
    const head = bytes(HEAD);
    const all = new Uint8Array(head.length + tail.length);
    all.set(head);
    all.set(tail, head.length);
    for (let i = 0; i <= all.length; i++) {
      const parser = new ResponseHeadParser();
      const first = parser.push(all.slice(0, i));
      if (i < head.length) {
        assert.equal(first, null);
        const second = parser.push(all.slice(i));
        assert.ok(second !== null);
        assertHead(second.head);
        assert.deepEqual([...second.rest], [...tail], `split at ${i}`);
      } else {
        assert.ok(first !== null);
        assertHead(first.head);
        assert.deepEqual([...first.rest], [...all.subarray(head.length, i)], `split at ${i}`);
      }
    }
  });

  test("a status line without a reason phrase, and other versions", () => {
    const head = parseText("HTTP/1.1 101\r\nUpgrade: websocket\r\n\r\n");
    assert.equal(head.status, 101);
    assert.equal(head.statusText, "");
    const http10 = parseText("HTTP/1.0 403 Forbidden\r\n\r\n");
    assert.deepEqual([http10.version, http10.status, http10.statusText], ["1.0", 403, "Forbidden"]);
    assert.equal([...http10.headers.keys()].length, 0);
  });

  test("header values are trimmed, empty values allowed", () => {
    const head = parseText("HTTP/1.1 101 OK\r\nX-A:   spaced   \r\nX-B:\r\nX-C:\tv\t\r\n\r\n");
    assert.equal(head.headers.get("x-a"), "spaced");
    assert.equal(head.headers.get("x-b"), "");
    assert.equal(head.headers.get("x-c"), "v");
  });

  test("duplicate headers are combined", () => {
    const head = parseText(
      "HTTP/1.1 101 OK\r\nSec-WebSocket-Extensions: a\r\nsec-websocket-extensions: b; x=1\r\nX-Y: 1\r\nX-Y: 2\r\nX-Y: 3\r\n\r\n",
    );
    assert.equal(head.headers.get("Sec-WebSocket-Extensions"), "a, b; x=1");
    assert.equal(head.headers.get("x-y"), "1, 2, 3");
  });

  test("a head of exactly maxBytes is accepted", () => {
    const limits = { maxBytes: 100, maxHeaders: 10 };
    const start = "HTTP/1.1 101 OK\r\nX: ";
    const text = start + "a".repeat(100 - start.length - 4) + "\r\n\r\n";
    assert.equal(text.length, 100);
    assert.equal(parseText(text, limits).headers.get("x"), "a".repeat(100 - start.length - 4));
  });
});

describe("ResponseHeadParser: refusals", () => {
  test("a head over maxBytes is refused even when the blank line never comes", () => {
    const limits = { maxBytes: 64, maxHeaders: 10 };
    // One big chunk.
    assertRefused(() => new ResponseHeadParser(limits).push(bytes("HTTP/1.1 101 OK\r\nX: " + "a".repeat(100))), /64/);
    // Many small chunks: refused as soon as the buffered head passes the limit.
    const parser = new ResponseHeadParser(limits);
    const endless = bytes("HTTP/1.1 101 OK\r\n" + "X-Pad: 0123456789\r\n".repeat(10));
    let pushed = 0;
    assertRefused(() => {
      for (; pushed < endless.length; pushed += 8) parser.push(endless.subarray(pushed, pushed + 8));
    });
    assert.ok(pushed <= 64 + 8, `refused after ${pushed} bytes`);
  });

  test("the default limit refuses an endless head past 16 KiB", () => {
    assert.equal(DEFAULT_RESPONSE_HEAD_LIMITS.maxBytes, 16 * 1024);
    const parser = new ResponseHeadParser();
    const line = bytes("X-Pad: " + "p".repeat(1000) + "\r\n");
    assert.equal(parser.push(bytes("HTTP/1.1 101 OK\r\n")), null);
    let pushed = 0;
    assertRefused(() => {
      for (; pushed < 100; pushed++) parser.push(line);
    });
    assert.ok(pushed <= 17, `refused after ${pushed} lines`);
  });

  test("a complete head over maxBytes is refused, even with its blank line in the same chunk", () => {
    const limits = { maxBytes: 64, maxHeaders: 10 };
    assertRefused(() => new ResponseHeadParser(limits).push(bytes("HTTP/1.1 101 OK\r\nX: " + "a".repeat(60) + "\r\n\r\n")));
    // The limit counts the head, not what follows it.
    const result = new ResponseHeadParser(limits).push(bytes("HTTP/1.1 101 OK\r\n\r\n" + "b".repeat(200)));
    assert.ok(result !== null);
    assert.equal(result.rest.length, 200);
  });

  test("too many header fields are refused", () => {
    const limits = { maxBytes: 16 * 1024, maxHeaders: 3 };
    const three = "HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    assert.equal(parseText(three, limits).headers.get("c"), "3");
    assertRefused(() => new ResponseHeadParser(limits).push(bytes("HTTP/1.1 101 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n")), /header/i);
    assert.equal(DEFAULT_RESPONSE_HEAD_LIMITS.maxHeaders, 100);
    const many = "HTTP/1.1 101 OK\r\n" + Array.from({ length: 101 }, (_, i) => `H${i}: v`).join("\r\n") + "\r\n\r\n";
    assertRefused(() => new ResponseHeadParser().push(bytes(many)));
  });

  test("malformed status lines are refused", () => {
    const lines = [
      "",
      "HTTP/1.1",
      "HTTP/1.1 ",
      "HTTP/1.1 10 OK",
      "HTTP/1.1 1010 OK",
      "HTTP/1.1 abc OK",
      "HTTP/1.1  101 OK",
      "http/1.1 101 OK",
      "HTTP/2 101 OK",
      "HTTP/1.10 101 OK",
      "HTTP/1.1\t101 OK",
      "ICY 200 OK",
      " HTTP/1.1 101 OK",
      "HTTP/1.1 101 OK\nUpgrade: websocket",
    ];
    for (const line of lines) {
      assertRefused(() => new ResponseHeadParser().push(bytes(line + "\r\nUpgrade: websocket\r\n\r\n")), /status line/i);
    }
  });

  test("malformed header lines are refused", () => {
    const lines = [
      "NoColon",
      ": no name",
      " Leading-Space: v",
      "\tFolded: v",
      "Space In Name: v",
      "Name : v",
      "Bad(name): v",
      "Bad/name: v",
      "Naïve: v",
      "X-Nul: a\u0000b",
      "X-LF: a\nb",
    ];
    for (const line of lines) {
      assertRefused(() => new ResponseHeadParser().push(bytes(`HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n${line}\r\n\r\n`)));
    }
  });

  test("obsolete line folding is refused", () => {
    assertRefused(() => new ResponseHeadParser().push(bytes("HTTP/1.1 101 OK\r\nX-A: one\r\n  two\r\n\r\n")));
  });
});
