// The one HTTP token check behind header names, subprotocols and extension names (RFC 9110 §5.6.2).
import { test } from "node:test";
import assert from "node:assert/strict";
import { TOKEN_CHAR, isToken } from "../../src/http/token.js";

test("a token is one or more tchar, and nothing else", () => {
  for (const text of ["a", "X-Trace", "permessage-deflate", "!#$%&'*+-.^_`|~09AZaz"]) assert.equal(isToken(text), true, text);
  for (const text of ["", "a b", "a:b", "a,b", "a;b", 'a"b', "a/b", "a\tb", "é", "a\r\n"]) assert.equal(isToken(text), false, JSON.stringify(text));
  assert.equal(TOKEN_CHAR.test("-"), true);
  assert.equal(TOKEN_CHAR.test("("), false);
});
