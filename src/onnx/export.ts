/**
 * ONNX export for inference: a trained knobs model as an ONNX model (opset 13, IR version 7) that
 * ONNX Runtime, and any runtime of opset 13 or newer, runs with knobs' outputs up to float rounding.
 *
 * The graph takes what `model.predict` takes: rows of the model's input shape, channels last
 * (`[batch, ...inputShape]`, the batch size free), and gives what it gives. ONNX convolutions and
 * pooling are channels first, so image data is transposed to NCHW before the first of them and
 * back to NHWC before anything that depends on the element order (flatten, reshape, dense, the
 * output); kernels are rearranged once here, in JavaScript, rather than at run time. TensorFlow's
 * 'same' padding (the odd pixel after, not before) is written as explicit pads. Dropout layers are
 * the identity at inference and leave no node; batch normalization uses its moving statistics.
 *
 * Weights are stored as raw little-endian float32 initializers. The protobuf encoding is
 * protobufjs' (with the ONNX message descriptor in `schema.ts`); nothing here writes wire bytes.
 * @module
 */
import protobuf from 'protobufjs/light.js';
import { describe } from '../errors';
import type { Layer } from '../layers/layer';
import type { LayersModel } from '../model/layers-model';
import type { Graph } from '../model/graph';
import { DATA_TYPE, ONNX_SCHEMA } from './schema';

/** Options of {@link exportModel}. */
export interface OnnxExportOptions {
  /** Name of the graph's input (default `'input'`). */
  inputName?: string;
  /** Name of the graph's output (default `'output'`). */
  outputName?: string;
  /** Opset of the default ONNX domain, 13 or newer (default 13; everything written exists since 13). */
  opset?: number;
}

let root: protobuf.Root | undefined;
/** The ONNX message types, built once. */
function types(): { model: protobuf.Type } {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace);
  return { model: root.lookupType('onnx.ModelProto') };
}

type Attr = { name: string; type: number; f?: number; i?: number; ints?: number[]; floats?: number[] };
const AT = { FLOAT: 1, INT: 2, FLOATS: 6, INTS: 7 } as const;
const fAttr = (name: string, f: number): Attr => ({ name, type: AT.FLOAT, f });
const iAttr = (name: string, i: number): Attr => ({ name, type: AT.INT, i });
const intsAttr = (name: string, ints: number[]): Attr => ({ name, type: AT.INTS, ints });

interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Attr[];
}
interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}

/** Little-endian bytes of float32 or int64 values (DataView: the platform's order does not matter). */
function rawFloats(v: Float32Array | number[]): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i]!, true);
  return out;
}
function rawInt64(v: number[]): Uint8Array {
  const out = new Uint8Array(v.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setBigInt64(i * 8, BigInt(v[i]!), true);
  return out;
}

/** Builds the node list; each tensor name is unique (`<layer>/<what>`). */
class GraphBuilder {
  nodes: Node[] = [];
  inits: Tensor[] = [];
  private n = 0;

  node(opType: string, input: string[], name: string, attribute: Attr[] = []): string {
    const out = `${name}:${this.n++}`;
    this.nodes.push({ input, output: [out], name: out, opType, attribute });
    return out;
  }
  /** An initializer, once: a shared layer's later applications read the first one's (same name, same values). */
  floats(name: string, dims: number[], v: Float32Array | number[]): string {
    if (!this.inits.some((t) => t.name === name)) this.inits.push({ name, dims, dataType: DATA_TYPE.FLOAT, rawData: rawFloats(v) });
    return name;
  }
  int64s(name: string, v: number[]): string {
    if (!this.inits.some((t) => t.name === name)) this.inits.push({ name, dims: [v.length], dataType: DATA_TYPE.INT64, rawData: rawInt64(v) });
    return name;
  }
}

/** The layer of graph node `n` (kept here: the onnx entry imports no trainer code). */
function nodeLayer(layers: Layer[], graph: Graph, n: number): Layer {
  return layers[graph.nodeLayers[n]!]!;
}

/** ONNX operators of the merge layers (Sum, Mean and Concat take any number of inputs, Mul two). */
const MERGE_OPS: Partial<Record<string, string>> = { Add: 'Sum', Multiply: 'Mul', Average: 'Mean', Concatenate: 'Concat' };

/** TensorFlow's 'same' padding of one axis: the total split with the odd pixel after. */
function samePads(n: number, k: number, s: number, d: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + (k - 1) * d + 1 - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** ONNX pads [top, left, bottom, right] of a 2-D window over an [h, w] image. */
function pads2d(padding: unknown, hw: number[], k: number[], s: number[], d: number[]): number[] {
  if (padding !== 'same') return [0, 0, 0, 0];
  const [t, b] = samePads(hw[0]!, k[0]!, s[0]!, d[0]!);
  const [l, r] = samePads(hw[1]!, k[1]!, s[1]!, d[1]!);
  return [t, l, b, r];
}

/** [kh, kw, in, out] (Keras, knobs) -> [out, in, kh, kw] (ONNX Conv). */
function convKernel(k: Float32Array, kh: number, kw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) out[((o * ci + c) * kh + i) * kw + j] = k[((i * kw + j) * ci + c) * co + o]!;
  return out;
}

/** [kh, kw, c, m] depthwise -> [c*m, 1, kh, kw] (ONNX Conv with group = c; output channel c*m + j, as TensorFlow orders it). */
function depthwiseKernel(k: Float32Array, kh: number, kw: number, c: number, m: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let ch = 0; ch < c; ch++) for (let q = 0; q < m; q++) out[((ch * m + q) * kh + i) * kw + j] = k[((i * kw + j) * c + ch) * m + q]!;
  return out;
}

