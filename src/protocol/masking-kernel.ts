/**
 * The masking kernel: a tiny hand-assembled WebAssembly SIMD module that XORs whole 64-byte blocks of
 * its memory with a 4-byte key, and how it is compiled and instantiated. `masking.ts` runs one shared
 * instance for `mask()`; `mask-arena.ts` grows another into the arena where large client frames are
 * built. No `node:` imports: this file must also load in browsers.
 */

/*
 * The kernel, equivalent to:
 *
 * (module
 *   (memory (export "m") 1)
 *   ;; XORs memory[p..end) with the 4-byte key splatted over 16-byte lanes.
 *   ;; Requires p < end and (end - p) % 64 == 0; p is 16-byte aligned.
 *   (func (export "x") (param $p i32) (param $end i32) (param $key i32)
 *     (local $k v128)
 *     (local.set $k (i32x4.splat (local.get $key)))
 *     (loop $next
 *       (v128.store offset=0  (local.get $p) (v128.xor (v128.load offset=0  (local.get $p)) (local.get $k)))
 *       (v128.store offset=16 (local.get $p) (v128.xor (v128.load offset=16 (local.get $p)) (local.get $k)))
 *       (v128.store offset=32 (local.get $p) (v128.xor (v128.load offset=32 (local.get $p)) (local.get $k)))
 *       (v128.store offset=48 (local.get $p) (v128.xor (v128.load offset=48 (local.get $p)) (local.get $k)))
 *       (br_if $next (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $end))))))
 */
const KERNEL = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, // type section: 1 type, (func (param i32 i32 i32))
  0x03, 0x02, 0x01, 0x00, // function section: 1 function of type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // memory section: 1 memory, no max, min 1 page
  0x07, 0x09, 0x02, // export section (9 bytes), 2 exports
  0x01, 0x6d, 0x02, 0x00, //   "m" -> memory 0
  0x01, 0x78, 0x00, 0x00, //   "x" -> func 0
  0x0a, 0x5c, 0x01, 0x5a, // code section (92 bytes), 1 body of 90 bytes
  0x01, 0x01, 0x7b, //   locals: 1 × v128 ($k = local 3)
  0x20, 0x02, 0xfd, 0x11, 0x21, 0x03, //   local.get $key; i32x4.splat; local.set $k
  0x03, 0x40, //   loop (no result)
  // local.get $p; local.get $p; v128.load align=16 offset=N; local.get $k; v128.xor; v128.store align=16 offset=N
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x00,
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x10, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x10,
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x20, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x20,
  0x20, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x30, 0x20, 0x03, 0xfd, 0x51, 0xfd, 0x0b, 0x04, 0x30,
  // local.get $p; i32.const 64; i32.add; local.tee $p; local.get $end; i32.lt_u; br_if 0
  0x20, 0x00, 0x41, 0xc0, 0x00, 0x6a, 0x22, 0x00, 0x20, 0x01, 0x49, 0x0d, 0x00,
  0x0b, // end loop
  0x0b, // end func
]);

/** Just the slice of the WebAssembly API used here; the project's `lib` has no DOM/wasm typings. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** @internal A kernel instance's memory: one 64 KiB page, which only the send arena's instance grows. */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface KernelExports {
  readonly m: KernelMemory;
  readonly x: (p: number, end: number, key: number) => void;
}

/** @internal One instance of the kernel: `run(p, end, key)` XORs memory[p..end) (p 16-aligned, whole 64-byte blocks). */
export interface KernelInstance {
  readonly run: KernelExports["x"];
  readonly memory: KernelMemory;
}

/** The compiled module, for the WebAssembly API it was compiled with. */
let compiled: { readonly wasm: WasmApi; readonly module: object } | undefined;

/**
 * @internal A new instance of the kernel with a memory of its own, or undefined when wasm or wasm SIMD
 * is missing or forbidden (e.g. by a CSP without 'wasm-unsafe-eval'). The module is compiled
 * synchronously on the first call (131 bytes, well under browsers' main-thread sync-compile limit);
 * the runtime's WebAssembly is looked up on every call, so a module that probes at load sees what is
 * there then.
 */
export function instantiateKernel(): KernelInstance | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (typeof wasm !== "object" || wasm === null) return undefined;
  try {
    if (compiled?.wasm !== wasm) {
      if (!wasm.validate(KERNEL)) return undefined;
      compiled = { wasm, module: new wasm.Module(KERNEL) };
    }
    const exports = new wasm.Instance(compiled.module, {}).exports as KernelExports;
    return { run: exports.x, memory: exports.m };
  } catch {
    return undefined;
  }
}
