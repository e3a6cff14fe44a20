// The knobs engine: every kernel the library calls. Compiled twice by build/build.mjs
// (plain and shared imported memory). The TypeScript side declares these exports in
// src/engine/exports.ts, which must match this file (a test checks both lists).
export { f32_gemm, f32_gemm_workspace_bytes } from './kernels/f32_gemm';
export { f32_activation, f32_activation_grad, f32_activation_grad_input, f32_softmax, f32_softmax_grad } from './kernels/f32_activation';
export { f32_strided_copy } from './kernels/f32_strided_copy';
export { f32_gather_rows, x32_gather, f32_gather_sum, u8_to_f32, u8_gather_rows_f32 } from './kernels/f32_gather';
export { f32_count_correct } from './kernels/f32_accuracy';
export { f32_regression_error_sum } from './kernels/f32_metrics';
export { f32_exp, f32_expm1, f32_tanh, f32_sigmoid } from './kernels/f32_math';

/** First byte after the module's static data: the library allocates from here up. */
export function heap_base(): usize {
  return __heap_base;
}
export { bench_simd_peak, bench_simd_peak_flops_per_iter, bench_simd_peak_workspace_bytes } from './kernels/bench_peak';
export {
  f32_add, f32_mul, f32_axpy, f32_scale, f32_fill, f32_add_bias_rows, f32_col_sum, f32_sum, f32_sum_squares,
  f32_row_argmax, f32_reduce_slots, f32_find_nonfinite, f32_l1l2,
} from './kernels/f32_elementwise';
export { f32_log, f32_log1p } from './kernels/f32_log';
export {
  f32_softmax_cross_entropy, f32_softmax_cross_entropy_sparse, f32_sigmoid_binary_cross_entropy, f32_mean_squared_error,
  f32_cross_entropy_probs, f32_binary_cross_entropy_probs, f32_mean_absolute_error, f32_huber, f32_log_cosh,
  f32_custom_loss_reduce,
} from './kernels/f32_loss';
export {
  f32_sgd, f32_sgd_momentum, f32_rmsprop, f32_adam, f32_adagrad, f32_adamax, f32_nadam, f32_clip_by_global_norm,
} from './kernels/f32_optimizer';
export { f32_augment, f32_augment_workspace_bytes } from './kernels/f32_augment';
export { f32_dropout_forward, f32_dropout_backward } from './kernels/f32_dropout';
export { f32_random_uniform, f32_random_normal } from './kernels/f32_random';
export {
  f32_bn_moments, f32_bn_merge, f32_bn_normalize, f32_bn_backward_sums, f32_bn_backward, f32_bn_update_moving,
} from './kernels/f32_batchnorm';
export { f32_dead_columns, f32_count_outside } from './kernels/f32_health';
// Convolutions (NHWC): conv2d by im2col + f32_gemm, depthwise direct.
export { f32_conv2d_forward, f32_conv2d_backward_input, f32_conv2d_backward_filter } from './kernels/f32_conv2d';
export {
  f32_depthwise_conv2d_forward, f32_depthwise_conv2d_backward_input, f32_depthwise_conv2d_backward_filter,
} from './kernels/f32_depthwise_conv2d';
export { bench_conv2d_direct } from './kernels/bench_conv_direct';
// Pooling, zero padding and spatial dropout for image layers (issue 12, non-convolution part).
export {
  f32_maxpool2d_forward, f32_maxpool2d_backward, f32_avgpool2d_forward, f32_avgpool2d_backward,
} from './kernels/f32_pool2d';
export { f32_pad2d_forward, f32_pad2d_backward } from './kernels/f32_pad2d';
export { f32_spatial_dropout_forward, f32_spatial_dropout_backward } from './kernels/f32_dropout';
