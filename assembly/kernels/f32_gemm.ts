// Matrix product with a fused epilogue:
//
//   C = act(alpha * op(A) * op(B) + beta * C + bias)
//
// op(A) is M x K, op(B) is K x N, C is M x N; all row-major with leading dimensions (in elements)
// lda, ldb, ldc. transA / transB select op(X) = X^T, which covers the three products of training:
//   forward         X * W        (no transposes, bias and activation fused)
//   weight gradient X^T * dY     (transA)
//   input gradient  dY * W^T     (transB)
// bias is a pointer to N floats or 0 for none; act is an activation kind of f32_activation.ts.
// beta = 0 means C is not read, so it may hold garbage (NaN included), as in BLAS.
//
// Structure (the BLIS loop nest): for each NC-wide column block and KC-deep slice, op(B) is packed
// into 8-column panels; for each MC-high row block, op(A) is packed into 4-row panels; then a
// 4x8 register-blocked micro-kernel (8 f32x4 accumulators: V8 has 16 xmm registers, and a 6x8
// tile spills) runs over the packed panels. Edge panels are zero-padded, so the micro-kernel
// always computes a full 4x8 tile; it stores the tile to a small buffer and the epilogue writes
// only the valid part of C. Plain f32x4 mul + add, not relaxed-SIMD FMA: Node 20 has that only
// behind a flag, and on the target CPU separate mul and add reach the same peak.
//
// Results for one row of C do not depend on M or on which rows share the call, so splitting a
// batch by rows across workers gives the same bits for every row.
import { act_v, ACT_LINEAR } from './f32_activation';

const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;

// Workspace layout (bytes from ws): packed B [KC x NC], packed A [MC x KC], tile [4 x 8], bias [8]
const WS_B: usize = 0;
const WS_A: usize = WS_B + <usize>(KC * NC) * 4;
const WS_TILE: usize = WS_A + <usize>(MC * KC) * 4;
const WS_BIAS: usize = WS_TILE + 32 * 4;
const WS_C: usize = WS_BIAS + 8 * 4;
const WS_END: usize = WS_C + 32 * 4;

/** Bytes of workspace f32_gemm needs, whatever the shapes. */
export function f32_gemm_workspace_bytes(): i32 {
  return <i32>WS_END;
}

// The micro-kernel: acc[4][8] = sum_k pa[k][0..3] (x) pb[k][0..7], over packed panels; then,
// by mode: MODE_STORE writes acc to C, MODE_ADD adds it to C (both for a full 4x8 tile with no
// scaling), MODE_TILE writes it to the tile buffer for the general epilogue, MODE_BIAS_ACT writes
// act(acc + bias) to C (a full tile, alpha 1, C not read: the forward of a layer), in registers,
// with the same operations in the same order as the general epilogue, so the same bits. It
// matters when K is small (a 3x3 convolution over 1 channel has K = 9): the tile round trip
// through memory and the epilogue's loops then cost as much as the products.
export const MODE_STORE = 0;
export const MODE_ADD = 1;
export const MODE_TILE = 2;
export const MODE_BIAS_ACT = 3;

// @ts-ignore: decorator
@inline export function micro4x8(kc: i32, pa: usize, pb: usize, out: usize, ldo: usize, mode: i32,
                                 bias: usize = 0, act: i32 = ACT_LINEAR, actAlpha: f32 = 0): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = pb + (<usize>kc << 5);
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
  if (mode == MODE_ADD) {
    c00 = f32x4.add(v128.load(out), c00); c01 = f32x4.add(v128.load(out, 16), c01);
    c10 = f32x4.add(v128.load(out + ldo), c10); c11 = f32x4.add(v128.load(out + ldo, 16), c11);
    c20 = f32x4.add(v128.load(out + 2 * ldo), c20); c21 = f32x4.add(v128.load(out + 2 * ldo, 16), c21);
    c30 = f32x4.add(v128.load(out + 3 * ldo), c30); c31 = f32x4.add(v128.load(out + 3 * ldo, 16), c31);
  } else if (mode == MODE_BIAS_ACT) {
    if (bias) {
      const b0 = v128.load(bias), b1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, b0); c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0); c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0); c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0); c31 = f32x4.add(c31, b1);
    }
    if (act != ACT_LINEAR) {
      c00 = act_v(act, c00, actAlpha); c01 = act_v(act, c01, actAlpha);
      c10 = act_v(act, c10, actAlpha); c11 = act_v(act, c11, actAlpha);
      c20 = act_v(act, c20, actAlpha); c21 = act_v(act, c21, actAlpha);
      c30 = act_v(act, c30, actAlpha); c31 = act_v(act, c31, actAlpha);
    }
  }
  v128.store(out, c00); v128.store(out, c01, 16);
  out += ldo;
  v128.store(out, c10); v128.store(out, c11, 16);
  out += ldo;
  v128.store(out, c20); v128.store(out, c21, 16);
  out += ldo;
  v128.store(out, c30); v128.store(out, c31, 16);
}

