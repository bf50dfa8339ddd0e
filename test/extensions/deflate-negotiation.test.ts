// permessage-deflate negotiation rules (RFC 7692 §5, §7.1), as pure functions on both sides.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  checkDeflateAnswer,
  chooseDeflateOffer,
  clientOffer,
  deflateParameterList,
  readDeflateParameters,
  type DeflateParameters,
  type DeflateSettings,
} from "../../src/extensions/permessage-deflate/deflate-negotiation.js";
import { parseExtensionHeader } from "../../src/extensions/extension-header.js";
import type { ExtensionParameter } from "../../src/extensions/extension.js";

const DEFAULTS: DeflateSettings = { clientNoContextTakeover: false, serverNoContextTakeover: false, clientMaxWindowBits: null, serverMaxWindowBits: null };

/** The parameters of a header value's first element. */
function params(value: string): readonly ExtensionParameter[] {
  return parseExtensionHeader(`permessage-deflate${value === "" ? "" : `; ${value}`}`)[0].parameters;
}

function offers(value: string): (readonly ExtensionParameter[])[] {
  return parseExtensionHeader(value).map((element) => element.parameters);
}

describe("reading parameters (RFC 7692 §5.1, §7.1)", () => {
  test("each parameter, with and without a value where allowed", () => {
    assert.deepEqual(readDeflateParameters(params(""), "offer"), {
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: null,
      clientMaxWindowBits: null,
    });
    assert.deepEqual(
      readDeflateParameters(params("server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits"), "offer"),
      { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: true },
    );
    assert.equal(readDeflateParameters(params("client_max_window_bits=15"), "answer").clientMaxWindowBits, 15);
    assert.equal(readDeflateParameters(params('server_max_window_bits="12"'), "answer").serverMaxWindowBits, 12);
  });

  const invalid: [string, RegExp][] = [
    ["x_unknown", /unknown parameter "x_unknown"/],
    ["server_no_context_takeover; server_no_context_takeover", /repeated/],
    ["client_max_window_bits=10; client_max_window_bits=11", /repeated/],
    ["server_no_context_takeover=1", /takes no value/],
    ["client_no_context_takeover=true", /takes no value/],
    ["server_max_window_bits", /needs a value/],
    ["server_max_window_bits=7", /not a window size/],
    ["server_max_window_bits=16", /not a window size/],
    ["server_max_window_bits=abc", /not a window size/],
    ["server_max_window_bits=010", /not a window size/],
    ["server_max_window_bits=08", /not a window size/],
    ["client_max_window_bits=7", /not a window size/],
    ["client_max_window_bits=16", /not a window size/],
    ["client_max_window_bits=abc", /not a window size/],
    ["SERVER_NO_CONTEXT_TAKEOVER", /unknown parameter/],
  ];
  for (const [value, message] of invalid) {
    test(`invalid in an offer and an answer: ${value}`, () => {
      assert.throws(() => readDeflateParameters(params(value), "offer"), message);
      assert.throws(() => readDeflateParameters(params(value), "answer"), message);
    });
  }

  test("client_max_window_bits without a value is an offer's only (§7.1.2.2)", () => {
    assert.equal(readDeflateParameters(params("client_max_window_bits"), "offer").clientMaxWindowBits, true);
    assert.throws(() => readDeflateParameters(params("client_max_window_bits"), "answer"), /needs a value .* in an answer/);
  });
});

describe("the client's offer", () => {
  test("by default: only client_max_window_bits, without a value, so a server may limit our window", () => {
    assert.deepEqual(deflateParameterList(clientOffer(DEFAULTS)), [["client_max_window_bits", true]]);
  });

  test("every setting appears", () => {
    const offer = clientOffer({ clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 12, serverMaxWindowBits: 10 });
    assert.deepEqual(deflateParameterList(offer), [
      ["server_no_context_takeover", true],
      ["client_no_context_takeover", true],
      ["server_max_window_bits", "10"],
      ["client_max_window_bits", "12"],
    ]);
  });
});

