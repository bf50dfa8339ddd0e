// A reference model of what an RFC 6455 endpoint must do with a byte stream after the handshake,
// written from the RFC and independent of src/: it walks the frames and says whether the stream is
// cut short ("open"), ends in a valid Close from the peer ("close"), or breaks a rule ("fail", with
// every close code that is right for the first frame that breaks one). It also lists the messages
// and the Pings that come before that point, so a test can check delivery and Pongs exactly.
// UTF-8 is checked with the WHATWG decoder (fatal, streaming), which fails at the first byte that
// cannot continue a valid sequence, as RFC 6455 §8.1's fail-fast reading asks.
import fc from "fast-check";
import { Buffer } from "node:buffer";
import { TextDecoder } from "node:util";
import { encodeFrame } from "../helpers/frames.js";

export interface ModelOptions {
  /** True for a server (frames from the client must be masked), false for a client. */
  readonly expectMasked: boolean;
  readonly maxFrameSize: number;
  readonly maxMessageSize: number;
}

export interface ModelMessage {
  readonly type: "text" | "binary";
  readonly data: Uint8Array;
}

interface Seen {
  /** Complete messages delivered before the stream's end or its first violation. */
  readonly messages: ModelMessage[];
  /** Payloads of the Pings that must be answered, in order. */
  readonly pings: Uint8Array[];
}

export type ModelOutcome =
  | (Seen & { readonly kind: "fail"; readonly codes: readonly number[]; readonly why: string })
  | (Seen & { readonly kind: "close"; readonly code: number | null; readonly reason: string })
  | (Seen & { readonly kind: "open" });

/** Close codes that may appear on the wire (RFC 6455 §7.4.1, §7.4.2 and the IANA registry: 1012–1014). */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

function validUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Runs the model over `bytes`, the whole stream the peer sends after the handshake. */
export function model(bytes: Uint8Array, options: ModelOptions): ModelOutcome {
  const messages: ModelMessage[] = [];
  const pings: Uint8Array[] = [];
  const fail = (codes: number[], why: string): ModelOutcome => ({ kind: "fail", codes: [...new Set(codes)], why, messages, pings });
  let at = 0;
  let fragmentType = 0; // opcode of the fragmented message in progress, 0 when none
  let parts: Uint8Array[] = [];
  let size = 0;
  let decoder: TextDecoder | null = null;

  for (;;) {
    if (bytes.length - at < 2) return { kind: "open", messages, pings };
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & 0x70;
    const opcode = b0 & 0x0f;
    const isMasked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;

    // §5.2, §5.4, §5.5: what the first two bytes alone can break.
    const headerErrors: string[] = [];
    if (rsv !== 0) headerErrors.push("RSV bits without an extension");
    if (isMasked !== options.expectMasked) headerErrors.push(isMasked ? "masked frame to a client" : "unmasked frame to a server");
    if (opcode >= 8) {
      if (opcode > 0xa) headerErrors.push(`reserved control opcode ${opcode}`);
      if (!fin) headerErrors.push("fragmented control frame");
      if (len7 > 125) headerErrors.push("control frame over 125 bytes");
    } else if (opcode === 0) {
      if (fragmentType === 0) headerErrors.push("continuation with nothing to continue");
    } else {
      if (opcode > 2) headerErrors.push(`reserved data opcode ${opcode}`);
      if (fragmentType !== 0) headerErrors.push("new message inside a fragmented one");
    }
    if (headerErrors.length > 0) return fail([1002], headerErrors.join("; "));

    const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const headerLength = 2 + extended + (isMasked ? 4 : 0);
    if (bytes.length - at < headerLength) return { kind: "open", messages, pings };
    let length = len7;
    const lengthErrors: number[] = [];
    if (len7 === 126) {
      length = (bytes[at + 2] << 8) | bytes[at + 3];
    } else if (len7 === 127) {
      const big = Buffer.from(bytes.buffer, bytes.byteOffset + at + 2, 8).readBigUInt64BE(0);
      if (big >> 63n) lengthErrors.push(1002);
      length = Number(big);
    }
    if (length > options.maxFrameSize) lengthErrors.push(1009);
    if (lengthErrors.length > 0) return fail(lengthErrors, `frame of ${length} bytes`);
    if (bytes.length - at - headerLength < length) return { kind: "open", messages, pings };

    const payload = Uint8Array.from(bytes.subarray(at + headerLength, at + headerLength + length));
    if (isMasked) {
      const key = bytes.subarray(at + headerLength - 4, at + headerLength);
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    }
    at += headerLength + length;

    if (opcode === 0x8) {
      if (length === 0) return { kind: "close", code: null, reason: "", messages, pings };
      if (length === 1) return fail([1002], "Close with a 1-byte payload");
      const code = (payload[0] << 8) | payload[1];
      const errors: number[] = [];
      if (!isWireCloseCode(code)) errors.push(1002);
      if (!validUtf8(payload.subarray(2))) errors.push(1007);
      if (errors.length > 0) return fail(errors, `Close ${code}`);
      return { kind: "close", code, reason: Buffer.from(payload.subarray(2)).toString("utf8"), messages, pings };
    }
    if (opcode === 0x9) {
      pings.push(payload);
      continue;
    }
    if (opcode === 0xa) continue;

    // Data: §5.4 reassembly, §10.4 message size, §5.6/§8.1 UTF-8 checked as each fragment arrives.
    if (opcode !== 0 && fin) {
      const errors: number[] = [];
      if (length > options.maxMessageSize) errors.push(1009);
      if (opcode === 1 && !validUtf8(payload)) errors.push(1007);
      if (errors.length > 0) return fail(errors, "single-frame message");
      messages.push({ type: opcode === 1 ? "text" : "binary", data: payload });
      continue;
    }
    if (opcode !== 0) {
      fragmentType = opcode;
      parts = [];
      size = 0;
      decoder = opcode === 1 ? new TextDecoder("utf-8", { fatal: true }) : null;
    }
    size += length;
    parts.push(payload);
    const errors: number[] = [];
    if (size > options.maxMessageSize) errors.push(1009);
    if (decoder !== null) {
      try {
        decoder.decode(payload, { stream: !fin });
      } catch {
        errors.push(1007);
      }
    }
    if (errors.length > 0) return fail(errors, "fragment");
    if (fin) {
      messages.push({ type: fragmentType === 1 ? "text" : "binary", data: Buffer.concat(parts) });
      fragmentType = 0;
      decoder = null;
    }
  }
}

