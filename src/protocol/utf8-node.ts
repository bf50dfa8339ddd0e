/**
 * Node-only: registers Node's native validator (`buffer.isUtf8`, simdutf-backed) as the fast path
 * of `./utf8.ts`. Node-only code imports this module once; `utf8.ts` itself stays browser-safe.
 */
import { isUtf8 } from "node:buffer";
import { useNativeUtf8Check } from "./utf8.js";

/**
 * Registers the native check (idempotent). Importing this module already does it; calling it
 * explicitly also keeps bundlers that trust `"sideEffects": false` from dropping the import.
 */
export function installNativeUtf8(): void {
  useNativeUtf8Check(isUtf8);
}

installNativeUtf8();
