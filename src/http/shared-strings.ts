/**
 * One copy per process of the strings that repeat from request to request. Node's HTTP parser makes
 * fresh strings for every request's header lines, and a server session keeps its request for its
 * whole life: with ten thousand sessions, ten thousand copies of "Sec-WebSocket-Version" and of the
 * Host. The cache is bounded (cleared when full), so a client that varies them costs nothing lasting.
 */
const MAX_ENTRIES = 1024;
const strings = new Map<string, string>();

/** Values of these fields repeat across clients; others (keys, cookies, credentials) are left alone. */
const REPEATING_VALUES = new Set([
  "host",
  "connection",
  "upgrade",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "origin",
  "user-agent",
  "accept-encoding",
  "accept-language",
  "cache-control",
  "pragma",
]);
/** Whether a field name, as sent, has a repeating value: decided once per spelling. */
const repeatingByName = new Map<string, boolean>();

/** `text`, or an equal string seen before. */
export function sharedString(text: string): string {
  const known = strings.get(text);
  if (known !== undefined) return known;
  if (strings.size >= MAX_ENTRIES) strings.clear();
  strings.set(text, text);
  return text;
}

/**
 * Replaces, in place, the names of `rawHeaders` (Node's flat name, value list) and the values of the
 * fields that repeat across clients with equal strings seen before.
 */
export function shareHeaderStrings(rawHeaders: string[]): void {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] = sharedString(rawHeaders[i]));
    let repeats = repeatingByName.get(name);
    if (repeats === undefined) {
      repeats = REPEATING_VALUES.has(name.toLowerCase());
      if (repeatingByName.size >= MAX_ENTRIES) repeatingByName.clear();
      repeatingByName.set(name, repeats);
    }
    if (repeats) rawHeaders[i + 1] = sharedString(rawHeaders[i + 1]);
  }
}

/** @internal Whether `text` is in the cache (for tests: credentials and keys must never be). */
export function isSharedString(text: string): boolean {
  return strings.has(text);
}
