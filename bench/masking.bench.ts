/**
 * Masking throughput: kite-ws `mask` (and its JS-only path) vs a naive byte loop.
 *
 *   npx tsc -p tsconfig.json && node build/bench/masking.bench.js
 *
 * Each cell is the best of several timed rounds (less noise on a shared machine), in GB/s of payload.
 */
import { mask, maskJs, hasWasmSimd } from "../src/protocol/masking.js";

type MaskFn = typeof mask;

function naive(
  source: Uint8Array,
  sourceOffset: number,
  key: Uint8Array,
  keyOffset: number,
  target: Uint8Array,
  targetOffset: number,
  length: number,
): void {
  for (let i = 0; i < length; i++) target[targetOffset + i] = source[sourceOffset + i] ^ key[keyOffset + (i & 3)];
}

const ROUNDS = 9;
/** Payload bytes per timed round: enough for a few ms even at 20 GB/s. */
const BYTES_PER_ROUND = 64 * 1024 * 1024;

function gbPerSecond(fn: MaskFn, length: number, sourceOffset: number, targetOffset: number): number {
  const source = new Uint8Array(length + 8);
  for (let i = 0; i < source.length; i++) source[i] = (i * 131) & 0xff;
  const target = new Uint8Array(length + 8);
  const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
  const iterations = Math.max(2, Math.floor(BYTES_PER_ROUND / length));
  // Warm up so the optimizing compiler has run before timing.
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn(source, sourceOffset, key, 0, target, targetOffset, length);
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn(source, sourceOffset, key, 0, target, targetOffset, length);
    best = Math.min(best, Number(process.hrtime.bigint() - start));
  }
  return (length * iterations) / best; // bytes per ns = GB/s
}

const sizes: ReadonlyArray<readonly [string, number]> = [
  ["32 B", 32],
  ["64 KiB", 64 * 1024],
  ["16 MiB", 16 * 1024 * 1024],
];
// 0 -> 0: both aligned. 0 -> 6: a client frame (2-byte header + 4-byte key) written into a fresh buffer.
const layouts: ReadonlyArray<readonly [string, number, number]> = [
  ["aligned", 0, 0],
  ["src 0 -> dst 6", 0, 6],
];
const contenders: ReadonlyArray<readonly [string, MaskFn]> = [
  ["naive byte loop", naive],
  ["mask", mask],
  ["maskJs (no-wasm fallback)", maskJs],
];

console.log(`node ${process.version}, wasm SIMD kernel: ${hasWasmSimd ? "loaded" : "unavailable"}`);
const pad = (text: string, width: number): string => text.padEnd(width);
console.log(pad("size", 8) + pad("layout", 16) + contenders.map(([name]) => pad(name, 28)).join(""));
for (const [sizeName, length] of sizes) {
  for (const [layoutName, sourceOffset, targetOffset] of layouts) {
    const cells = contenders.map(([, fn]) => pad(`${gbPerSecond(fn, length, sourceOffset, targetOffset).toFixed(2)} GB/s`, 28));
    console.log(pad(sizeName, 8) + pad(layoutName, 16) + cells.join(""));
  }
}
