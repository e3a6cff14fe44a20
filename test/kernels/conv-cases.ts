/**
 * The shared checks of the convolution kernel tests: the grid of awkward cases, a comparison with
 * the float64 reference, and one with PyTorch (or, without torch, central differences of the
 * kernels' own forward, which are exact up to rounding since a convolution is linear).
 */
import { expect } from 'vitest';
import { engine } from '../../src/engine/engine';
import { conv2dColFloats, conv2dColRows, f32_conv2d_forward } from '../../src/engine/kernels/f32_conv2d';
import { f32_depthwise_conv2d_forward } from '../../src/engine/kernels/f32_depthwise_conv2d';
import { expectClose, randomArray, rng } from '../helpers';
import { Arena } from './arena';
import { filterSize, geometryOf, pythonWithTorch, referenceConv, torchConv, type ConvCase } from './conv-reference';
import { runConvKernels } from './conv-run';

/** Random inputs of a case. */
export function inputsOf(cs: ConvCase, seed: number): { x: Float32Array; wt: Float32Array; bias: Float32Array; dy: Float32Array } {
  const g = geometryOf(cs);
  return {
    x: randomArray(g.n * g.h * g.w * g.c, seed),
    wt: randomArray(filterSize(cs), seed + 1),
    bias: randomArray(g.oc, seed + 2),
    dy: randomArray(g.n * g.oh * g.ow * g.oc, seed + 3),
  };
}

/** Tolerance for sums of `terms` float32 products of values in [-1, 1]. */
function tol(terms: number): { rtol: number; atol: number } {
  return { rtol: 2e-5, atol: 2e-6 * Math.max(4, terms) };
}

/** Compares every output and gradient of the kernels with the float64 reference. */
export function checkAgainstReference(arena: Arena, cs: ConvCase, seed: number, colRows?: number): void {
  const { x, wt, bias, dy } = inputsOf(cs, seed);
  const got = runConvKernels(arena, cs, x, wt, bias, dy, 0, colRows);
  const ref = referenceConv(cs, x, wt, bias, dy);
  const g = geometryOf(cs);
  const label = `${JSON.stringify(cs)}${colRows ? ` colRows ${colRows}` : ''}`;
  const taps = g.kh * g.kw * (cs.dm === undefined ? g.c : 1);
  expectClose(got.y, ref.y, tol(taps), `${label} y`);
  expectClose(got.dx, ref.dx, tol(taps * g.oc), `${label} dx`);
  expectClose(got.dw, ref.dw, tol(g.n * g.oh * g.ow), `${label} dw`);
  expectClose(got.db, ref.db, tol(g.n * g.oh * g.ow), `${label} db`);
  // the fused epilogue: relu(y + bias) in one pass
  const relu = runConvKernels(arena, cs, x, wt, bias, dy, 1, colRows);
  expectClose(
    relu.y,
    ref.y.map((v) => Math.max(v, 0)),
    tol(taps),
    `${label} relu(y)`,
  );
}

/** Compares with PyTorch when python3 imports torch, else with central differences (and says so). */
export function checkAgainstTorch(arena: Arena, cases: ConvCase[], seed: number): void {
  const py = pythonWithTorch();
  const inputs = cases.map((cs, i) => ({ cs, ...inputsOf(cs, seed + 10 * i) }));
  if (py) {
    const results = torchConv(py, inputs);
    inputs.forEach(({ cs, x, wt, bias, dy }, i) => {
      const got = runConvKernels(arena, cs, x, wt, bias, dy);
      const t = results[i]!;
      const g = geometryOf(cs);
      const label = `${JSON.stringify(cs)} vs torch`;
      const taps = g.kh * g.kw * (cs.dm === undefined ? g.c : 1);
      expectClose(got.y, t.y, tol(taps), `${label} y`);
      expectClose(got.dx, t.dx, tol(taps * g.oc), `${label} dx`);
      expectClose(got.dw, t.dw, tol(g.n * g.oh * g.ow), `${label} dw`);
      expectClose(got.db, t.db, tol(g.n * g.oh * g.ow), `${label} db`);
    });
    return;
  }
  console.log('note: python3 cannot import torch (apt-get install python3-torch); the convolution kernels are checked by central differences instead');
  inputs.forEach(({ cs, x, wt, bias, dy }) => checkByDifferences(arena, cs, x, wt, bias, dy));
}

/** L = sum(y * dy) with the kernels' forward (linear, so central differences are exact up to rounding). */
function lossOf(arena: Arena, cs: ConvCase, x: Float32Array, wt: Float32Array, bias: Float32Array, dy: Float32Array): number {
  const e = engine();
  const g = geometryOf(cs);
  const ny = g.n * g.oh * g.ow * g.oc;
  const y = arena.guarded(ny);
  if (cs.dm === undefined) {
    const rows = conv2dColRows(g, g.n * g.oh * g.ow);
    const col = arena.guarded(Math.max(1, conv2dColFloats(g, rows)));
    const ws = e.alloc(e.gemmWorkspaceBytes);
    f32_conv2d_forward(e, g, arena.f32(x), arena.f32(wt), arena.f32(bias), y.ptr, 0, 0, { col: col.ptr, colRows: rows, ws });
    e.free(ws);
  } else {
    f32_depthwise_conv2d_forward(e, g, cs.dm, arena.f32(x), arena.f32(wt), arena.f32(bias), y.ptr, 0, 0);
  }
  const out = y.read();
  let s = 0;
  for (let i = 0; i < ny; i++) s += out[i]! * dy[i]!;
  return s;
}

function checkByDifferences(arena: Arena, cs: ConvCase, x: Float32Array, wt: Float32Array, bias: Float32Array, dy: Float32Array): void {
  const got = runConvKernels(arena, cs, x, wt, bias, dy);
  const r = rng(7);
  const h = 0.25;
  for (const [name, arr, grad] of [
    ['x', x, got.dx],
    ['wt', wt, got.dw],
    ['bias', bias, got.db],
  ] as const) {
    for (let t = 0; t < 6; t++) {
      const i = Math.floor(r() * arr.length);
      const old = arr[i]!;
      arr[i] = old + h;
      const lp = lossOf(arena, cs, x, wt, bias, dy);
      arr[i] = old - h;
      const lm = lossOf(arena, cs, x, wt, bias, dy);
      arr[i] = old;
      const fd = (lp - lm) / (2 * h);
      expect(Math.abs(grad[i]! - fd), `${JSON.stringify(cs)} d${name}[${i}]: kernel ${grad[i]}, central difference ${fd}`).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(lp)),
      );
    }
  }
}
