// A direct NHWC convolution, kept only so that the benchmark can compare it with f32_conv2d's
// im2col + gemm in the same run (the measurement that chose im2col; see f32_conv2d.ts).
// 'valid' padding, stride 1, no dilation, oc a multiple of 8. It uses the gemm's 4x8 register
// tile without packing: 4 neighbouring output pixels x 8 output channels, A values splat from
// the input (each pixel's c channels are contiguous), B rows read straight from the filter.
export function bench_conv2d_direct(x: usize, wt: usize, bias: usize, y: usize, n: i32, h: i32, w: i32, c: i32, oc: i32,
                                    kh: i32, kw: i32, oh: i32, ow: i32): void {
  const imgB = <usize>(h * w * c) << 2, rowB = <usize>(w * c) << 2, pixB = <usize>c << 2, ocB = <usize>oc << 2;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * imgB;
    for (let oy = 0; oy < oh; oy++) {
      const yrow = y + (<usize>((b * oh + oy) * ow) * ocB);
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        for (let o = 0; o < oc; o += 8) {
          const oB = <usize>o << 2;
          let c00 = v128.load(bias + oB), c01 = v128.load(bias + oB, 16);
          let c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
          for (let ky = 0; ky < kh; ky++) {
            const line = img + <usize>(oy + ky) * rowB;
            for (let kx = 0; kx < kw; kx++) {
              let pa = line + <usize>(ox + kx) * pixB;
              let pb = wt + <usize>((ky * kw + kx) * c) * ocB + oB;
              const end = pa + pixB;
              while (pa < end) {
                const b0 = v128.load(pb), b1 = v128.load(pb, 16);
                let a = v128.load32_splat(pa);
                c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
                a = v128.load32_splat(pa + pixB);
                c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
                a = v128.load32_splat(pa + 2 * pixB);
                c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
                a = v128.load32_splat(pa + 3 * pixB);
                c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
                pa += 4; pb += ocB;
              }
            }
          }
          const out = yrow + <usize>ox * ocB + oB;
          v128.store(out, c00); v128.store(out, c01, 16);
          v128.store(out + ocB, c10); v128.store(out + ocB, c11, 16);
          v128.store(out + 2 * ocB, c20); v128.store(out + 2 * ocB, c21, 16);
          v128.store(out + 3 * ocB, c30); v128.store(out + 3 * ocB, c31, 16);
        }
      }
      for (; ox < ow; ox++) {
        for (let o = 0; o < oc; o += 8) {
          const oB = <usize>o << 2;
          let c00 = v128.load(bias + oB), c01 = v128.load(bias + oB, 16);
          for (let ky = 0; ky < kh; ky++) {
            const line = img + <usize>(oy + ky) * rowB;
            for (let kx = 0; kx < kw; kx++) {
              let pa = line + <usize>(ox + kx) * pixB;
              let pb = wt + <usize>((ky * kw + kx) * c) * ocB + oB;
              const end = pa + pixB;
              while (pa < end) {
                const a = v128.load32_splat(pa);
                c00 = f32x4.add(c00, f32x4.mul(a, v128.load(pb))); c01 = f32x4.add(c01, f32x4.mul(a, v128.load(pb, 16)));
                pa += 4; pb += ocB;
              }
            }
          }
          const out = yrow + <usize>ox * ocB + oB;
          v128.store(out, c00); v128.store(out, c01, 16);
        }
      }
    }
  }
}