// Writes the valid mr x nr part of a tile into C:
//   C = (readC ? betaEff * C : 0) + alpha * tile, then, when last, act(C + bias).
// Partial rows/columns go through the same vector code on a padded copy, so every element
// gets the same arithmetic whether it sits in a full tile or an edge tile.
function epilogue(ws: usize, c: usize, ldcB: usize, mr: i32, nr: i32, alpha: f32, readC: bool, betaEff: f32,
                  bias: usize, act: i32, actAlpha: f32): void {
  const tile = ws + WS_TILE;
  const full = nr == 8;
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  if (bias) {
    if (full) { b0 = v128.load(bias); b1 = v128.load(bias, 16); }
    else {
      const tb = ws + WS_BIAS;
      v128.store(tb, f32x4.splat(0)); v128.store(tb, f32x4.splat(0), 16);
      for (let j = 0; j < nr; j++) store<f32>(tb + (<usize>j << 2), load<f32>(bias + (<usize>j << 2)));
      b0 = v128.load(tb); b1 = v128.load(tb, 16);
    }
  }
  const va = f32x4.splat(alpha), vb = f32x4.splat(betaEff);
  for (let r = 0; r < mr; r++) {
    const cr = c + <usize>r * ldcB;
    // the destination row: C itself for a full tile, a padded copy otherwise
    let dst = cr;
    if (!full) {
      dst = ws + WS_C;
      v128.store(dst, f32x4.splat(0)); v128.store(dst, f32x4.splat(0), 16);
      if (readC) for (let j = 0; j < nr; j++) store<f32>(dst + (<usize>j << 2), load<f32>(cr + (<usize>j << 2)));
    }
    let v0 = v128.load(tile + (<usize>r << 5)), v1 = v128.load(tile + (<usize>r << 5), 16);
    if (alpha != 1.0) { v0 = f32x4.mul(v0, va); v1 = f32x4.mul(v1, va); }
    if (readC) {
      let o0 = v128.load(dst), o1 = v128.load(dst, 16);
      if (betaEff != 1.0) { o0 = f32x4.mul(o0, vb); o1 = f32x4.mul(o1, vb); }
      v0 = f32x4.add(o0, v0); v1 = f32x4.add(o1, v1);
    }
    if (bias) { v0 = f32x4.add(v0, b0); v1 = f32x4.add(v1, b1); }
    if (act != ACT_LINEAR) { v0 = act_v(act, v0, actAlpha); v1 = act_v(act, v1, actAlpha); }
    v128.store(dst, v0); v128.store(dst, v1, 16);
    if (!full) for (let j = 0; j < nr; j++) store<f32>(cr + (<usize>j << 2), load<f32>(dst + (<usize>j << 2)));
  }
}

// Packs op(A)[i0 .. i0+mc, k0 .. k0+kc] into 4-row panels: panel p holds [k][4], zero-padded rows.
function packA(a: usize, ldaB: usize, transA: bool, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < mc; p += 4) {
    const mr = min(4, mc - p);
    let d = dst + <usize>(p * kc) * 4;
    if (!transA) {
      // A is M x K: the 4 rows are strided; transpose 4x4 blocks
      let s = a + <usize>(i0 + p) * ldaB + (<usize>k0 << 2);
      if (mr == 4) {
        const kv = kc & ~3;
        let k = 0;
        for (; k < kv; k += 4) {
          const r0 = v128.load(s), r1 = v128.load(s + ldaB), r2 = v128.load(s + 2 * ldaB), r3 = v128.load(s + 3 * ldaB);
          const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
          v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
          v128.store(d, i64x2.shuffle(t0, t1, 1, 3), 16);
          v128.store(d, i64x2.shuffle(t2, t3, 0, 2), 32);
          v128.store(d, i64x2.shuffle(t2, t3, 1, 3), 48);
          d += 64; s += 16;
        }
        for (; k < kc; k++) {
          store<f32>(d, load<f32>(s)); store<f32>(d, load<f32>(s + ldaB), 4);
          store<f32>(d, load<f32>(s + 2 * ldaB), 8); store<f32>(d, load<f32>(s + 3 * ldaB), 12);
          d += 16; s += 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(s + <usize>r * ldaB) : 0);
          d += 16; s += 4;
        }
      }
    } else {
      // A is K x M: op(A)[i][k] = A[k][i], so the 4 values for one k are contiguous
      let s = a + <usize>k0 * ldaB + (<usize>(i0 + p) << 2);
      if (mr == 4) {
        for (let k = 0; k < kc; k++) { v128.store(d, v128.load(s)); d += 16; s += ldaB; }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let r = 0; r < 4; r++) store<f32>(d + (<usize>r << 2), r < mr ? load<f32>(s + (<usize>r << 2)) : 0);
          d += 16; s += ldaB;
        }
      }
    }
  }
}