describe("the client checks the answer (RFC 7692 §5.1, §7.1)", () => {
  const offer = clientOffer(DEFAULTS);

  test("an empty answer: both sides use 15-bit windows and keep their contexts", () => {
    assert.deepEqual(checkDeflateAnswer(offer, params("")), { parameters: [], deflateWindowBits: 15, deflateNoContextTakeover: false, inflateWindowBits: 15 });
  });

  test("each parameter the server may answer on its own is accepted and honoured", () => {
    const agreed = checkDeflateAnswer(offer, params("server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11"));
    assert.equal(agreed.deflateNoContextTakeover, true, "client_no_context_takeover: we reset after each message");
    assert.equal(agreed.deflateWindowBits, 11, "client_max_window_bits: we compress with at most that window");
    assert.equal(agreed.inflateWindowBits, 10, "server_max_window_bits: the server's window");
    assert.deepEqual(agreed.parameters, params("server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11"));
  });

  test("server_max_window_bits=8 is accepted (we read it with a larger window)", () => {
    assert.equal(checkDeflateAnswer(offer, params("server_max_window_bits=8")).inflateWindowBits, 8);
  });

  test("an answer with an invalid parameter fails", () => {
    assert.throws(() => checkDeflateAnswer(offer, params("unknown_param")), /unknown parameter/);
    assert.throws(() => checkDeflateAnswer(offer, params("server_max_window_bits=16")), /not a window size/);
    assert.throws(() => checkDeflateAnswer(offer, params("server_no_context_takeover; server_no_context_takeover")), /repeated/);
    assert.throws(() => checkDeflateAnswer(offer, params("client_max_window_bits")), /needs a value/);
  });

  test("client_max_window_bits answered when it was not offered fails (§7.1.2.2)", () => {
    const withoutIt: DeflateParameters = { ...offer, clientMaxWindowBits: null };
    assert.throws(() => checkDeflateAnswer(withoutIt, params("client_max_window_bits=10")), /was not offered/);
    assert.equal(checkDeflateAnswer(withoutIt, params("")).deflateWindowBits, 15);
  });

  test("a window larger than the one offered fails (§7.1.2)", () => {
    const limited = clientOffer({ ...DEFAULTS, clientMaxWindowBits: 10, serverMaxWindowBits: 10 });
    assert.throws(() => checkDeflateAnswer(limited, params("server_max_window_bits=11")), /larger than the 10 offered/);
    assert.throws(() => checkDeflateAnswer(limited, params("client_max_window_bits=11")), /larger than the 10 offered/);
    const agreed = checkDeflateAnswer(limited, params("server_max_window_bits=9"));
    assert.equal(agreed.inflateWindowBits, 9);
    assert.equal(agreed.deflateWindowBits, 10, "without an answer we keep to the window we offered");
  });

  test("client_max_window_bits=8 cannot be honoured with zlib and fails the handshake", () => {
    assert.throws(() => checkDeflateAnswer(offer, params("client_max_window_bits=8")), /256-byte window/);
  });
});

