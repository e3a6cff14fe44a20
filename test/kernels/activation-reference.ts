/**
 * float64 references of every activation kind and of its derivative, for the activation and
 * gemm kernel tests (tfjs-layers' definitions; the default alphas leakyRelu 0.3, elu 1).
 */
import type { ActivationName } from '../../src/engine/kernels/f32_activation';

const SELU_SCALE = 1.0507009873554805,
  SELU_ALPHA = 1.6732632423543772;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/**
 * erfc in float64, for the gelu reference: erf's all-positive series
 * 2/sqrt(pi) e^(-z^2) sum 2^n z^(2n+1) / (1 3 5 ... (2n+1)) below 2.5 (no cancellation), the
 * Laplace continued fraction above (converged to double precision with 200 terms there).
 */
function erfc(z: number): number {
  if (z < 0) return 2 - erfc(-z);
  if (z < 2.5) {
    let term = z,
      sum = z;
    for (let n = 1; n < 200 && term > 1e-18 * sum; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
  }
  let k = z;
  for (let n = 200; n >= 1; n--) k = z + n / 2 / k;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * k);
}
const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);
const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const GELU_C = Math.sqrt(2 / Math.PI);

/** float64 references, with the default alphas (leakyRelu 0.3, elu 1); tfjs-layers' definitions. */
export const REF: Record<ActivationName, (x: number, alpha: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x, a) => (x > 0 ? x : a * x),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  sigmoid,
  tanh: Math.tanh,
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  softplus,
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  hardSigmoid: (x) => Math.min(Math.max(0.2 * x + 0.5, 0), 1),
  softsign: (x) => x / (1 + Math.abs(x)),
  gelu: (x) => x * normalCdf(x),
  // 0.5 (1 + tanh u) = sigmoid(2u), which does not cancel in float64 either for x << 0
  geluNew: (x) => x * sigmoid(2 * GELU_C * (x + 0.044715 * x ** 3)),
  swish: (x) => x * sigmoid(x),
  mish: (x) => x * Math.tanh(softplus(x)),
};

/** float64 derivatives, written out (for the edge regions, where finite differences lose precision). */
export const REF_GRAD: Record<ActivationName, (x: number, alpha: number) => number> = {
  linear: () => 1,
  relu: (x) => (x > 0 ? 1 : 0),
  leakyRelu: (x, a) => (x > 0 ? 1 : a),
  elu: (x, a) => (x > 0 ? 1 : a * Math.exp(x)),
  sigmoid: (x) => sigmoid(x) * sigmoid(-x),
  tanh: (x) => 1 / Math.cosh(x) ** 2,
  selu: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)),
  softplus: sigmoid,
  relu6: (x) => (x > 0 && x < 6 ? 1 : 0),
  hardSigmoid: (x) => (x > -2.5 && x < 2.5 ? 0.2 : 0),
  softsign: (x) => 1 / (1 + Math.abs(x)) ** 2,
  gelu: (x) => normalCdf(x) + x * normalPdf(x),
  geluNew: (x) => {
    const u = GELU_C * (x + 0.044715 * x ** 3);
    const s = sigmoid(2 * u);
    return s + 2 * x * s * sigmoid(-2 * u) * GELU_C * (1 + 3 * 0.044715 * x * x);
  },
  swish: (x) => sigmoid(x) + x * sigmoid(x) * sigmoid(-x),
  mish: (x) => {
    const t = Math.tanh(softplus(x));
    return t + x * (1 - t * t) * sigmoid(x);
  },
};
