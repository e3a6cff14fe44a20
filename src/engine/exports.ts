/**
 * The raw exports of the wasm engine. Must match assembly/index.ts: test/engine/exports.test.ts
 * checks that both sides list the same names.
 *
 * Every pointer is a byte offset into the engine's memory; every length is a count of elements.
 * Nothing here checks its arguments: call the wrappers in src/engine/kernels/ instead.
 * @internal
 */
export interface KernelExports {
  heap_base(): number;

  f32_gemm_workspace_bytes(): number;
  f32_gemm(
    transA: number, transB: number, M: number, N: number, K: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
    bias: number, act: number, actAlpha: number, ws: number,
  ): void;

  f32_activation(kind: number, x: number, y: number, n: number, alpha: number): void;
  f32_activation_grad(kind: number, y: number, dy: number, dx: number, n: number, alpha: number): void;
  f32_softmax(x: number, y: number, rows: number, cols: number): void;

  f32_exp(x: number): number;
  f32_expm1(x: number): number;
  f32_tanh(x: number): number;
  f32_sigmoid(x: number): number;

  bench_simd_peak(iters: number, ws: number): number;
  bench_simd_peak_flops_per_iter(): number;
  bench_simd_peak_workspace_bytes(): number;
}