/** Appends an activation (knobs' definitions, see assembly/kernels/f32_activation.ts) to `x`. */
function activation(g: GraphBuilder, where: string, x: string, name: unknown, alpha: unknown, p: string): string {
  const a = typeof alpha === 'number' ? alpha : undefined;
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return g.node('Relu', [x], p);
    case 'leakyRelu':
      return g.node('LeakyRelu', [x], p, [fAttr('alpha', a ?? 0.3)]);
    case 'elu':
      return g.node('Elu', [x], p, [fAttr('alpha', a ?? 1)]);
    case 'sigmoid':
      return g.node('Sigmoid', [x], p);
    case 'tanh':
      return g.node('Tanh', [x], p);
    case 'selu':
      return g.node('Selu', [x], p); // ONNX's default alpha and gamma are SELU's constants, as knobs'
    case 'softplus':
      return g.node('Softplus', [x], p);
    case 'softsign':
      return g.node('Softsign', [x], p);
    case 'relu6':
      return g.node('Clip', [x, g.floats(`${p}/min`, [], [0]), g.floats(`${p}/max`, [], [6])], p);
    case 'hardSigmoid':
      return g.node('HardSigmoid', [x], p, [fAttr('alpha', 0.2), fAttr('beta', 0.5)]); // Keras 2 and tfjs' slope
    case 'swish':
      return g.node('Mul', [x, g.node('Sigmoid', [x], p)], p);
    case 'mish':
      return g.node('Mul', [x, g.node('Tanh', [g.node('Softplus', [x], p)], p)], p);
    case 'gelu': {
      // x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)); opset 20's Gelu would do, 13 needs Erf
      const e = g.node('Erf', [g.node('Mul', [x, g.floats(`${p}/rsqrt2`, [], [Math.SQRT1_2])], p)], p);
      const half = g.node('Mul', [x, g.floats(`${p}/half`, [], [0.5])], p);
      return g.node('Mul', [half, g.node('Add', [e, g.floats(`${p}/one`, [], [1])], p)], p);
    }
    case 'geluNew': {
      // x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)
      const x3 = g.node('Mul', [x, g.node('Mul', [x, x], p)], p);
      const inner = g.node('Add', [x, g.node('Mul', [x3, g.floats(`${p}/c`, [], [0.044715])], p)], p);
      const twoU = g.node('Mul', [inner, g.floats(`${p}/k`, [], [2 * Math.sqrt(2 / Math.PI)])], p);
      return g.node('Mul', [x, g.node('Sigmoid', [twoU], p)], p);
    }
    default:
      throw new RangeError(`${where}: activation ${describe(name)} has no ONNX export`);
  }
}

