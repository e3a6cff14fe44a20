/**
 * Wrapper of assembly/kernels/f32_gemm.ts: C = act(alpha * op(A) * op(B) + beta * C + bias).
 * @internal
 */
import type { Engine } from '../engine';
import { checkDim, checkDisjoint, checkLd, checkRegion, span } from '../check';
import { MAX_ACTIVATION_KIND } from './f32_activation';

/** Arguments of {@link f32_gemm}; pointers are byte offsets, leading dimensions in elements. */
export interface GemmArgs {
  transA?: boolean;
  transB?: boolean;
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** Columns of op(A), rows of op(B). */
  k: number;
  alpha?: number;
  a: number;
  /** Default: the stored row length (k, or m when transA). */
  lda?: number;
  b: number;
  /** Default: the stored row length (n, or k when transB). */
  ldb?: number;
  /** 0 (the default) overwrites C without reading it. */
  beta?: number;
  c: number;
  ldc?: number;
  /** Pointer to n floats added to every row, or 0. */
  bias?: number;
  /** Activation kind code (see ACTIVATION), applied last. Default 0, linear. */
  act?: number;
  actAlpha?: number;
  /** Workspace of engine.gemmWorkspaceBytes; default the engine's own. */
  ws?: number;
}

/** Checks the shapes and regions, then runs the kernel. */
export function f32_gemm(e: Engine, g: GemmArgs): void {
  const K = 'f32_gemm';
  const { m, n, k } = g;
  checkDim(K, 'm', m);
  checkDim(K, 'n', n);
  checkDim(K, 'k', k);
  const transA = g.transA ?? false,
    transB = g.transB ?? false;
  // stored shapes: A is m x k (or k x m), B is k x n (or n x k)
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = g.lda ?? Math.max(1, aCols),
    ldb = g.ldb ?? Math.max(1, bCols),
    ldc = g.ldc ?? Math.max(1, n);
  checkLd(K, 'lda', lda, aCols);
  checkLd(K, 'ldb', ldb, bCols);
  checkLd(K, 'ldc', ldc, n);
  const aSpan = m === 0 || n === 0 ? 0 : span(aRows, aCols, lda);
  const bSpan = m === 0 || n === 0 ? 0 : span(bRows, bCols, ldb);
  const cSpan = span(m, n, ldc);
  checkRegion(e, K, 'a', g.a, aSpan);
  checkRegion(e, K, 'b', g.b, bSpan);
  checkRegion(e, K, 'c', g.c, cSpan);
  checkDisjoint(K, 'c', g.c, cSpan, 'a', g.a, aSpan);
  checkDisjoint(K, 'c', g.c, cSpan, 'b', g.b, bSpan);
  const bias = g.bias ?? 0;
  if (bias) checkRegion(e, K, 'bias', bias, n);
  const ws = g.ws ?? e.gemmWorkspace;
  checkRegion(e, K, 'ws', ws, e.gemmWorkspaceBytes / 4);
  const act = g.act ?? 0;
  if (!Number.isInteger(act) || act < 0 || act > MAX_ACTIVATION_KIND) {
    throw new RangeError(`${K}: act must be an activation kind 0-${MAX_ACTIVATION_KIND}, got ${act}`);
  }
  e.k.f32_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, g.alpha ?? 1, g.a, lda, g.b, ldb, g.beta ?? 0, g.c, ldc, bias, act, g.actAlpha ?? 0, ws);
}