describe("the server chooses an offer (RFC 7692 §5, §7.1)", () => {
  test("the first valid offer wins; invalid ones are declined", () => {
    const agreed = chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; bogus, permessage-deflate; server_max_window_bits=16, permessage-deflate; client_no_context_takeover"));
    assert.deepEqual(agreed?.parameters, [["client_no_context_takeover", true]]);
  });

  test("every offer invalid: declined (null)", () => {
    assert.equal(chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; x, permessage-deflate; client_max_window_bits=1")), null);
  });

  test("an empty offer: an empty answer, 15-bit windows", () => {
    assert.deepEqual(chooseDeflateOffer(DEFAULTS, offers("permessage-deflate")), {
      parameters: [],
      deflateWindowBits: 15,
      deflateNoContextTakeover: false,
      inflateWindowBits: 15,
    });
  });

  test("server_no_context_takeover offered: granted, and the server resets after each message", () => {
    const agreed = chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; server_no_context_takeover"));
    assert.deepEqual(agreed?.parameters, [["server_no_context_takeover", true]]);
    assert.equal(agreed?.deflateNoContextTakeover, true);
  });

  test("client_no_context_takeover offered: echoed", () => {
    assert.deepEqual(chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; client_no_context_takeover"))?.parameters, [["client_no_context_takeover", true]]);
  });

  test("server_max_window_bits offered: the server compresses with at most it", () => {
    const agreed = chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; server_max_window_bits=10"));
    assert.deepEqual(agreed?.parameters, [["server_max_window_bits", "10"]]);
    assert.equal(agreed?.deflateWindowBits, 10);
    const smaller = chooseDeflateOffer({ ...DEFAULTS, serverMaxWindowBits: 9 }, offers("permessage-deflate; server_max_window_bits=12"));
    assert.deepEqual(smaller?.parameters, [["server_max_window_bits", "9"]], "the server may answer a smaller one");
  });

  test("server_max_window_bits=8 offered: declined, zlib cannot compress with it; the next offer is taken", () => {
    assert.equal(chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; server_max_window_bits=8")), null);
    assert.deepEqual(
      chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; server_max_window_bits=8, permessage-deflate"))?.parameters,
      [],
    );
  });

  test("client_max_window_bits offered without a value: not answered unless the server limits clients", () => {
    const free = chooseDeflateOffer(DEFAULTS, offers("permessage-deflate; client_max_window_bits"));
    assert.deepEqual(free?.parameters, []);
    assert.equal(free?.inflateWindowBits, 15);
    const limiting = chooseDeflateOffer({ ...DEFAULTS, clientMaxWindowBits: 10 }, offers("permessage-deflate; client_max_window_bits"));
    assert.deepEqual(limiting?.parameters, [["client_max_window_bits", "10"]]);
    assert.equal(limiting?.inflateWindowBits, 10);
  });

  test("client_max_window_bits offered with a value: the smaller of it and the server's limit is answered", () => {
    const limiting = chooseDeflateOffer({ ...DEFAULTS, clientMaxWindowBits: 12 }, offers("permessage-deflate; client_max_window_bits=9"));
    assert.deepEqual(limiting?.parameters, [["client_max_window_bits", "9"]]);
  });

  test("a server that limits clients declines offers without client_max_window_bits (§7.1.2.2: it may not answer it)", () => {
    assert.equal(chooseDeflateOffer({ ...DEFAULTS, clientMaxWindowBits: 10 }, offers("permessage-deflate")), null);
  });

  test("the server's own settings are added to any offer", () => {
    const agreed = chooseDeflateOffer(
      { clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 11, serverMaxWindowBits: 12 },
      offers("permessage-deflate; client_max_window_bits"),
    );
    assert.deepEqual(agreed?.parameters, [
      ["server_no_context_takeover", true],
      ["client_no_context_takeover", true],
      ["server_max_window_bits", "12"],
      ["client_max_window_bits", "11"],
    ]);
    assert.deepEqual(
      { deflate: agreed?.deflateWindowBits, reset: agreed?.deflateNoContextTakeover, inflate: agreed?.inflateWindowBits },
      { deflate: 12, reset: true, inflate: 11 },
    );
  });

  test("every answer the server gives is one its own client accepts", () => {
    const all = ["", "server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits=10", "client_max_window_bits", "client_max_window_bits=12"];
    for (const offered of all) {
      for (const serverBits of [null, 9, 15]) {
        for (const clientBits of [null, 9, 15]) {
          const settings: DeflateSettings = { ...DEFAULTS, serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits };
          const agreed = chooseDeflateOffer(settings, [params(offered)]);
          if (agreed === null) continue;
          const offer = readDeflateParameters(params(offered), "offer");
          assert.doesNotThrow(() => checkDeflateAnswer(offer, agreed.parameters), `${offered} / ${serverBits} / ${clientBits}`);
        }
      }
    }
  });
});