/**
 * Exports a model for inference as ONNX bytes (a serialized `ModelProto`, opset 13). Throws,
 * naming the layer, for a layer without an ONNX form.
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { exportModel } from 'knobs/onnx';
 * writeFileSync('model.onnx', exportModel(model));
 * // Python: onnxruntime.InferenceSession('model.onnx').run(None, {'input': x})  # x: [n, ...inputShape] float32
 * ```
 */
export function exportModel(model: LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const W = 'onnx.exportModel';
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`${W}: model must be a knobs model, got ${describe(model)}`);
  }
  if (options === null || typeof options !== 'object') throw new TypeError(`${W}: options must be an object, got ${describe(options)}`);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  for (const [k, v] of [
    ['inputName', inputName],
    ['outputName', outputName],
  ] as const) {
    if (typeof v !== 'string' || v === '') throw new TypeError(`${W}: options.${k} must be a non-empty string, got ${describe(v)}`);
  }
  if (inputName === outputName) throw new RangeError(`${W}: options.inputName and options.outputName must differ, both are ${JSON.stringify(inputName)}`);
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new RangeError(`${W}: options.opset must be an integer from 13 to 21, got ${describe(opset)}`);

  const g = new GraphBuilder();
  const weights = model.getWeights();
  let wi = 0;
  let x = inputName;
  let shape = model.inputShape.slice(); // without the batch, in NHWC order
  let nchw = false; // whether x is currently an image transposed to channels first
  const toNchw = (p: string): void => {
    if (!nchw) x = g.node('Transpose', [x], p, [intsAttr('perm', [0, 3, 1, 2])]);
    nchw = true;
  };
  const toNhwc = (p: string): void => {
    if (nchw) x = g.node('Transpose', [x], p, [intsAttr('perm', [0, 2, 3, 1])]);
    nchw = false;
  };

  // a graph (the functional API): each layer starts from its source's output tensor and layout;
  // several inputs are graph inputs named after their layers, several outputs likewise
  // a shared layer is one ONNX node (or chain) per application, reading the same initializers
  const graph = (model as { graph?: Graph }).graph;
  const layers = model.layers as Layer[];
  const tensors: { x: string; nchw: boolean }[] = [];
  const graphInputName = (n: number): string => (graph!.inputs.length === 1 ? inputName : nodeLayer(layers, graph!, n).name);
  const graphOutputName = (n: number): string => (graph!.outputs.length === 1 ? outputName : nodeLayer(layers, graph!, n).name);
  const layerWeights = layers.map((l) => {
    const w: Record<string, Float32Array> = {};
    for (const s of l.weightSpecs()) w[s.name] = weights[wi++]!;
    return w;
  });
  // [node, layer] in the order to emit them: a graph's nodes, or a stack's layers
  const steps: [number, number][] = graph ? graph.nodeLayers.map((l, n) => [n, l]) : layers.map((_, i) => [i, i]);
  for (const [li, layerIndex] of steps) {
    const layer = layers[layerIndex]!;
    const p = layer.name;
    const where = `${W}: layer ${JSON.stringify(layer.name)} (${layer.className})`;
    const c = layer.getConfig();
    const w = layerWeights[layerIndex]!;
    if (graph) {
      const srcs = graph.sources[li]!;
      if (layer.className === 'InputLayer') {
        tensors[li] = { x: graphInputName(li), nchw: false };
        continue;
      }
      if (MERGE_OPS[layer.className]) {
        // merges work on NHWC tensors: Keras' concatenation axis counts the batch as axis 0
        const ins = srcs.map((s) => {
          const t = tensors[s]!;
          return t.nchw ? g.node('Transpose', [t.x], p, [intsAttr('perm', [0, 2, 3, 1])]) : t.x;
        });
        const op = MERGE_OPS[layer.className]!;
        // Mul takes two inputs: a product of more is a chain
        let out = op === 'Mul' ? ins[0]! : g.node(op, ins, p, op === 'Concat' ? [iAttr('axis', c.axis as number)] : []);
        if (op === 'Mul') for (const other of ins.slice(1)) out = g.node('Mul', [out, other], p);
        tensors[li] = { x: out, nchw: false };
        continue;
      }
      ({ x, nchw } = tensors[srcs[0]!]!);
      shape = nodeLayer(layers, graph, srcs[0]!).outputShape.slice();
    }
    const image = shape.length === 3;
    switch (layer.className) {
      case 'Dense': {
        const k = shape[0]!,
          u = c.units as number;
        const inputs = [x, g.floats(`${p}/kernel`, [k, u], w.kernel!)];
        if (c.useBias) inputs.push(g.floats(`${p}/bias`, [u], w.bias!));
        x = g.node('Gemm', inputs, p);
        x = c.activation === 'softmax' ? g.node('Softmax', [x], p, [iAttr('axis', -1)]) : activation(g, where, x, c.activation, c.activationAlpha, p);
        break;
      }
      case 'Activation': {
        if (c.activation === 'softmax') {
          // over the last axis (channels): in NHWC, as knobs lays it out
          toNhwc(p);
          x = g.node('Softmax', [x], p, [iAttr('axis', -1)]);
        } else x = activation(g, where, x, c.activation, c.alpha, p);
        break;
      }
      case 'Dropout':
      case 'SpatialDropout2D':
        break; // the identity at inference
      case 'BatchNormalization':
      case 'Normalization': {
        // ONNX BatchNormalization wants the channels at axis 1: [n, c] or NCHW
        if (image) toNchw(p);
        const ch = shape[shape.length - 1]!;
        const bn = layer.className === 'BatchNormalization';
        const gamma = bn && c.scale ? w.gamma! : new Float32Array(ch).fill(1);
        const beta = bn && c.center ? w.beta! : new Float32Array(ch);
        const mean = bn ? w.movingMean! : w.mean!;
        const variance = bn ? w.movingVariance! : w.variance!;
        // Normalization divides by sqrt(variance) exactly (knobs' f32_bn_normalize with epsilon 0)
        const eps = bn ? (c.epsilon as number) : 0;
        x = g.node(
          'BatchNormalization',
          [
            x,
            g.floats(`${p}/gamma`, [ch], gamma),
            g.floats(`${p}/beta`, [ch], beta),
            g.floats(`${p}/mean`, [ch], mean),
            g.floats(`${p}/variance`, [ch], variance),
          ],
          p,
          [fAttr('epsilon', eps)],
        );
        break;
      }
      case 'Flatten':
        toNhwc(p);
        x = g.node('Flatten', [x], p, [iAttr('axis', 1)]);
        break;
      case 'Reshape':
        toNhwc(p);
        x = g.node('Reshape', [x, g.int64s(`${p}/shape`, [-1, ...layer.outputShape])], p);
        break;
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        toNchw(p);
        const [kh, kw] = c.kernelSize as [number, number];
        const strides = c.strides as number[],
          dil = c.dilationRate as number[];
        const ci = shape[2]!;
        const attrs = (group: number, k: number[], s: number[], d: number[], padding: unknown): Attr[] => [
          intsAttr('kernel_shape', k),
          intsAttr('strides', s),
          intsAttr('dilations', d),
          intsAttr('pads', pads2d(padding, shape, k, s, d)),
          iAttr('group', group),
        ];
        if (layer.className === 'Conv2D') {
          const co = c.filters as number;
          const inputs = [x, g.floats(`${p}/kernel`, [co, ci, kh, kw], convKernel(w.kernel!, kh, kw, ci, co))];
          if (c.useBias) inputs.push(g.floats(`${p}/bias`, [co], w.bias!));
          x = g.node('Conv', inputs, p, attrs(1, [kh, kw], strides, dil, c.padding));
        } else {
          const m = c.depthMultiplier as number;
          const sep = layer.className === 'SeparableConv2D';
          const dw = [x, g.floats(`${p}/depthwise_kernel`, [ci * m, 1, kh, kw], depthwiseKernel(w.depthwise_kernel!, kh, kw, ci, m))];
          if (!sep && c.useBias) dw.push(g.floats(`${p}/bias`, [ci * m], w.bias!));
          x = g.node('Conv', dw, p, attrs(ci, [kh, kw], strides, dil, c.padding));
          if (sep) {
            const co = c.filters as number;
            const pw = [x, g.floats(`${p}/pointwise_kernel`, [co, ci * m, 1, 1], convKernel(w.pointwise_kernel!, 1, 1, ci * m, co))];
            if (c.useBias) pw.push(g.floats(`${p}/bias`, [co], w.bias!));
            x = g.node('Conv', pw, p, [intsAttr('kernel_shape', [1, 1]), intsAttr('strides', [1, 1]), intsAttr('pads', [0, 0, 0, 0])]);
          }
        }
        x = activation(g, where, x, c.activation, c.activationAlpha, p);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        toNchw(p);
        const k = c.poolSize as number[],
          s = c.strides as number[];
        const attrs = [intsAttr('kernel_shape', k), intsAttr('strides', s), intsAttr('pads', pads2d(c.padding, shape, k, s, [1, 1]))];
        // TensorFlow leaves padded pixels out of an average: count_include_pad 0
        if (layer.className === 'AveragePooling2D') attrs.push(iAttr('count_include_pad', 0));
        x = g.node(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x], p, attrs);
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        toNchw(p);
        x = g.node(layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool', [x], p);
        // [n, c, 1, 1]: NCHW of [n, 1, 1, c] with keepdims, else [n, c]
        if (!c.keepdims) {
          x = g.node('Flatten', [x], p, [iAttr('axis', 1)]);
          nchw = false;
        }
        break;
      case 'ZeroPadding2D': {
        toNchw(p);
        const [[t, b], [l, r]] = c.padding as [[number, number], [number, number]];
        x = g.node('Pad', [x, g.int64s(`${p}/pads`, [0, 0, t, l, 0, 0, b, r])], p);
        break;
      }
      default:
        throw new RangeError(`${where}: has no ONNX export`);
    }
    shape = layer.outputShape.slice();
    tensors[li] = { x, nchw };
  }
  if (graph) return encodeGraph(model, opset, g, layers, graph, tensors, graphInputName, graphOutputName);
  if (shape.length === 3) toNhwc('output');
  // the last node's output takes the graph's output name
  if (x === inputName || g.nodes.length === 0) x = g.node('Identity', [x], 'output');
  const last = g.nodes[g.nodes.length - 1]!;
  for (const n of g.nodes) n.input = n.input.map((i) => (i === last.output[0] ? outputName : i));
  last.output = [outputName];

  return encodeModel(model, opset, g, [valueInfo(inputName, model.inputShape)], [valueInfo(outputName, shape)]);
}

