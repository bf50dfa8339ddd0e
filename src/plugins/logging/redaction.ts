import { REDACTED, type SanitizePredicate } from "./logging-config.js";

/** Headers whose values are credentials, whatever the user configured. */
const ALWAYS_REDACTED_HEADERS: ReadonlySet<string> = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);

/** Header names that look like they carry a secret (X-Api-Key, X-Auth-Token, X-Session-Id...). */
const SECRET_LOOKING_HEADER = /token|secret|passw|api-?key|credential|session/i;

/** Query parameter names that look like they carry a secret (access_token, apiKey, X-Amz-Signature, code...). */
const SECRET_LOOKING_PARAMETER = /token|secret|passw|pwd|auth|api[-_]?key|^key$|sig|session|^sid$|jwt|credential|ticket|^code$/i;

/** A URL in free text (an error message), up to the first character that cannot be in one. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/**
 * @internal Hides secrets in what the Logging plugin writes: credentials in URLs are dropped, secret
 * query parameters and headers are replaced by a placeholder. Built once per client.
 */
export class Redactor {
  private readonly headerSanitizers: readonly { readonly predicate: SanitizePredicate; readonly placeholder: string }[];
  private readonly parameterSanitizers: readonly SanitizePredicate[];

  constructor(
    headerSanitizers: readonly { readonly predicate: SanitizePredicate; readonly placeholder: string }[],
    parameterSanitizers: readonly SanitizePredicate[],
  ) {
    this.headerSanitizers = [...headerSanitizers];
    this.parameterSanitizers = [...parameterSanitizers];
  }

  /** The value to show for header `name`: itself, or a placeholder when it is a secret. */
  headerValue(name: string, value: string): string {
    const lower = name.toLowerCase();
    if (ALWAYS_REDACTED_HEADERS.has(lower) || SECRET_LOOKING_HEADER.test(lower)) return REDACTED;
    for (const { predicate, placeholder } of this.headerSanitizers) if (predicate(lower)) return placeholder;
    return value;
  }

  /** `headers` as "name: value" lines, secrets redacted. */
  headerLines(headers: Headers): string[] {
    const lines: string[] = [];
    for (const [name, value] of headers) lines.push(`${name}: ${this.headerValue(name, value)}`);
    return lines;
  }

  /** `url` without `user:password@`, its secret query parameters' values replaced by a placeholder. */
  url(url: URL | string): string {
    let copy: URL;
    try {
      copy = new URL(String(url));
    } catch {
      return REDACTED;
    }
    copy.username = "";
    copy.password = "";
    copy.hash = "";
    if (copy.search.length > 1) copy.search = this.query(copy.search.slice(1));
    return copy.href;
  }

  /** `text` with every URL in it redacted as `url` does: for error messages, which may quote one. */
  text(text: string): string {
    return text.replace(URL_IN_TEXT, (found) => this.url(found));
  }

  /** A query string (without "?") with secret values replaced; the rest is kept byte for byte. */
  private query(query: string): string {
    return query
      .split("&")
      .map((pair) => {
        const eq = pair.indexOf("=");
        const rawName = eq === -1 ? pair : pair.slice(0, eq);
        return this.isSecretParameter(decodeName(rawName)) ? `${rawName}=${REDACTED}` : pair;
      })
      .join("&");
  }

  private isSecretParameter(name: string): boolean {
    if (SECRET_LOOKING_PARAMETER.test(name)) return true;
    for (const predicate of this.parameterSanitizers) if (predicate(name)) return true;
    return false;
  }
}

/** A query parameter's name decoded (`+` is a space), or as it is when it is not valid percent-encoding. */
function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}
