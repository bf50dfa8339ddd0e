import { isToken } from "./token.js";

/**
 * Request header fields checked and normalized as `Headers` would, without making one: on Node.js 20
 * the first `Headers` loads undici (about 9 MB and 30-50 ms), which a handshake does not need.
 */

/** Header fields as `Headers` iterates them: lower-case names, sorted, a repeated name's values joined with ", ". */
export type HeaderFields = readonly (readonly [name: string, value: string])[];

/** What a caller may give as headers: what `new Headers(init)` takes. */
export type HeaderFieldsInit = Headers | Record<string, string> | Iterable<readonly [string, string]>;

const HTTP_WHITESPACE_AT_ENDS = /^[\t\n\r ]+|[\t\n\r ]+$/g;
/** What `Headers` refuses in a value once it is trimmed: NUL, CR, LF, and anything that is not a byte. */
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

/** Whether `Headers.append(name, value)` accepts the field: a token name, and a value it would not refuse. */
export function isValidHeaderField(name: string, value: string): boolean {
  return isToken(name) && !BAD_VALUE.test(value.replace(HTTP_WHITESPACE_AT_ENDS, ""));
}

/**
 * The fields of `init` as `new Headers(init)` would hold them, or a `TypeError` where it would throw
 * one. Error messages name the field, never its value (it may be a credential).
 */
export function normalizeHeaderFields(init: HeaderFieldsInit): HeaderFields {
  const byName = new Map<string, string>();
  const add = (name: string, raw: string): void => {
    const value = raw.replace(HTTP_WHITESPACE_AT_ENDS, "");
    if (!isToken(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`Invalid value for header ${name}: NUL, CR, LF or a character above U+00FF`);
    const key = name.toLowerCase();
    const before = byName.get(key);
    byName.set(key, before === undefined ? value : `${before}, ${value}`);
  };
  if (init === null || typeof init !== "object") throw new TypeError("Headers are a Headers object, a record or a list of [name, value] pairs");
  if (Symbol.iterator in init) {
    for (const pair of init as Iterable<readonly [string, string]>) {
      const parts = [...(pair as Iterable<unknown>)];
      if (parts.length !== 2) throw new TypeError(`A header is a [name, value] pair, got ${parts.length} item(s)`);
      add(String(parts[0]), String(parts[1]));
    }
  } else {
    for (const name of Object.keys(init)) add(name, String((init as Record<string, unknown>)[name]));
  }
  return [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