// Packs op(B)[k0 .. k0+kc, j0 .. j0+nc] into 8-column panels: panel q holds [k][8], zero-padded columns.
function packB(b: usize, ldbB: usize, transB: bool, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let q = 0; q < nc; q += 8) {
    const nr = min(8, nc - q);
    let d = dst + <usize>(q * kc) * 4;
    if (!transB) {
      // B is K x N: the 8 values for one k are contiguous
      let s = b + <usize>k0 * ldbB + (<usize>(j0 + q) << 2);
      if (nr == 8) {
        for (let k = 0; k < kc; k++) {
          v128.store(d, v128.load(s)); v128.store(d, v128.load(s, 16), 16);
          d += 32; s += ldbB;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), c < nr ? load<f32>(s + (<usize>c << 2)) : 0);
          d += 32; s += ldbB;
        }
      }
    } else {
      // B is N x K: op(B)[k][j] = B[j][k]; transpose 4x4 blocks from 8 rows of B
      let s = b + <usize>(j0 + q) * ldbB + (<usize>k0 << 2);
      if (nr == 8) {
        const kv = kc & ~3;
        let k = 0;
        for (; k < kv; k += 4) {
          for (let h = 0; h < 2; h++) {
            const sh = s + <usize>(h * 4) * ldbB;
            const r0 = v128.load(sh), r1 = v128.load(sh + ldbB), r2 = v128.load(sh + 2 * ldbB), r3 = v128.load(sh + 3 * ldbB);
            const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
            const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
            const dh = d + (<usize>h << 4);
            v128.store(dh, i64x2.shuffle(t0, t1, 0, 2));
            v128.store(dh, i64x2.shuffle(t0, t1, 1, 3), 32);
            v128.store(dh, i64x2.shuffle(t2, t3, 0, 2), 64);
            v128.store(dh, i64x2.shuffle(t2, t3, 1, 3), 96);
          }
          d += 128; s += 16;
        }
        for (; k < kc; k++) {
          for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), load<f32>(s + <usize>c * ldbB));
          d += 32; s += 4;
        }
      } else {
        for (let k = 0; k < kc; k++) {
          for (let c = 0; c < 8; c++) store<f32>(d + (<usize>c << 2), c < nr ? load<f32>(s + <usize>c * ldbB) : 0);
          d += 32; s += 4;
        }
      }
    }
  }
}

/**
 * C = act(alpha * op(A) * op(B) + beta * C + bias). See the file comment for the conventions.
 * ws must point to f32_gemm_workspace_bytes() bytes that no other call uses at the same time.
 */
export function f32_gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
                         a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
                         bias: usize, act: i32, actAlpha: f32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const ldaB = <usize>lda << 2, ldbB = <usize>ldb << 2, ldcB = <usize>ldc << 2;
  const wsA = ws + WS_A, wsB = ws + WS_B, tile = ws + WS_TILE;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    // K == 0 still runs one (empty) slice, so that C = act(beta*C + bias)
    // equal slices (784 = 4 x 196, not 3 x 256 + 16): a thin last slice wastes the tile epilogue
    const slices = max(1, (K + KC - 1) / KC);
    const kStep = (K + slices - 1) / slices;
    let pc = 0;
    do {
      const kc = min(kStep, K - pc);
      const first = pc == 0;
      const last = pc + kc >= K;
      if (kc > 0) packB(b, ldbB, transB != 0, pc, kc, jc, nc, wsB);
      const readC = !first || beta != 0;
      const betaEff: f32 = first ? beta : 1.0;
      const biasL: usize = last ? bias : 0;
      const actL = last ? act : ACT_LINEAR;
      // the fast path: C = acc or C += acc, nothing else to apply
      const simple = alpha == 1.0 && (!readC || betaEff == 1.0) && biasL == 0 && actL == ACT_LINEAR;
      // bias and activation on C = A*B alone (a layer's forward): in registers
      const fused = !simple && alpha == 1.0 && !readC;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        if (kc > 0) packA(a, ldaB, transA != 0, ic, mc, pc, kc, wsA);
        for (let jr = 0; jr < nc; jr += 8) {
          const nr = min(8, nc - jr);
          const pb = wsB + <usize>(jr * kc) * 4;
          const biasJ: usize = biasL ? biasL + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += 4) {
            const mr = min(4, mc - ir);
            const pa = wsA + <usize>(ir * kc) * 4;
            const cc = c + <usize>(ic + ir) * ldcB + (<usize>(jc + jr) << 2);
            if (simple && mr == 4 && nr == 8) {
              if (readC) micro4x8(kc, pa, pb, cc, ldcB, MODE_ADD);
              else micro4x8(kc, pa, pb, cc, ldcB, MODE_STORE);
            } else if (fused && mr == 4 && nr == 8) {
              micro4x8(kc, pa, pb, cc, ldcB, MODE_BIAS_ACT, biasJ, actL, actAlpha);
            } else {
              micro4x8(kc, pa, pb, tile, 32, MODE_TILE);
              epilogue(ws, cc, ldcB, mr, nr, alpha, readC, betaEff, biasJ, actL, actAlpha);
            }
          }
        }
      }
      pc += kStep;
    } while (pc < K);
  }
}