// --- generators ---

export interface FuzzLimits {
  readonly maxFrameSize: number;
  readonly maxMessageSize: number;
}

/** Interesting close codes: every boundary of §7.4. */
const CLOSE_CODES = [0, 1, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1012, 1014, 1015, 1016, 1999, 2000, 2999, 3000, 3999, 4000, 4999, 5000, 65535];

const utf8Text = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.string({ unit: "binary", maxLength }).map((s) => Buffer.from(s, "utf8"));

/** Payloads that hit UTF-8's edges: valid text, random bytes, and valid text with a byte changed. */
const payloadArb = (limits: FuzzLimits): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 4, arbitrary: utf8Text(30) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(utf8Text(20), fc.nat(), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff))
        .map(([text, at, byte]) => {
          const out = Buffer.from(text);
          if (out.length > 0) out[at % out.length] = byte;
          return out;
        }),
    },
    // Around the limits: just under and just over maxFrameSize and maxMessageSize.
    { weight: 1, arbitrary: fc.integer({ min: limits.maxFrameSize - 4, max: limits.maxFrameSize + 4 }).map((n) => new Uint8Array(Math.max(0, n)).fill(0x61)) },
  );

const closePayloadArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 1, maxLength: 1 }),
  fc.tuple(fc.constantFrom(...CLOSE_CODES), fc.oneof(utf8Text(20), fc.uint8Array({ maxLength: 6 }))).map(([code, reason]) => {
    const out = Buffer.alloc(2 + reason.length);
    out.writeUInt16BE(code, 0);
    out.set(reason, 2);
    return out.subarray(0, Math.min(out.length, 125));
  }),
);

/** One frame, usually well-formed, sometimes not in one of the ways §5 forbids. */
export function frameArb(masked: boolean, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      opcode: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(0x0, 0x1, 0x2) },
        { weight: 5, arbitrary: fc.constantFrom(0x8, 0x9, 0xa) },
        { weight: 1, arbitrary: fc.constantFrom(0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf) },
      ),
      fin: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      rsv: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
      rightMask: fc.oneof({ weight: 20, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      payload: payloadArb(limits),
      closePayload: closePayloadArb,
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      width: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<16 | 64>(16, 64) }),
      huge: fc.oneof({ weight: 30, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.bigInt({ min: 126n, max: (1n << 64n) - 1n }) }),
    })
    .map(({ opcode, fin, rsv, rightMask, payload, closePayload, key, width, huge }) => {
      const isMasked = rightMask === masked;
      const data = opcode === 0x8 ? closePayload : opcode >= 0x9 ? payload.subarray(0, 125) : payload;
      if (huge !== null) {
        // A header announcing a length it will not send (§10.4): only the header goes out.
        const frame = encodeFrame({ opcode, fin, rsv, payload: new Uint8Array(0), maskKey: isMasked ? key : null, lengthBits: 64, declaredLength: huge });
        return frame;
      }
      const bits = width === 16 && data.length > 0xffff ? 64 : width;
      return encodeFrame({ opcode, fin, rsv, payload: data, maskKey: isMasked ? key : null, lengthBits: bits });
    });
}

