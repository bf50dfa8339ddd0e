/**
 * Node-only: registers Node's native validator (`buffer.isUtf8`, simdutf-backed) as the fast path
 * of `./utf8.ts`. Node-only code calls `installNativeUtf8()` once; `utf8.ts` itself stays browser-safe.
 */
import { isUtf8 } from "node:buffer";
import { useNativeUtf8Check } from "./utf8.js";

/**
 * Registers the native check (idempotent). A call, not an import for its side effect, so bundlers
 * that trust `"sideEffects": false` cannot drop it.
 */
export function installNativeUtf8(): void {
  useNativeUtf8Check(isUtf8);
}