/** An ONNX ValueInfo: a float tensor of `shape` with a free batch dimension first. */
function valueInfo(name: string, shape: number[]): object {
  return { name, type: { tensorType: { elemType: DATA_TYPE.FLOAT, shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] } } } };
}

/** Encodes the ModelProto around a built graph and its inputs' and outputs' ValueInfos. */
function encodeModel(model: LayersModel, opset: number, g: GraphBuilder, input: object[], output: object[]): Uint8Array {
  const message = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'knobs',
    producerVersion: '0.1.0',
    graph: { name: model.name, node: g.nodes, initializer: g.inits, input, output },
  };
  const { model: type } = types();
  return type.encode(type.fromObject(message)).finish();
}

/** The ModelProto of a graph model: its inputs and outputs named (one: options' names; several: the layers' names). */
function encodeGraph(
  model: LayersModel,
  opset: number,
  g: GraphBuilder,
  layers: Layer[],
  graph: Graph,
  tensors: { x: string; nchw: boolean }[],
  inputName: (i: number) => string,
  outputName: (i: number) => string,
): Uint8Array {
  for (const i of graph.outputs) {
    const t = tensors[i]!;
    const name = nodeLayer(layers, graph, i).name;
    const x = t.nchw ? g.node('Transpose', [t.x], `${name}/output`, [intsAttr('perm', [0, 2, 3, 1])]) : t.x;
    g.nodes.push({ input: [x], output: [outputName(i)], name: `${name}/identity`, opType: 'Identity', attribute: [] });
  }
  return encodeModel(
    model,
    opset,
    g,
    graph.inputs.map((i) => valueInfo(inputName(i), nodeLayer(layers, graph, i).outputShape)),
    graph.outputs.map((i) => valueInfo(outputName(i), nodeLayer(layers, graph, i).outputShape)),
  );
}
