// A probe of the attainable 128-bit SIMD rate, printed by the benchmark beside the kernels'
// figures in the same run: the 4x8 register tile of f32_gemm (f32x4 mul + add, 8 accumulators,
// splat loads of A, vector loads of B) run over 64-deep packed panels that stay in L1, so no
// cache miss or packing is counted. Plain chains of mul and add were tried and came out below
// the gemm itself in V8 (about 40-44 GFLOP/s), so they do not measure the ceiling.
// ws needs 64*4*4 + 64*8*4 bytes. Each iteration is 64 k-steps of 4*8 mul + add = 4096 flops.
const KP: i32 = 64;

export function bench_simd_peak(iters: i32, ws: usize): f32 {
  const pa0 = ws, pb0 = ws + <usize>(KP * 16);
  for (let i = 0; i < KP * 4; i++) store<f32>(pa0 + (<usize>i << 2), <f32>(i & 7) * 0.125);
  for (let i = 0; i < KP * 8; i++) store<f32>(pb0 + (<usize>i << 2), <f32>(i & 3) * 0.25);
  let sum = f32x4.splat(0);
  for (let it = 0; it < iters; it++) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    let pa = pa0, pb = pb0;
    const end = pb0 + (<usize>KP << 5);
    while (pb < end) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let a = v128.load32_splat(pa);
      c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 4);
      c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 8);
      c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
      a = v128.load32_splat(pa, 12);
      c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
      pa += 16; pb += 32;
    }
    sum = f32x4.add(sum, f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31))));
  }
  return f32x4.extract_lane(sum, 0);
}

/** Floating-point operations of one bench_simd_peak iteration. */
export function bench_simd_peak_flops_per_iter(): i32 {
  return KP * 64;
}

/** Bytes of workspace bench_simd_peak needs. */
export function bench_simd_peak_workspace_bytes(): i32 {
  return KP * 48;
}
