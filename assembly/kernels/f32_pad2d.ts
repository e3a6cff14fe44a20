// Zero padding of NHWC batches (rows x h x w x c, channels last) and its gradient, a crop.
//
// The output image is (top + h + bottom) x (left + w + right); input pixel (iy, ix) lands at
// (iy + top, ix + left) and everything else is 0. In NHWC one input image row is w * c
// contiguous floats and lands contiguous in the output, so both directions are one bulk copy
// per image row (memory.copy) around bulk zero fills.

/** y = x padded with zeros: top/bottom rows and left/right columns per image. */
export function f32_pad2d_forward(x: usize, y: usize, rows: i32, h: i32, w: i32, c: i32, top: i32, bottom: i32, left: i32, right: i32): void {
  const ow = w + left + right, oh = h + top + bottom;
  const inRowB = <usize>w * <usize>c << 2, outRowB = <usize>ow * <usize>c << 2;
  const leftB = <usize>left * <usize>c << 2, rightB = <usize>right * <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>h * inRowB, yr = y + <usize>r * <usize>oh * outRowB;
    memory.fill(yr, 0, <usize>top * outRowB);
    for (let iy = 0; iy < h; iy++) {
      const d = yr + <usize>(iy + top) * outRowB;
      memory.fill(d, 0, leftB);
      memory.copy(d + leftB, xr + <usize>iy * inRowB, inRowB);
      memory.fill(d + leftB + inRowB, 0, rightB);
    }
    memory.fill(yr + <usize>(h + top) * outRowB, 0, <usize>bottom * outRowB);
  }
}

/** dx = the h x w window of dy at (top, left): the gradient of f32_pad2d_forward. */
export function f32_pad2d_backward(dy: usize, dx: usize, rows: i32, h: i32, w: i32, c: i32, top: i32, bottom: i32, left: i32, right: i32): void {
  const ow = w + left + right, oh = h + top + bottom;
  const inRowB = <usize>w * <usize>c << 2, outRowB = <usize>ow * <usize>c << 2;
  const leftB = <usize>left * <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const dxr = dx + <usize>r * <usize>h * inRowB, dyr = dy + <usize>r * <usize>oh * outRowB;
    for (let iy = 0; iy < h; iy++) memory.copy(dxr + <usize>iy * inRowB, dyr + <usize>(iy + top) * outRowB + leftB, inRowB);
  }
}
