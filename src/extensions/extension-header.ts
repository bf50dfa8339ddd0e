import type { ExtensionParameter } from "./extension.js";
import { TOKEN_CHAR, isToken } from "../http/token.js";

/** One element of a `Sec-WebSocket-Extensions` header: an extension token and its parameters. */
export interface ExtensionElement {
  readonly name: string;
  readonly parameters: readonly ExtensionParameter[];
}


/**
 * Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1): a comma-separated list of
 * `token *( ";" token [ "=" ( token / quoted-string ) ] )`, with optional whitespace around the
 * separators. Several header fields are one list joined with ", " (RFC 7230 §3.2.2); empty list
 * elements are skipped (§7). A quoted value must be a token once unquoted (RFC 6455 §9.1).
 * @throws SyntaxError naming the position of the first character that does not fit.
 */
export function parseExtensionHeader(value: string): ExtensionElement[] {
  const elements: ExtensionElement[] = [];
  let at = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${at} of ${JSON.stringify(value)}`);
  };
  const skipSpace = (): void => {
    while (at < value.length && (value[at] === " " || value[at] === "\t")) at++;
  };
  const token = (what: string): string => {
    const start = at;
    while (at < value.length && TOKEN_CHAR.test(value[at])) at++;
    if (at === start) fail(`Expected ${what}`);
    return value.slice(start, at);
  };
  const quoted = (): string => {
    at++; // the opening quote
    let text = "";
    for (;;) {
      if (at >= value.length) fail("Unterminated quoted string");
      const char = value[at++];
      if (char === '"') break;
      if (char === "\\") {
        if (at >= value.length) fail("Unterminated quoted string");
        text += value[at++];
      } else {
        text += char;
      }
    }
    if (!isToken(text)) fail("A quoted parameter value must be a token");
    return text;
  };

  for (;;) {
    skipSpace();
    if (at >= value.length) break;
    if (value[at] === ",") {
      at++;
      continue;
    }
    const name = token("an extension name");
    const parameters: ExtensionParameter[] = [];
    skipSpace();
    while (value[at] === ";") {
      at++;
      skipSpace();
      const parameter = token("a parameter name");
      skipSpace();
      let parameterValue: string | true = true;
      if (value[at] === "=") {
        at++;
        skipSpace();
        parameterValue = value[at] === '"' ? quoted() : token("a parameter value");
        skipSpace();
      }
      parameters.push([parameter, parameterValue]);
    }
    elements.push({ name, parameters });
    if (at < value.length && value[at] !== ",") fail('Expected "," or ";"');
  }
  return elements;
}

/** Writes elements as a `Sec-WebSocket-Extensions` value: `name; flag; key=value, other`. */
export function formatExtensionHeader(elements: readonly ExtensionElement[]): string {
  return elements
    .map(({ name, parameters }) =>
      [name, ...parameters.map(([key, value]) => (value === true ? key : `${key}=${isToken(value) ? value : quote(value)}`))].join("; "),
    )
    .join(", ");
}

/** The parameters as a record (the last of a repeated name wins), for `NegotiatedExtension.parameters`. */
export function parameterRecord(parameters: readonly ExtensionParameter[]): Readonly<Record<string, string | true>> {
  // fromEntries defines own properties, so even a parameter named "__proto__" stays a plain entry.
  return Object.freeze(Object.fromEntries(parameters));
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}
