/**
 * UTF-8 for text messages and close reasons (RFC 6455 §5.6, §7.1.6, §8.1; RFC 3629).
 *
 * This module imports no `node:` module so it also loads in browsers. Node's fast paths are
 * found through `globalThis.Buffer`, and `./utf8-node.ts` registers Node's native validator
 * (`buffer.isUtf8`, which lives on the `node:buffer` module, not on the Buffer class).
 */

/** A whole-buffer UTF-8 check with the same contract as `isValidUtf8`. */
export type Utf8Check = (bytes: Uint8Array) => boolean;

/** The slice of Node's Buffer this module uses; declared here so the module needs no Node types. */
interface NodeBufferClass {
  from(text: string, encoding: "utf8"): Uint8Array;
  byteLength(text: string, encoding: "utf8"): number;
}

const NodeBuffer = detectBuffer();

function detectBuffer(): NodeBufferClass | null {
  const candidate = (globalThis as unknown as { Buffer?: Partial<NodeBufferClass> }).Buffer;
  return typeof candidate?.from === "function" && typeof candidate.byteLength === "function"
    ? (candidate as NodeBufferClass)
    : null;
}

let nativeCheck: Utf8Check | null = null;

/**
 * Registers a native whole-buffer validator (Node's `buffer.isUtf8`) for `isValidUtf8` and for the
 * middle of large `Utf8Validator` pieces; `null` goes back to the pure JS validator.
 * The function must implement RFC 3629 exactly, like `isValidUtf8`.
 */
export function useNativeUtf8Check(check: Utf8Check | null): void {
  nativeCheck = check;
}

// Below this size the JS loop beats a call into native code (measured on Node 20).
const NATIVE_MIN_BYTES = 32;
// Below this many bytes left, a 32-bit view over the buffer costs more than it saves (measured).
const WORD_SCAN_MIN_BYTES = 128;

/**
 * Validates `b` from `i`, which must be at a code point boundary. Returns -1 at the first byte that
 * cannot belong to valid UTF-8, else the index where an unfinished (but so far valid) final
 * sequence starts, which is `b.length` when the buffer ends on a boundary.
 */
function scan(b: Uint8Array, i: number): number {
  const n = b.length;
  let words: Uint32Array | null = null;
  let head = 0; // bytes before the first 4-byte-aligned address, so words[k] covers b[head + 4k ...]
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      if (n - i < WORD_SCAN_MIN_BYTES) {
        // Short runs: four bytes per step without a view.
        while (i + 4 <= n && ((b[i] | b[i + 1] | b[i + 2] | b[i + 3]) & 0x80) === 0) i += 4;
        continue;
      }
      // Long ASCII runs: test four bytes at once through an aligned 32-bit view (endianness does not
      // matter for the high-bit mask). Made once per call, only when a run may be long.
      if (words === null) {
        head = (4 - (b.byteOffset & 3)) & 3;
        words = new Uint32Array(b.buffer, b.byteOffset + head, (n - head) >>> 2);
      }
      while (((i - head) & 3) !== 0 && b[i] < 0x80) i++;
      if (((i - head) & 3) !== 0) continue; // stopped on a non-ASCII byte before alignment
      const wn = words.length;
      let k = (i - head) >>> 2;
      while (k + 2 <= wn && ((words[k] | words[k + 1]) & 0x80808080) === 0) k += 2;
      while (k < wn && (words[k] & 0x80808080) === 0) k++;
      i = head + (k << 2);
      continue;
    }
    // C0/C1 only start overlong 2-byte forms; 80..BF are continuation bytes with no lead.
    if (c < 0xc2) return -1;
    if (c < 0xe0) {
      if (i + 1 >= n) return i;
      if ((b[i + 1] & 0xc0) !== 0x80) return -1;
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 1 >= n) return i;
      // E0 80..9F would be overlong; ED A0..BF would encode surrogates D800..DFFF.
      const c1 = b[i + 1];
      if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return -1;
      if (i + 2 >= n) return i;
      if ((b[i + 2] & 0xc0) !== 0x80) return -1;
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 1 >= n) return i;
      // F0 80..8F would be overlong; F4 90..BF would be above U+10FFFF.
      const c1 = b[i + 1];
      if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return -1;
      if (i + 2 >= n) return i;
      if ((b[i + 2] & 0xc0) !== 0x80) return -1;
      if (i + 3 >= n) return i;
      if ((b[i + 3] & 0xc0) !== 0x80) return -1;
      i += 4;
      continue;
    }
    // F5..FF never appear in UTF-8.
    return -1;
  }
  return n;
}

