// The kernels of the `knobs/ops` subpath (build/wasm/knobs-ops.wasm): the matrix product with
// its fused bias and activation, and the activations, which are all that src/ops.ts calls. An
// app that uses the engine alone fetches these instead of every training kernel (a quarter of
// the bytes). The same sources as assembly/index.ts, compiled by build/build.mjs (asconfig.json
// target `ops`, plain memory only).
export { f32_gemm, f32_gemm_workspace_bytes } from './kernels/f32_gemm';
export { f32_activation, f32_activation_grad, f32_activation_grad_input, f32_softmax, f32_softmax_grad } from './kernels/f32_activation';

/** First byte after the module's static data: the library allocates from here up. */
export function heap_base(): usize {
  return __heap_base;
}