/** A valid stream: messages split into fragments with control frames between them, maybe a Close at the end. */
export function validStreamArb(masked: boolean, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  const key = fc.uint8Array({ minLength: 4, maxLength: 4 });
  const control = fc.tuple(fc.constantFrom(0x9, 0xa), utf8Text(20), key).map(([opcode, payload, k]) =>
    encodeFrame({ opcode, payload: payload.subarray(0, 125), maskKey: masked ? k : null }),
  );
  const message = fc
    .tuple(fc.boolean(), fc.oneof(utf8Text(60), fc.uint8Array({ maxLength: 80 })), fc.array(fc.nat(), { maxLength: 4 }), fc.array(fc.option(control, { nil: undefined }), { maxLength: 5 }), key)
    .map(([text, body, cuts, controls, k]) => {
      const data = text ? Buffer.from(Buffer.from(body).toString("utf8"), "utf8").subarray(0, limits.maxFrameSize) : Buffer.from(body);
      const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % data.length)))].filter((c) => c > 0).sort((a, b) => a - b);
      const pieces: Uint8Array[] = [];
      let start = 0;
      for (const point of [...points, data.length]) {
        pieces.push(data.subarray(start, point));
        start = point;
      }
      const frames: Uint8Array[] = [];
      pieces.forEach((piece, i) => {
        frames.push(encodeFrame({ opcode: i === 0 ? (text ? 0x1 : 0x2) : 0x0, fin: i === pieces.length - 1, payload: piece, maskKey: masked ? k : null }));
        const extra = controls[i];
        if (extra !== undefined && i < pieces.length - 1) frames.push(extra);
      });
      return Buffer.concat(frames);
    });
  const close = fc.tuple(closePayloadArb, key).map(([payload, k]) => encodeFrame({ opcode: 0x8, payload, maskKey: masked ? k : null }));
  return fc
    .tuple(fc.array(fc.oneof({ weight: 3, arbitrary: message }, { weight: 1, arbitrary: control }), { maxLength: 6 }), fc.option(close, { nil: undefined }))
    .map(([parts, end]) => Buffer.concat([...parts, ...(end === undefined ? [] : [end])]));
}

export type Mutation =
  | { readonly op: "flip"; readonly at: number; readonly bit: number }
  | { readonly op: "set"; readonly at: number; readonly value: number }
  | { readonly op: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: "delete"; readonly at: number; readonly length: number }
  | { readonly op: "truncate"; readonly at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7e, 0x7f, 0x80, 0x81, 0x88, 0xff, 0xfe, 0x0f) }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.op === "flip") out[at] ^= 1 << m.bit;
    else if (m.op === "set") out[at] = m.value;
    else if (m.op === "insert") out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else if (m.op === "delete") out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
    else out = out.subarray(0, at);
  }
  return out;
}

/** Every kind of stream the fuzz tests feed: valid, mutated, random frames, and random bytes. */
export function streamArb(masked: boolean, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 2, arbitrary: validStreamArb(masked, limits) },
    { weight: 4, arbitrary: fc.tuple(validStreamArb(masked, limits), fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([bytes, m]) => mutate(bytes, m)) },
    { weight: 4, arbitrary: fc.array(frameArb(masked, limits), { minLength: 1, maxLength: 8 }).map((frames) => Buffer.concat(frames)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }) },
  );
}

/** Cut points for splitting a stream into TCP writes. */
export const cutsArb = fc.array(fc.nat({ max: 4096 }), { maxLength: 8 });

/** How many cases to run: FUZZ_RUNS in the environment (the `npm run fuzz` script) or the in-suite default. */
export function runs(inSuite: number): number {
  const fromEnv = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : inSuite;
}

/** fast-check parameters shared by the fuzz tests: FUZZ_SEED replays a failing run. */
export function fuzzParameters(inSuite: number): fc.Parameters<unknown> {
  const seed = Number(process.env.FUZZ_SEED);
  return { numRuns: runs(inSuite), ...(Number.isInteger(seed) ? { seed } : {}), endOnFailure: true, includeErrorInReport: true };
}
