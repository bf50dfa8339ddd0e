/** RFC 9110 §5.6.2 `tchar`: what header names, subprotocols and extension names are made of. */
export const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Whether `text` is an HTTP token: one or more `tchar`. */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}
