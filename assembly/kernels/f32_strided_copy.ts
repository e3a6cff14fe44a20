// Copying a block of columns between row-major matrices of different widths: how the functional
// API's Concatenate writes each input into its columns of the output (and slices the gradient
// back out), and how a model with several inputs cuts each input's columns out of the staged
// rows, where the inputs sit side by side.

/**
 * dst[r * dstLd + c] = src[r * srcLd + c] for r < rows, c < cols (strides in floats). One
 * memory.copy per row: a plain copy, so the values are bit-exact.
 */
export function f32_strided_copy(src: usize, srcLd: i32, dst: usize, dstLd: i32, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  const srcStride = <usize>srcLd << 2,
    dstStride = <usize>dstLd << 2;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * dstStride, src + <usize>r * srcStride, rowBytes);
}
