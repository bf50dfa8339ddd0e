/** Longest string an error message quotes whole; longer ones are cut with an ellipsis. */
const MAX_QUOTED = 60;

/** DEL, C1 controls, line and paragraph separators, bidirectional overrides and isolates. */
const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` escaped as a JSON string, cut to `chars` characters with "…" when there is more: inside the
 * quotes (`"abc…"`, an error message's quoted value) or after them (`"abc"…`, a log line's preview).
 * Besides JSON's escapes (quotes, C0 controls, so no terminal escape sequence gets through), C1
 * controls and the characters that reorder or break lines are escaped too, so quoted text cannot
 * forge lines; a cut never splits a surrogate pair, whose lone half would print as an escape.
 */
export function quote(text: string, chars = MAX_QUOTED, ellipsis: "inside" | "after" = "inside"): string {
  if (text.length <= chars) return escaped(text);
  let shown = text.slice(0, chars);
  if (/[\uD800-\uDBFF]$/.test(shown)) shown = shown.slice(0, -1);
  return ellipsis === "inside" ? escaped(`${shown}…`) : `${escaped(shown)}…`;
}

/** `\u001b` for ESC: a character as a JSON-style escape. */
export function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** JSON's escapes, and `\uXXXX` for what JSON leaves as it is but must not reach a terminal. */
function escaped(text: string): string {
  return JSON.stringify(text).replace(UNSAFE, unicodeEscape);
}