/** True when the whole buffer is valid UTF-8 (RFC 3629: no overlongs, no surrogates D800–DFFF, nothing above U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  if (nativeCheck !== null && bytes.length >= NATIVE_MIN_BYTES) return nativeCheck(bytes);
  return scan(bytes, 0) === bytes.length;
}

/** Incremental validator for a message arriving in pieces. */
export class Utf8Validator {
  /** Continuation bytes still owed by the current code point; -1 once invalid (sticky until reset). */
  private need = 0;
  /** Allowed range of the next byte while `need > 0` (narrower than 80..BF right after E0/ED/F0/F4). */
  private lo = 0x80;
  private hi = 0xbf;

  /** Feeds the next piece. Returns false as soon as the bytes so far cannot be a prefix of valid UTF-8. */
  push(bytes: Uint8Array): boolean {
    if (this.need < 0) return false;
    const n = bytes.length;
    let i = 0;
    // Finish the code point left open by the previous piece.
    while (this.need > 0 && i < n) {
      const c = bytes[i];
      if (c < this.lo || c > this.hi) return this.fail();
      this.lo = 0x80;
      this.hi = 0xbf;
      this.need--;
      i++;
    }
    if (i === n) return true;

    let start = i;
    const check = nativeCheck;
    if (check !== null && n - i >= NATIVE_MIN_BYTES) {
      // Find the last lead byte (a code point boundary in any valid input) within the last 4 bytes.
      const floor = Math.max(i, n - 4);
      let last = n - 1;
      while (last > floor && (bytes[last] & 0xc0) === 0x80) last--;
      const lead = bytes[last];
      if (last + (lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4) === n) {
        // The piece looks finished, so "valid prefix" and "valid" coincide: one native call.
        return check(i === 0 ? bytes : bytes.subarray(i)) || this.fail();
      }
      // The last code point is unfinished: the native check takes everything before it, `scan` the
      // at most 3 bytes after. A valid text followed by a valid prefix at a lead byte is exactly a
      // valid prefix, so the split loses nothing.
      if (last > i) {
        if (!check(bytes.subarray(i, last))) return this.fail();
        start = last;
      }
    }

    const end = scan(bytes, start);
    if (end < 0) return this.fail();
    if (end < n) this.open(bytes, end, n);
    return true;
  }

  /** True when the bytes so far end on a code point boundary (call at the final fragment: false = truncated sequence = invalid). */
  get complete(): boolean {
    return this.need === 0;
  }

  /** Back to the start, for reuse by the next message (no allocation per message). */
  reset(): void {
    this.need = 0;
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  private fail(): false {
    this.need = -1;
    return false;
  }

  /** Records the unfinished code point `bytes[start..end)`, already checked by `scan` as a valid prefix. */
  private open(bytes: Uint8Array, start: number, end: number): void {
    const lead = bytes[start];
    const have = end - start;
    this.need = (lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4) - have;
    this.lo = 0x80;
    this.hi = 0xbf;
    if (have === 1) {
      if (lead === 0xe0) this.lo = 0xa0;
      else if (lead === 0xed) this.hi = 0x9f;
      else if (lead === 0xf0) this.lo = 0x90;
      else if (lead === 0xf4) this.hi = 0x8f;
    }
  }
}

// Shared coders, made on first use. ignoreBOM keeps a leading U+FEFF in the text, as Buffer does,
// so the browser and Node paths return the same string (RFC 6455 payloads are taken as-is).
let sharedDecoder: { decode(bytes: Uint8Array): string } | null = null;
let sharedEncoder: { encode(text: string): Uint8Array } | null = null;

/** Decodes UTF-8 bytes to a string (used by Frame.readText()); fast for small and large inputs. */
export function decodeUtf8(bytes: Uint8Array): string {
  // A shared TextDecoder everywhere: on Node 20 it ties Buffer#toString on large inputs and is about
  // twice as fast on small ones, where wrapping the bytes in a Buffer view costs more than decoding.
  sharedDecoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
  return sharedDecoder.decode(bytes);
}

/** Encodes a string to UTF-8 bytes. */
export function encodeUtf8(text: string): Uint8Array {
  if (NodeBuffer !== null) return NodeBuffer.from(text, "utf8");
  sharedEncoder ??= new TextEncoder();
  return sharedEncoder.encode(text);
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(text: string): number {
  if (NodeBuffer !== null) return NodeBuffer.byteLength(text, "utf8");
  return utf8LengthJs(text);
}

/** The JS count behind `utf8Length`; lone surrogates count 3, as encoders write them as U+FFFD. */
function utf8LengthJs(text: string): number {
  const n = text.length;
  let bytes = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // the pair is 2 UTF-16 units, 4 bytes
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
