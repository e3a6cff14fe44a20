/**
 * References for the convolution tests: a plain float64 JavaScript convolution (forward and the
 * three gradients, regular or depthwise, NHWC with Keras' filter layout), and PyTorch's
 * `torch.nn.functional.conv2d` run in a python3 child process (NCHW: the script transposes, and
 * pads asymmetrically for 'same' with even kernels since torch pads symmetrically).
 */
import { spawnSync } from 'node:child_process';
import { convAxis, type ConvGeometry, type ConvPadding } from '../../src/engine/kernels/f32_conv2d';

/** One convolution to test: regular (oc output channels) or depthwise (dm filters per channel). */
export interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  /** Output channels of a regular convolution. */
  oc?: number;
  /** Depth multiplier of a depthwise convolution. */
  dm?: number;
  kh: number;
  kw: number;
  sh?: number;
  sw?: number;
  dh?: number;
  dw?: number;
  padding: ConvPadding;
}

/** The case's geometry, with Keras' padding rule; also the padding after (bottom, right). */
export function geometryOf(cs: ConvCase): ConvGeometry & { pb: number; pr: number } {
  const sh = cs.sh ?? 1,
    sw = cs.sw ?? 1,
    dh = cs.dh ?? 1,
    dw = cs.dw ?? 1;
  const y = convAxis(cs.h, cs.kh, sh, dh, cs.padding),
    x = convAxis(cs.w, cs.kw, sw, dw, cs.padding);
  const oc = cs.dm !== undefined ? cs.c * cs.dm : cs.oc!;
  // the padding after: whatever the last window needs beyond the input
  const pb = Math.max(0, (y.out - 1) * sh + (cs.kh - 1) * dh + 1 - cs.h - y.before);
  const pr = Math.max(0, (x.out - 1) * sw + (cs.kw - 1) * dw + 1 - cs.w - x.before);
  return { n: cs.n, h: cs.h, w: cs.w, c: cs.c, oc, kh: cs.kh, kw: cs.kw, sh, sw, dh, dw, pt: y.before, pl: x.before, oh: y.out, ow: x.out, pb, pr };
}

/** Filter floats of a case (kh x kw x c x oc, or kh x kw x c x dm). */
export function filterSize(cs: ConvCase): number {
  const g = geometryOf(cs);
  return cs.dm !== undefined ? g.kh * g.kw * g.c * cs.dm : g.kh * g.kw * g.c * g.oc;
}

/** Forward (pre-activation, with bias) and the gradients for the upstream gradient dy, in float64. */
export function referenceConv(
  cs: ConvCase,
  x: ArrayLike<number>,
  wt: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  dy: ArrayLike<number>,
): { y: Float64Array; dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const g = geometryOf(cs);
  const { n, h, w, c, oc } = g;
  const dm = cs.dm;
  const y = new Float64Array(n * g.oh * g.ow * oc),
    dx = new Float64Array(n * h * w * c),
    dW = new Float64Array(filterSize(cs)),
    db = new Float64Array(oc);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < g.oh; oy++)
      for (let ox = 0; ox < g.ow; ox++) {
        const p = ((b * g.oh + oy) * g.ow + ox) * oc;
        for (let o = 0; o < oc; o++) {
          y[p + o] = bias ? bias[o]! : 0;
          db[o]! += dy[p + o]!;
        }
        for (let ky = 0; ky < g.kh; ky++)
          for (let kx = 0; kx < g.kw; kx++) {
            const iy = oy * g.sh + ky * g.dh - g.pt,
              ix = ox * g.sw + kx * g.dw - g.pl;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const q = ((b * h + iy) * w + ix) * c;
            const kk = ky * g.kw + kx;
            for (let ci = 0; ci < c; ci++) {
              const outs = dm !== undefined ? Array.from({ length: dm }, (_, m) => ci * dm + m) : Array.from({ length: oc }, (_, o) => o);
              for (const o of outs) {
                const wi = dm !== undefined ? kk * oc + o : (kk * c + ci) * oc + o;
                y[p + o]! += x[q + ci]! * wt[wi]!;
                dx[q + ci]! += dy[p + o]! * wt[wi]!;
                dW[wi]! += x[q + ci]! * dy[p + o]!;
              }
            }
          }
      }
  return { y, dx, dw: dW, db };
}

/** What PyTorch computed for one case (float32, NHWC and Keras layout again). */
export interface TorchResult {
  y: number[];
  dx: number[];
  dw: number[];
  db: number[];
}

const TORCH_SCRIPT = String.raw`
import json, sys, torch
import torch.nn.functional as F
torch.set_num_threads(1)
out = []
for cs in json.load(sys.stdin):
    n, h, w, c, oc, kh, kw = cs['n'], cs['h'], cs['w'], cs['c'], cs['oc'], cs['kh'], cs['kw']
    x = torch.tensor(cs['x'], dtype=torch.float32).reshape(n, h, w, c).permute(0, 3, 1, 2).contiguous().requires_grad_()
    wk = torch.tensor(cs['wt'], dtype=torch.float32)
    if cs['dm'] is None:
        wt = wk.reshape(kh, kw, c, oc).permute(3, 2, 0, 1).contiguous().requires_grad_()
        groups = 1
    else:
        wt = wk.reshape(kh, kw, oc).permute(2, 0, 1).unsqueeze(1).contiguous().requires_grad_()
        groups = c
    b = torch.tensor(cs['bias'], dtype=torch.float32).requires_grad_()
    xp = F.pad(x, (cs['pl'], cs['pr'], cs['pt'], cs['pb']))
    y = F.conv2d(xp, wt, b, stride=(cs['sh'], cs['sw']), dilation=(cs['dh'], cs['dw']), groups=groups)
    dy = torch.tensor(cs['dy'], dtype=torch.float32).reshape(n, y.shape[2], y.shape[3], oc).permute(0, 3, 1, 2)
    (y * dy).sum().backward()
    if cs['dm'] is None:
        dw = wt.grad.permute(2, 3, 1, 0)
    else:
        dw = wt.grad.squeeze(1).permute(1, 2, 0)
    out.append({'y': y.detach().permute(0, 2, 3, 1).reshape(-1).tolist(), 'dx': x.grad.permute(0, 2, 3, 1).reshape(-1).tolist(),
                'dw': dw.reshape(-1).tolist(), 'db': b.grad.tolist()})
json.dump(out, sys.stdout)
`;

let torchPython: string | null | undefined;
/** A python3 that imports torch (KNOBS_PYTHON, python3, /usr/bin/python3), or null; throws when KNOBS_REQUIRE_PYTHON is set and there is none. */
export function pythonWithTorch(): string | null {
  if (torchPython !== undefined) return torchPython;
  for (const py of [process.env.KNOBS_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return (torchPython = py);
  }
  if (process.env.KNOBS_REQUIRE_PYTHON) throw new Error('KNOBS_REQUIRE_PYTHON is set (CI) but no python3 here imports torch: apt-get install python3-torch');
  return (torchPython = null);
}

/** Runs the cases through PyTorch in one child process. */
export function torchConv(
  py: string,
  cases: { cs: ConvCase; x: ArrayLike<number>; wt: ArrayLike<number>; bias: ArrayLike<number>; dy: ArrayLike<number> }[],
): TorchResult[] {
  const input = cases.map(({ cs, x, wt, bias, dy }) => {
    const g = geometryOf(cs);
    return { ...g, dm: cs.dm ?? null, x: Array.from(x), wt: Array.from(wt), bias: Array.from(bias), dy: Array.from(dy) };
  });
  const r = spawnSync(py, ['-c', TORCH_SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python3 torch reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as TorchResult[];
}
