// A probe of the attainable 128-bit SIMD rate, printed by the benchmark beside the kernels'
// figures in the same run: f32_gemm's own 4x8 register tile (f32x4 mul + add, 8 accumulators,
// splat loads of A, vector loads of B) run over 64-deep packed panels that stay in L1, so no
// cache miss or packing is counted. Plain chains of mul and add were tried and came out below
// the gemm itself in V8 (about 40-44 GFLOP/s), so they do not measure the ceiling.
// ws needs bench_simd_peak_workspace_bytes(). Each iteration is 64 k-steps of 4*8 mul + add = 4096 flops.
import { micro4x8, MODE_TILE } from './f32_gemm';

const KP: i32 = 64;

export function bench_simd_peak(iters: i32, ws: usize): f32 {
  const pa = ws, pb = ws + <usize>(KP * 16), tile = pb + <usize>(KP * 32);
  for (let i = 0; i < KP * 4; i++) store<f32>(pa + (<usize>i << 2), <f32>(i & 7) * 0.125);
  for (let i = 0; i < KP * 8; i++) store<f32>(pb + (<usize>i << 2), <f32>(i & 3) * 0.25);
  let sum: f32 = 0;
  for (let it = 0; it < iters; it++) {
    micro4x8(KP, pa, pb, tile, 32, MODE_TILE);
    sum += load<f32>(tile);
  }
  return sum;
}

/** Floating-point operations of one bench_simd_peak iteration. */
export function bench_simd_peak_flops_per_iter(): i32 {
  return KP * 64;
}

/** Bytes of workspace bench_simd_peak needs: the two panels and a 4x8 tile. */
export function bench_simd_peak_workspace_bytes(): i32 {
  return KP * 48 + 128;
}
