/**
 * TensorFlow.js' layers format (`model.json` with `format: 'layers-model'` plus weight shards),
 * both ways: what `tf.loadLayersModel` reads, and what tfjs-layers' `model.save` and the tfjs
 * converter (`tensorflowjs_converter --input_format keras`) write.
 *
 * The format holds an architecture in Keras' spelling (class names such as `Conv2D`, snake_case
 * config keys, `{class_name, config}` initializers and regularizers) and the weights, named
 * `<layer>/<weight>` (`dense/kernel`, `batch_normalization/moving_mean`). knobs' weights have
 * Keras' layouts already (a Dense kernel is fanIn x units, a Conv2D kernel [kh, kw, in, out]),
 * so a conversion only renames: no value is transposed or recomputed.
 *
 * What the format cannot hold stays in knobs' own format (the default of `save`): the state of
 * optimizers other than Adam and plain SGD, knobs' training progress (epochs), the seed, a Normalization layer's statistics, SpatialDropout2D (tfjs
 * has no such layer). Saving a model that has one of these to the tfjs format is an error that
 * names the layer, never a silently different model.
 *
 * Reading trusts nothing: every field is checked, every weight the layers need must be in the
 * manifest with its shape and float32, the manifest must name nothing else (outside the
 * `optimizer` group) and the shards must hold exactly the bytes it describes. Errors name the file,
 * the layer (index, name and class) or the weight; nothing is allocated before all of that passed,
 * and no code in the file is ever evaluated (class names are looked up in a fixed table).
 * @module
 */
import { DEFAULT_ACTIVATION_ALPHA, type ActivationName } from '../engine/kernels/f32_activation';
import { InputLayer } from '../layers/input-layer';
import { inboundNodes, nodeRef, layerNodes, type Graph, type GraphLayerConfig, type GraphModelConfig, type NodeRef } from '../model/graph';
import { describe, ShapeError } from '../errors';
import type { Layer, LayerConfig } from '../layers/layer';
import { layoutLayers } from '../model/layout';
import { graphFromConfig, layerFromConfig, modelFromConfig } from '../model/from-config';
import type { LayersModel } from '../model/layers-model';
import { adam, sgd, type Optimizer } from '../optimizers/index';
import { array, checkWeightPath, count, isPlain, isTfjsModelJson, MAX_FLOATS, object, own, string, within, type Plain } from './check';

/** One weight in a tfjs manifest. */
export interface TfjsWeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  /** `'optimizer'` for optimizer weights (tfjs' `includeOptimizer`); knobs skips them when loading. */
  group?: string;
  quantization?: { dtype: string; [k: string]: unknown };
}

/** One group of a tfjs manifest: the shards holding its weights, in order. */
export interface TfjsWeightGroup {
  paths: string[];
  weights: TfjsWeightEntry[];
}

/** The JSON part of a model in TensorFlow.js' layers format. */
export interface TfjsModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: { class_name: string; config: unknown; keras_version?: string; backend?: string };
  /** Written with the optimizer's weights: the loss, metrics and optimizer tfjs compiles the model with. */
  trainingConfig?: Record<string, unknown>;
  weightsManifest: TfjsWeightGroup[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** The tfjs layers model in memory: model.json and the concatenated shards. */
export interface TfjsArtifacts {
  modelJson: TfjsModelJson;
  weightData: ArrayBuffer;
}

/** `movingMean` -> `moving_mean`. */
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
/** `moving_mean` -> `movingMean`. */
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

// ---- knobs -> tfjs ---------------------------------------------------------------------------

/** knobs activation names whose tfjs spelling differs; the rest are spelled alike. */
const ACTIVATION_OUT: Partial<Record<string, string>> = { hardSigmoid: 'hard_sigmoid', geluNew: 'gelu_new' };

/** knobs initializers as tfjs-layers' registered classes. */
const INITIALIZER_OUT: Partial<Record<string, string>> = {
  glorotUniform: 'GlorotUniform',
  glorotNormal: 'GlorotNormal',
  heUniform: 'HeUniform',
  heNormal: 'HeNormal',
  lecunNormal: 'LeCunNormal',
  zeros: 'Zeros',
  ones: 'Ones',
  randomUniform: 'RandomUniform',
  randomNormal: 'RandomNormal',
};

function activationOut(where: string, name: unknown, alpha: unknown): string {
  const n = name as ActivationName | 'softmax';
  if (n === 'leakyRelu') {
    throw new RangeError(
      `${where}: activation 'leakyRelu' has no TensorFlow.js activation name; put it in its own layers.activation({ activation: 'leakyRelu' }) layer (saved as LeakyReLU) or save in knobs' format`,
    );
  }
  if (alpha !== undefined && n !== 'softmax' && alpha !== DEFAULT_ACTIVATION_ALPHA[n]) {
    throw new RangeError(`${where}: activation ${n} with alpha ${describe(alpha)} has no TensorFlow.js equivalent; save in knobs' format`);
  }
  return ACTIVATION_OUT[n] ?? n;
}

function initializerOut(where: string, v: unknown): Plain {
  const i = v as { name: string; config: Record<string, number> };
  const cls = INITIALIZER_OUT[i.name];
  if (!cls) throw new RangeError(`${where}: initializer ${describe(i.name)} has no TensorFlow.js class`);
  const seeded = i.name !== 'zeros' && i.name !== 'ones';
  return { class_name: cls, config: { ...i.config, ...(seeded ? { seed: null } : {}) } };
}

function regularizerOut(v: unknown): Plain {
  const r = v as { l1: number; l2: number };
  return { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } };
}

/** One knobs layer as tfjs' `{class_name, config}`. */
function layerOut(layer: Layer): Plain {
  const where = `toTfjs: layer ${JSON.stringify(layer.name)} (${layer.className})`;
  const c = layer.getConfig();
  if (layer.className === 'Normalization') {
    throw new RangeError(`${where}: TensorFlow.js has no Normalization layer; save in knobs' format, which keeps its statistics`);
  }
  if (layer.className === 'SpatialDropout2D') {
    throw new RangeError(`${where}: TensorFlow.js has no SpatialDropout2D layer; save in knobs' format, or use layers.dropout for a tfjs export`);
  }
  if (layer.className === 'Activation') {
    // a leaky ReLU or an ELU of another scale is a layer of its own in Keras and tfjs
    if (c.activation === 'leakyRelu') {
      return {
        class_name: 'LeakyReLU',
        config: { name: layer.name, trainable: layer.trainable, dtype: 'float32', alpha: c.alpha ?? DEFAULT_ACTIVATION_ALPHA.leakyRelu },
      };
    }
    if (c.activation === 'elu' && c.alpha !== undefined && c.alpha !== 1) {
      return { class_name: 'ELU', config: { name: layer.name, trainable: layer.trainable, dtype: 'float32', alpha: c.alpha } };
    }
  }
  if ((layer.className === 'GlobalAveragePooling2D' || layer.className === 'GlobalMaxPooling2D') && c.keepdims === true) {
    throw new RangeError(`${where}: TensorFlow.js' global pooling has no keepdims; save in knobs' format`);
  }
  const out: Plain = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || k === 'inputShape' || k === 'activationAlpha' || k === 'keepdims') continue;
    if (k === 'name') out.name = v;
    else if (k === 'activation') out.activation = activationOut(where, v, layer.className === 'Activation' ? c.alpha : c.activationAlpha);
    else if (k === 'alpha' && layer.className === 'Activation') continue;
    else if (k.endsWith('Initializer')) out[snake(k)] = initializerOut(`${where}: ${k}`, v);
    else if (k.endsWith('Regularizer')) out[snake(k)] = regularizerOut(v);
    else if (k === 'dataFormat') out.data_format = 'channels_last';
    else out[snake(k)] = v;
  }
  if (layer.className === 'BatchNormalization' && out.axis === undefined) out.axis = -1;
  out.trainable = layer.trainable;
  out.dtype = 'float32';
  return { class_name: layer.className, config: out };
}

/**
 * The model in TensorFlow.js' layers format: what `tf.loadLayersModel` reads. Weights are
 * listed as tfjs lists them (every trainable weight in layer order, then the moving statistics).
 * Throws, naming the layer, for what tfjs cannot represent (see the module's notes).
 * @internal
 */
export function toTfjsArtifacts(model: LayersModel, metadata?: Record<string, unknown>): TfjsArtifacts {
  const layers = model.layers;
  const taken = new Set(layers.map((l) => l.name));
  let inputName = 'input_1';
  for (let k = 2; taken.has(inputName); k++) inputName = `input_${k}`;
  const graph = model.graph;
  const nodesOf = graph ? layerNodes(graph, layers.length) : [];
  // a graph: tfjs' functional topology ("Model": layers with inbound_nodes, input_layers,
  // output_layers); a shared layer has one inbound node per application
  const topologyLayers: Plain[] = graph
    ? layers.map((l, i) => ({
        ...(l instanceof InputLayer
          ? { class_name: 'InputLayer', config: { batch_input_shape: [null, ...l.inputShape], dtype: 'float32', sparse: false, name: l.name } }
          : layerOut(l)),
        name: l.name,
        inbound_nodes: inboundNodes(layers, graph, nodesOf, i),
      }))
    : [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, ...model.inputShape], dtype: 'float32', sparse: false, name: inputName } },
        ...layers.map(layerOut),
      ];
  const weights = model.getWeights();
  const entries: { entry: TfjsWeightEntry; data: Float32Array; trainable: boolean }[] = [];
  let k = 0;
  for (const l of layers) {
    for (const s of l.weightSpecs()) {
      // a frozen layer's weights are non-trainable in tfjs
      const trainable = s.trainable && l.trainable;
      entries.push({ entry: { name: `${l.name}/${snake(s.name)}`, shape: s.shape.slice(), dtype: 'float32' }, data: weights[k++]!, trainable });
    }
  }
  // tfjs' order: trainable weights first, then the non-trainable ones (moving statistics)
  const ordered = [...entries.filter((e) => e.trainable), ...entries.filter((e) => !e.trainable)];
  const data = new Float32Array(ordered.reduce((s, e) => s + e.data.length, 0));
  let o = 0;
  for (const e of ordered) {
    data.set(e.data, o);
    o += e.data.length;
  }
  const opt = optimizerOut(model);
  const modelWeights = new Uint8Array(data.buffer);
  const all = new Uint8Array(modelWeights.length + (opt ? opt.data.byteLength : 0));
  all.set(modelWeights);
  if (opt) all.set(new Uint8Array(opt.data.buffer), modelWeights.length);
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'knobs',
    convertedBy: null,
    modelTopology: {
      class_name: graph ? 'Model' : 'Sequential',
      config: graph
        ? {
            name: model.name,
            layers: topologyLayers,
            input_layers: graph.inputs.map((n) => nodeRef(layers, graph, nodesOf, n)),
            output_layers: graph.outputs.map((n) => nodeRef(layers, graph, nodesOf, n)),
          }
        : { name: model.name, layers: topologyLayers },
      keras_version: 'knobs',
      backend: 'tensor_flow.js',
    },
    ...(opt ? { trainingConfig: opt.trainingConfig } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: [...ordered.map((e) => e.entry), ...(opt ? opt.entries : [])] }],
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
  return { modelJson, weightData: all.buffer };
}

/** tfjs' loss names (its training config is rejected by tf.loadLayersModel for any other). */
const TFJS_LOSSES = new Set([
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'meanSquaredLogarithmicError',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'hinge',
  'squaredHinge',
  'categoricalHinge',
  'logcosh',
  'kullbackLeiblerDivergence',
  'poisson',
  'cosineProximity',
]);
/** Where a tfjs training config written by knobs keeps loss weights other than 1 (see optimizerOut). */
const KNOBS_LOSS_WEIGHTS = 'knobs_loss_weights';
const TFJS_METRICS = new Set(['accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'precision', 'recall', 'mse', 'mae', 'mape']);

/**
 * The optimizer's state as tfjs' `includeOptimizer` writes it (`group: 'optimizer'`: `iter`, then
 * one slot per trainable weight, `<layer>/<weight>/m`, then `/v`), with the training config that
 * makes `tf.loadLayersModel` compile the model and take them. Written for Adam without weight
 * decay and plain SGD, whose update rules are tfjs' own (knobs' Adam bias-corrects as tfjs does),
 * with a constant learning rate and a loss tfjs knows; otherwise nothing (the architecture and
 * weights still load; knobs' format keeps every optimizer's state).
 */
function optimizerOut(model: LayersModel): { trainingConfig: Plain; entries: TfjsWeightEntry[]; data: Float32Array } | undefined {
  const ts = model.trainingState();
  if (!ts || model.optimizer?.schedule) return undefined;
  // several outputs: a loss per output, each one tfjs knows
  if (!(ts.outputs ? ts.outputs.losses : [ts.loss]).every((l) => TFJS_LOSSES.has(l))) return undefined;
  const o = ts.optimizer;
  const cfg = o.config as Record<string, unknown>;
  let optimizerConfig: Plain;
  if (o.className === 'Adam' && cfg.weightDecay === 0) {
    optimizerConfig = { class_name: 'Adam', config: { learningRate: cfg.learningRate, beta1: cfg.beta1, beta2: cfg.beta2, epsilon: cfg.epsilon } };
  } else if (o.className === 'SGD' && ts.slotNames.length === 0 && !cfg.weightDecay) {
    optimizerConfig = { class_name: 'SGD', config: { learningRate: cfg.learningRate } };
  } else return undefined;
  const slots = model.getOptimizerState();
  // the step count is an int32 scalar in tfjs; its 4 bytes ride in the float32 buffer
  const out: TfjsWeightEntry[] = [{ name: 'iter', shape: [], dtype: 'int32', group: 'optimizer' }];
  const parts: Float32Array[] = [new Float32Array(Int32Array.of(ts.iterations).buffer)];
  // the slots are laid out as the trainable weights are in the parameter buffer; tfjs' optimizer
  // has none for a frozen layer's weights
  const trainable: { name: string; shape: number[]; offset: number; n: number }[] = [];
  // in the order of tfjs' trainableWeights, which its optimizer's weights follow by position
  const order = model.graph ? tfjsLayerOrder(model.graph) : model.layers.map((_, i) => i);
  for (const l of order.map((i) => model.layers[i]!)) {
    l.weightSpecs().forEach((s, i) => {
      if (s.trainable && l.trainable)
        trainable.push({ name: `${l.name}/${snake(s.name)}`, shape: s.shape, offset: l.offsets[i]!, n: s.shape.reduce((a, b) => a * b, 1) });
    });
  }
  ts.slotNames.forEach((slot, k) => {
    for (const t of trainable) {
      out.push({ name: `${t.name}/${slot}`, shape: t.shape.slice(), dtype: 'float32', group: 'optimizer' });
      parts.push(slots[k]!.subarray(t.offset, t.offset + t.n));
    }
  });
  const data = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  const outs = ts.outputs;
  const trainingConfig = outs
    ? {
        // several outputs as tfjs' own save writes them: the losses in output order, the metrics by output name
        loss: outs.losses.map(snake),
        metrics: Object.fromEntries(Object.entries(outs.metrics).map(([name, ms]) => [name, ms.filter((m) => TFJS_METRICS.has(m))])),
        optimizer_config: optimizerConfig,
        // tf.loadLayersModel refuses a training config with Keras' loss_weights ("not supported
        // yet"), and would compile the outputs with weight 1 each: knobs keeps other weights under
        // a key tfjs does not read, so that knobs resumes with them
        ...(outs.lossWeights.some((w) => w !== 1) ? { [KNOBS_LOSS_WEIGHTS]: outs.lossWeights } : {}),
      }
    : {
        loss: snake(ts.loss),
        metrics: ts.metrics.filter((m) => TFJS_METRICS.has(m)),
        optimizer_config: optimizerConfig,
      };
  return { trainingConfig, entries: out, data };
}

/**
 * The order in which tfjs lists a graph model's layers (so its `trainableWeights`, whose order
 * its optimizer's saved weights follow by position, not by name): by depth, the longest path
 * to an output, deepest first; within a depth, in the order a depth-first walk from the outputs
 * (each layer's inputs in order) first reaches them. This is what tfjs-layers' Container does
 * when it builds a model from its inputs and outputs; knobs' own order (a topological order of
 * the graph as written) can differ, e.g. a head behind two layers comes before a head behind one.
 * The walk is over nodes (a shared layer's applications); the result is layer indices.
 */
function tfjsLayerOrder(graph: Graph): number[] {
  const reached = new Map<number, number>();
  const finished = new Set<number>();
  const postOrder: number[] = [];
  const walk = (i: number): void => {
    if (finished.has(i)) return;
    if (!reached.has(i)) reached.set(i, reached.size);
    for (const s of graph.sources[i]!) walk(s);
    finished.add(i);
    postOrder.push(i);
  };
  for (const o of graph.outputs) walk(o);
  // every layer's readers come before it in the reversed post-order: its depth is final when reached
  const depth = new Map<number, number>();
  for (const i of postOrder.reverse()) {
    const d = depth.get(i) ?? 0;
    depth.set(i, d);
    for (const s of graph.sources[i]!) depth.set(s, Math.max(depth.get(s) ?? 0, d + 1));
  }
  // a shared layer has several nodes: its depth is its deepest node's, and it is listed once
  const layerDepth = new Map<number, number>();
  const layerReached = new Map<number, number>();
  for (const [n, d] of depth) {
    const l = graph.nodeLayers[n]!;
    layerDepth.set(l, Math.max(layerDepth.get(l) ?? 0, d));
    layerReached.set(l, Math.min(layerReached.get(l) ?? Infinity, reached.get(n)!));
  }
  return [...layerDepth.keys()].sort((a, b) => layerDepth.get(b)! - layerDepth.get(a)! || layerReached.get(a)! - layerReached.get(b)!);
}

// ---- checking a tfjs model.json ------------------------------------------------------------

export { isTfjsModelJson };

/** A checked weight of a tfjs manifest, with its place in the concatenated shards. */
interface TfjsEntry {
  name: string;
  shape: number[];
  dtype: string;
  group: string | undefined;
  quantized: boolean;
  byteOffset: number;
  bytes: number;
}

/** A checked tfjs manifest group. */
export interface TfjsCheckedGroup {
  paths: string[];
  bytes: number;
  weights: TfjsEntry[];
}

const DTYPE_BYTES: Partial<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Checks the structure of a tfjs model.json's manifest (not yet against the layers) and returns
 * its groups with their byte sizes. Paths may start with `./` (tfjs-node writes `./weights.bin`).
 * @internal
 */
export function checkTfjsManifest(json: unknown, where: string): TfjsCheckedGroup[] {
  const j = object(where, 'the file', json);
  const manifest = array(where, 'weightsManifest', own(j, 'weightsManifest'));
  if (manifest.length === 0) throw new RangeError(`${where}: weightsManifest is empty`);
  let offset = 0;
  let floats = 0;
  const names = new Set<string>();
  return manifest.map((g, gi) => {
    const f = `weightsManifest[${gi}]`;
    const group = object(where, f, g);
    const paths = array(where, `${f}.paths`, own(group, 'paths')).map((p, pi) => {
      const raw = string(where, `${f}.paths[${pi}]`, p);
      return checkWeightPath(where, `${f}.paths[${pi}]`, raw.replace(/^(\.\/)+/, ''));
    });
    if (paths.length === 0) throw new RangeError(`${where}: ${f}.paths is empty`);
    let bytes = 0;
    const weights = array(where, `${f}.weights`, own(group, 'weights')).map((w, wi): TfjsEntry => {
      const wf = `${f}.weights[${wi}]`;
      const e = object(where, wf, w);
      const name = string(where, `${wf}.name`, own(e, 'name'));
      if (names.has(name)) throw new RangeError(`${where}: ${wf}.name ${describe(name)} appears twice in the manifest`);
      names.add(name);
      const shape = array(where, `${wf}.shape`, own(e, 'shape')).map((d, i) => count(where, `${wf}.shape[${i}]`, d, 0, MAX_FLOATS));
      const n = shape.reduce((a, b) => a * b, 1);
      floats += n;
      if (floats > MAX_FLOATS) throw new RangeError(`${where}: the manifest describes more than ${MAX_FLOATS} values`);
      const dtype = string(where, `${wf}.dtype`, own(e, 'dtype'));
      const q = own(e, 'quantization');
      const stored = q === undefined ? dtype : string(where, `${wf}.quantization.dtype`, own(object(where, `${wf}.quantization`, q), 'dtype'));
      const size = DTYPE_BYTES[stored];
      if (size === undefined || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, stored)) {
        throw new RangeError(
          `${where}: ${wf} (${describe(name)}) has dtype ${describe(stored)}, which knobs cannot read (float32, int32, bool, uint8, uint16, float16)`,
        );
      }
      const gr = own(e, 'group');
      const entry: TfjsEntry = {
        name,
        shape,
        dtype,
        group: typeof gr === 'string' ? gr : undefined,
        quantized: q !== undefined,
        byteOffset: offset + bytes,
        bytes: n * size,
      };
      bytes += n * size;
      return entry;
    });
    offset += bytes;
    return { paths, bytes, weights };
  });
}

// ---- tfjs -> knobs ---------------------------------------------------------------------------

/** Config keys knobs accepts only at the value every Keras or tfjs save writes by default. */
const BENIGN: Partial<Record<string, (v: unknown) => boolean>> = {
  kernel_constraint: (v) => v == null,
  bias_constraint: (v) => v == null,
  depthwise_constraint: (v) => v == null,
  pointwise_constraint: (v) => v == null,
  beta_constraint: (v) => v == null,
  gamma_constraint: (v) => v == null,
  activity_regularizer: (v) => v == null,
  noise_shape: (v) => v == null,
  groups: (v) => v === 1,
  synchronized: (v) => v === false,
  renorm: (v) => v === false,
  renorm_clipping: () => true, // used only when renorm is true, refused above
  renorm_momentum: () => true,
  virtual_batch_size: (v) => v == null,
  adjustment: (v) => v == null,
  fused: () => true, // an implementation choice of TensorFlow; the same computation
  lora_rank: (v) => v == null,
  lora_alpha: () => true, // used only with a lora_rank
  quantization_config: (v) => v == null,
  sparse: (v) => v === false,
  ragged: (v) => v === false,
};

/** Keys that tell the input's shape (on an InputLayer or on the first layer). */
const SHAPE_KEYS = ['batch_input_shape', 'batch_shape', 'input_shape'] as const;

function dtypeIn(where: string, v: unknown): void {
  if (v === undefined || v === null || v === 'float32') return;
  // Keras 3 writes a dtype policy: {class_name: 'DTypePolicy', config: {name: 'float32'}}
  if (isPlain(v) && isPlain(own(v, 'config')) && own(own(v, 'config') as Plain, 'name') === 'float32') return;
  throw new RangeError(`${where}: dtype ${JSON.stringify(v)} is not supported; knobs layers are float32`);
}

/** The example shape from a batch shape [null, ...dims] (or an input_shape without the batch). */
function inputShapeIn(where: string, key: string, v: unknown): number[] {
  const dims = array(where, key, v);
  const rest = key === 'input_shape' ? dims : dims.slice(1);
  if (rest.length === 0) throw new RangeError(`${where}: ${key} ${JSON.stringify(v)} has no example dimensions`);
  return rest.map((d, i) => {
    if (d === null) throw new RangeError(`${where}: ${key} ${JSON.stringify(v)} has a free dimension; knobs needs a fixed input shape`);
    return count(where, `${key}[${key === 'input_shape' ? i : i + 1}]`, d, 1, MAX_FLOATS);
  });
}

function initializerIn(where: string, v: unknown): { name: string; config: Record<string, number> } | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return { name: camel(v), config: {} }; // Keras accepts 'he_normal'
  const o = object(where, 'initializer', v);
  const cls = string(where, 'initializer.class_name', own(o, 'class_name'));
  const c = isPlain(own(o, 'config')) ? (own(o, 'config') as Plain) : {};
  const num = (k: string, d: number): number => (typeof own(c, k) === 'number' ? (own(c, k) as number) : d);
  switch (cls) {
    case 'GlorotUniform':
    case 'GlorotNormal':
    case 'HeUniform':
    case 'HeNormal':
      return { name: cls[0]!.toLowerCase() + cls.slice(1), config: {} };
    case 'LeCunNormal':
    case 'LecunNormal':
      return { name: 'lecunNormal', config: {} };
    case 'Zeros':
    case 'Ones':
      return { name: cls.toLowerCase(), config: {} };
    case 'RandomUniform':
      return { name: 'randomUniform', config: { minval: num('minval', -0.05), maxval: num('maxval', 0.05) } };
    case 'RandomNormal':
      return { name: 'randomNormal', config: { mean: num('mean', 0), stddev: num('stddev', 0.05) } };
    case 'Constant':
      return num('value', NaN) === 0 ? { name: 'zeros', config: {} } : num('value', NaN) === 1 ? { name: 'ones', config: {} } : undefined;
    case 'VarianceScaling': {
      // tfjs writes Glorot and He as VarianceScaling; map the combinations knobs has
      const key = `${num('scale', 1)}/${String(own(c, 'mode'))}/${String(own(c, 'distribution'))}`;
      const table: Partial<Record<string, string>> = {
        '1/fan_avg/uniform': 'glorotUniform',
        '1/fan_avg/normal': 'glorotNormal',
        '1/fan_avg/truncated_normal': 'glorotNormal',
        '2/fan_in/uniform': 'heUniform',
        '2/fan_in/normal': 'heNormal',
        '2/fan_in/truncated_normal': 'heNormal',
        '1/fan_in/normal': 'lecunNormal',
        '1/fan_in/truncated_normal': 'lecunNormal',
      };
      const name = table[key];
      return name ? { name, config: {} } : undefined;
    }
    default:
      // Initializers only matter when a model is initialized anew; the loaded weights are kept.
      // One knobs lacks (Orthogonal, TruncatedNormal...) leaves the layer's default.
      return undefined;
  }
}

function regularizerIn(where: string, v: unknown): { l1: number; l2: number } | undefined {
  if (v === null || v === undefined) return undefined;
  const o = object(where, 'regularizer', v);
  const cls = own(o, 'class_name');
  const c = isPlain(own(o, 'config')) ? (own(o, 'config') as Plain) : {};
  const factor = (k: string): number => {
    const x = own(c, k);
    if (x === undefined || x === null) return 0;
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw new RangeError(`${where}: regularizer ${k} must be a number >= 0, got ${describe(x)}`);
    return x;
  };
  if (cls === 'L1L2' || cls === 'L1' || cls === 'L2') return { l1: factor('l1'), l2: factor('l2') };
  throw new RangeError(`${where}: regularizer class ${describe(cls)} is not supported (L1L2, L1, L2 are)`);
}

/** Activation layers that Keras and tfjs write as classes of their own. */
function activationLayerIn(where: string, cls: string, c: Plain, name: string): LayerConfig | undefined {
  const num = (k: string): number | undefined => (typeof own(c, k) === 'number' ? (own(c, k) as number) : undefined);
  switch (cls) {
    case 'LeakyReLU':
      return { className: 'Activation', config: { name, activation: 'leakyRelu', alpha: num('alpha') ?? num('negative_slope') ?? 0.3 } };
    case 'ELU':
      return { className: 'Activation', config: { name, activation: 'elu', alpha: num('alpha') ?? 1 } };
    case 'Softmax': {
      const axis = own(c, 'axis');
      // knobs' softmax runs over the last axis, as Keras' default -1; tfjs' default 1 is the last
      // axis only of a flat example (checked once the shapes are known)
      const a = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
      if (a !== undefined && a !== -1 && a !== 1) {
        throw new RangeError(`${where}: softmax over axis ${JSON.stringify(axis)} is not supported (only the last axis)`);
      }
      return { className: 'Activation', config: { name, activation: 'softmax' } };
    }
    case 'ReLU': {
      const max = own(c, 'max_value') ?? null;
      if ((num('negative_slope') ?? 0) !== 0 || (num('threshold') ?? 0) !== 0 || (max !== null && max !== 6)) {
        throw new RangeError(
          `${where}: ReLU with max_value ${describe(max)}, negative_slope ${describe(own(c, 'negative_slope'))}, threshold ${describe(own(c, 'threshold'))} is not supported (relu and relu6 are)`,
        );
      }
      return { className: 'Activation', config: { name, activation: max === 6 ? 'relu6' : 'relu' } };
    }
    default:
      return undefined;
  }
}

/** Layer classes knobs reads from a tfjs or Keras model (besides InputLayer and the activation layers above). */
const KNOWN = new Set([
  'Dense',
  'Activation',
  'Dropout',
  'BatchNormalization',
  'Flatten',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Reshape',
  'ZeroPadding2D',
  'SpatialDropout2D',
  // merge layers of functional models
  'Add',
  'Multiply',
  'Average',
  'Concatenate',
]);
/** Keras' aliases of the same classes. */
const ALIASES: Partial<Record<string, string>> = {
  Convolution2D: 'Conv2D',
  MaxPool2D: 'MaxPooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  SeparableConvolution2D: 'SeparableConv2D',
};

/** One tfjs layer as a knobs LayerConfig (and the input shape, when it carries one). */
function layerIn(where: string, cls0: string, c: Plain): { layer: LayerConfig; inputShape?: number[]; tfjsName: string } {
  const cls = ALIASES[cls0] ?? cls0;
  const name = string(where, 'config.name', own(c, 'name'));
  dtypeIn(where, own(c, 'dtype'));
  let inputShape: number[] | undefined;
  for (const k of SHAPE_KEYS) if (own(c, k) !== undefined && own(c, k) !== null && !inputShape) inputShape = inputShapeIn(where, `config.${k}`, own(c, k));
  const special = activationLayerIn(where, cls, c, name);
  if (special) return { layer: special, tfjsName: name, ...(inputShape ? { inputShape } : {}) };
  if (!KNOWN.has(cls)) {
    throw new RangeError(
      `${where}: knobs has no layer class ${JSON.stringify(cls0)} (it reads ${[...KNOWN, 'InputLayer', 'LeakyReLU', 'ReLU', 'ELU', 'Softmax'].join(', ')})`,
    );
  }
  if (own(c, 'renorm') === true) throw new RangeError(`${where}: batch renormalization (renorm: true) is not supported`);
  const config: Plain = { name };
  for (const [k, v] of Object.entries(c)) {
    if (k === 'name' || k === 'dtype' || (SHAPE_KEYS as readonly string[]).includes(k)) continue;
    if (k === 'trainable') {
      if (v !== true && v !== false) throw new TypeError(`${where}: config.trainable must be true or false, got ${describe(v)}`);
      // a frozen layer stays frozen in knobs (written only when false, as knobs' own configs)
      if (v === false) config.trainable = false;
      continue;
    }
    const benign = BENIGN[k];
    if (benign) {
      if (!benign(v)) throw new RangeError(`${where}: config.${k} ${JSON.stringify(v)} is not supported (knobs reads only its default)`);
      continue;
    }
    if (k === 'data_format') {
      if (v !== null && v !== 'channels_last')
        throw new RangeError(`${where}: data_format ${describe(v)} is not supported; knobs layers are channels last (NHWC)`);
      continue;
    }
    if (k.endsWith('_initializer')) {
      const init = initializerIn(`${where}: config.${k}`, v);
      if (init) config[camel(k)] = init;
    } else if (k.endsWith('_regularizer')) {
      const reg = regularizerIn(`${where}: config.${k}`, v);
      if (reg) config[camel(k)] = reg;
    } else if (k === 'axis' && Array.isArray(v) && v.length === 1) {
      config.axis = v[0]; // Keras 3 writes BatchNormalization's axis as a list
    } else if ((k === 'seed' || k === 'strides') && v === null) {
      continue; // no seed given; pooling strides default to the pool size
    } else {
      config[camel(k)] = v;
    }
  }
  return { layer: { className: cls, config }, tfjsName: name, ...(inputShape ? { inputShape } : {}) };
}

/**
 * A functional model's topology (tfjs' and Keras' `Model` / `Functional`: layers with
 * `inbound_nodes`, one per application of the layer (several for a shared layer), in Keras 2's
 * or Keras 3's form ({@link nodeIn}), `input_layers`, `output_layers`) as knobs' graph config,
 * each layer read as a Sequential's layers are and keeping its tfjs name; undefined for a
 * Sequential topology.
 */
function functionalIn(where: string, json: Plain): GraphModelConfig | undefined {
  let topo = object(where, 'modelTopology', own(json, 'modelTopology'));
  if (own(topo, 'model_config') !== undefined) topo = object(where, 'modelTopology.model_config', own(topo, 'model_config'));
  const cls = own(topo, 'class_name');
  if (cls !== 'Model' && cls !== 'Functional') return undefined;
  const c = object(where, 'modelTopology.config', own(topo, 'config'));
  const raw = array(where, 'modelTopology.config.layers', own(c, 'layers'));
  const layers = raw.map((l, i): GraphLayerConfig => {
    const f = `modelTopology.config.layers[${i}]`;
    const lo = object(where, f, l);
    const lcls = string(where, `${f}.class_name`, own(lo, 'class_name'));
    const lc = object(where, `${f}.config`, own(lo, 'config'));
    const name = string(where, `${f}.name`, own(lo, 'name') ?? own(lc, 'name'));
    const lw = `${where}: layer ${JSON.stringify(name)} (${lcls})`;
    const nodes = array(where, `${f}.inbound_nodes`, own(lo, 'inbound_nodes') ?? []).map((node, ni) => nodeIn(where, `${f}.inbound_nodes[${ni}]`, node));
    if (lcls === 'InputLayer') {
      dtypeIn(lw, own(lc, 'dtype'));
      const key = SHAPE_KEYS.find((k) => own(lc, k) !== undefined && own(lc, k) !== null);
      if (!key) throw new RangeError(`${lw}: has no batch_input_shape`);
      const shape = inputShapeIn(lw, `config.${key}`, own(lc, key));
      return { className: 'InputLayer', name, config: { name, batchInputShape: [null, ...shape] }, inbound_nodes: [] };
    }
    const r = layerIn(lw, lcls, lc);
    return { className: r.layer.className, name, config: { ...r.layer.config, name }, inbound_nodes: nodes };
  });
  const refs = (field: string): [string, number, number][] => {
    const list = array(where, `modelTopology.config.${field}`, own(c, field));
    // Keras 3 writes one input (or output) given alone as a bare [name, nodeIndex, tensorIndex]
    const many = typeof list[0] === 'string' ? [list] : list;
    return many.map((ref, i) => {
      const r = array(where, `modelTopology.config.${field}[${i}]`, ref);
      return [string(where, `modelTopology.config.${field}[${i}][0]`, r[0]), Number(r[1] ?? 0), Number(r[2] ?? 0)];
    });
  };
  const name = own(c, 'name');
  return { name: typeof name === 'string' ? name : 'model', seed: 0, layers, input_layers: refs('input_layers'), output_layers: refs('output_layers') };
}

/**
 * One inbound node of a functional layer, as its inputs' [layerName, nodeIndex, tensorIndex, {}]:
 * Keras 2's and tfjs' form is that list already; Keras 3 writes `{ args, kwargs }`, whose args
 * hold the input tensors as `{ class_name: '__keras_tensor__', config: { keras_history:
 * [layerName, nodeIndex, tensorIndex] } }` (a merge layer's as a list in args[0]).
 */
function nodeIn(where: string, f: string, node: unknown): NodeRef[] {
  if (Array.isArray(node)) {
    return node.map((ref, ri) => {
      const r = array(where, `${f}[${ri}]`, ref);
      return [string(where, `${f}[${ri}][0]`, r[0]), Number(r[1] ?? 0), Number(r[2] ?? 0), {}];
    });
  }
  const o = object(where, f, node);
  const args = array(where, `${f}.args`, own(o, 'args'));
  const refs: NodeRef[] = [];
  const tensor = (v: unknown, at: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => tensor(x, `${at}[${i}]`));
      return;
    }
    if (!isPlain(v) || own(v, 'class_name') !== '__keras_tensor__') return; // a constant argument, not an input
    const h = array(where, `${at}.config.keras_history`, own(object(where, `${at}.config`, own(v, 'config')), 'keras_history'));
    refs.push([string(where, `${at}.config.keras_history[0]`, h[0]), Number(h[1] ?? 0), Number(h[2] ?? 0), {}]);
  };
  args.forEach((a, i) => tensor(a, `${f}.args[${i}]`));
  if (refs.length === 0) throw new TypeError(`${where}: ${f} has no input tensor (no __keras_tensor__ in its args)`);
  return refs;
}

/** The Sequential topology's layer list (Keras 2.0 wrote a bare list as the config). */
function topologyLayers(where: string, json: Plain): { name: string; layers: unknown[] } {
  let topo = object(where, 'modelTopology', own(json, 'modelTopology'));
  if (own(topo, 'model_config') !== undefined) topo = object(where, 'modelTopology.model_config', own(topo, 'model_config'));
  const cls = string(where, 'modelTopology.class_name', own(topo, 'class_name'));
  if (cls !== 'Sequential') {
    throw new RangeError(
      `${where}: modelTopology.class_name is ${JSON.stringify(cls)}; knobs reads Sequential models (functional models come with knobs' graph API)`,
    );
  }
  const cfg = own(topo, 'config');
  if (Array.isArray(cfg)) return { name: 'sequential', layers: cfg };
  const c = object(where, 'modelTopology.config', cfg);
  const name = own(c, 'name');
  return { name: typeof name === 'string' ? name : 'sequential', layers: array(where, 'modelTopology.config.layers', own(c, 'layers')) };
}

/** One optimizer slot, per trainable weight: where it goes (layer and weight index) and its values. */
type SlotWeights = { layer: number; spec: number; values: Float32Array }[];

/** tfjs' and Keras' loss names knobs compiles with (snake_case or camelCase: knobs reads both). */
const LOSSES_IN = new Set(['categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError', 'meanAbsoluteError']);

/** A loss or loss weights of a training config: one for all, a list in output order, or an object by output name. */
type PerOutput<T> = T | T[] | Record<string, T>;

/**
 * One value per output of a training config (tfjs and Keras write a loss, or loss weights, as one
 * value, a list in output order or an object keyed by output name), each checked by `ok`;
 * undefined when anything does not fit the model's outputs.
 */
function perOutputIn<T>(v: unknown, outputs: string[], ok: (x: unknown) => x is T): PerOutput<T> | undefined {
  if (ok(v)) return v;
  if (outputs.length < 2) return undefined;
  if (Array.isArray(v)) return v.length === outputs.length && v.every(ok) ? v : undefined;
  if (!isPlain(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === outputs.length && outputs.every((n) => keys.includes(n) && ok(own(v, n))) ? (v as Record<string, T>) : undefined;
}

/**
 * The training config of a model saved with tfjs' `includeOptimizer` (or by Keras with its
 * optimizer), when knobs has the same loss and optimizer: Adam or plain SGD with a constant
 * learning rate. With the optimizer's weights (`iter`, `<layer>/<weight>/m`, `/v`), complete,
 * the state too, so training resumes with tfjs' next step. A model with several outputs
 * (`outputs`, the output layers' names) may have a loss per output and loss weights (Keras'
 * `loss_weights`, or knobs' own key). Anything else: undefined, and the model loads uncompiled
 * (as every model without a training config does).
 */
function trainingIn(
  json: Plain,
  layers: Layer[],
  order: number[],
  entries: TfjsEntry[],
  weightData: ArrayBuffer,
  outputs: string[],
): { optimizer: Optimizer; loss: PerOutput<string>; lossWeights?: PerOutput<number>; slots?: SlotWeights[]; iterations: number } | undefined {
  const tc = own(json, 'trainingConfig') ?? (isPlain(own(json, 'modelTopology')) ? own(own(json, 'modelTopology') as Plain, 'training_config') : undefined);
  if (!isPlain(tc)) return undefined;
  const loss = perOutputIn(own(tc, 'loss'), outputs, (l): l is string => typeof l === 'string' && LOSSES_IN.has(camel(l)));
  if (loss === undefined) return undefined;
  const rawWeights = own(tc, KNOBS_LOSS_WEIGHTS) ?? own(tc, 'loss_weights');
  const lossWeights =
    rawWeights === undefined || rawWeights === null
      ? undefined
      : perOutputIn(rawWeights, outputs, (w): w is number => typeof w === 'number' && Number.isFinite(w) && w >= 0);
  // weights that do not fit the outputs: the model would train otherwise than it was saved to
  if (rawWeights !== undefined && rawWeights !== null && (lossWeights === undefined || outputs.length < 2)) return undefined;
  const oc = own(tc, 'optimizer_config');
  if (!isPlain(oc) || !isPlain(own(oc, 'config'))) return undefined;
  const c = own(oc, 'config') as Plain;
  const num = (...keys: string[]): number | undefined => {
    for (const k of keys) if (typeof own(c, k) === 'number' && Number.isFinite(own(c, k))) return own(c, k) as number;
    return undefined;
  };
  const lr = num('learningRate', 'learning_rate', 'lr');
  if (lr === undefined || lr <= 0) return undefined;
  let optimizer: Optimizer;
  let slotNames: string[];
  try {
    if (own(oc, 'class_name') === 'Adam') {
      optimizer = adam({ learningRate: lr, beta1: num('beta1', 'beta_1') ?? 0.9, beta2: num('beta2', 'beta_2') ?? 0.999, epsilon: num('epsilon') ?? 1e-7 });
      slotNames = ['m', 'v'];
    } else if (own(oc, 'class_name') === 'SGD' && !num('momentum')) {
      optimizer = sgd({ learningRate: lr });
      slotNames = [];
    } else return undefined;
  } catch {
    return undefined; // values knobs refuses (a beta of 1): load uncompiled
  }
  const weighted = lossWeights === undefined ? {} : { lossWeights };
  // the optimizer's state, complete and float32, or none
  const read = (e: TfjsEntry) => new Float32Array(weightData.slice(e.byteOffset, e.byteOffset + e.bytes));
  // tfjs writes the step count as an int32 scalar (older saves: float32)
  const it = entries.find((e) => e.group === 'optimizer' && e.name === 'iter' && !e.quantized && e.bytes === 4);
  const iterations = !it
    ? NaN
    : it.dtype === 'int32'
      ? new Int32Array(weightData.slice(it.byteOffset, it.byteOffset + 4))[0]!
      : it.dtype === 'float32'
        ? read(it)[0]!
        : NaN;
  // tfjs' optimizer keeps its weights by position, slot after slot, each in the order of the
  // model's trainableWeights (`order`), and reads them back so; their names hold tfjs' variable
  // names, which tfjs makes unique within a process (`dense/kernel_2/m`), so only their slot
  // suffix is checked, with each one's size
  const trainable = order.flatMap((i) => {
    const l = layers[i]!;
    return l.weightSpecs().flatMap((s, k) => (s.trainable && l.trainable ? [{ i, k, n: s.shape.reduce((x, y) => x * y, 1) }] : []));
  });
  const state = entries.filter((e) => e.group === 'optimizer' && e.name !== 'iter');
  if (state.length !== slotNames.length * trainable.length) return { optimizer, loss, ...weighted, iterations: 0 };
  const slots: SlotWeights[] = [];
  for (const [si, slot] of slotNames.entries()) {
    const parts: SlotWeights = [];
    for (const [j, w] of trainable.entries()) {
      const e = state[si * trainable.length + j]!;
      if (e.dtype !== 'float32' || e.quantized || e.bytes !== w.n * 4 || !e.name.endsWith(`/${slot}`)) return { optimizer, loss, ...weighted, iterations: 0 };
      parts.push({ layer: w.i, spec: w.k, values: read(e) });
    }
    slots.push(parts);
  }
  if (!Number.isInteger(iterations) || iterations < 0) return { optimizer, loss, ...weighted, iterations: 0 };
  return { optimizer, loss, ...weighted, slots, iterations };
}

/**
 * Rebuilds a tfjs layers model (as tfjs-layers or the tfjs converter writes it) as a knobs
 * model with its weights (and batch-norm statistics), compiled with its optimizer's state when
 * it was saved with a training config knobs can follow (see `trainingIn`), uncompiled otherwise.
 * Checks everything before the model takes any memory; on an error nothing is left allocated.
 * @internal
 */
export function fromTfjsArtifacts(a: { modelJson: unknown; weightData: ArrayBuffer }, where = 'model.json'): LayersModel {
  const json = object(where, 'the file', a.modelJson);
  const groups = checkTfjsManifest(json, where);
  const functional = functionalIn(where, json);
  if (functional) {
    // a graph: connected by name (cycles, unknown sources and dangling layers refused), laid out
    // on a throwaway copy before anything is allocated; its layers keep their tfjs names
    const collected = within(`${where}: modelTopology`, () => graphFromConfig('graph', functional));
    within(`${where}: modelTopology`, () => layoutLayers(collected.layers, [], collected.graph));
    return loadWeightsInto(
      where,
      json,
      groups,
      a,
      collected.layers,
      collected.layers.map((l) => l.name),
      [],
      () => modelFromConfig(functional as never, false),
      functional.output_layers.map((r) => r[0]),
      tfjsLayerOrder(collected.graph),
    );
  }
  const { name, layers: raw } = topologyLayers(where, json);
  let inputShape: number[] | undefined;
  const configs: LayerConfig[] = [];
  const tfjsNames: string[] = [];
  const tfjsClasses: string[] = [];
  const softmaxAxis1: boolean[] = [];
  raw.forEach((l, i) => {
    const f = `modelTopology layers[${i}]`;
    const lo = object(where, f, l);
    const cls = string(where, `${f}.class_name`, own(lo, 'class_name'));
    const c = object(where, `${f}.config`, own(lo, 'config'));
    const lname = typeof own(c, 'name') === 'string' ? (own(c, 'name') as string) : '?';
    const lw = `${where}: layer ${i} ${JSON.stringify(lname)} (${cls})`;
    if (cls === 'InputLayer') {
      if (i !== 0) throw new RangeError(`${lw}: an InputLayer can only come first`);
      dtypeIn(lw, own(c, 'dtype'));
      const key = SHAPE_KEYS.find((k) => own(c, k) !== undefined && own(c, k) !== null);
      if (!key) throw new RangeError(`${lw}: has no batch_input_shape`);
      inputShape = inputShapeIn(lw, `config.${key}`, own(c, key));
      return;
    }
    const r = layerIn(lw, cls, c);
    if (r.inputShape) {
      if (configs.length > 0) throw new RangeError(`${lw}: only the first layer may give an input shape`);
      if (!inputShape) inputShape = r.inputShape;
    }
    configs.push(r.layer);
    tfjsNames.push(r.tfjsName);
    tfjsClasses.push(cls);
    const axis = own(c, 'axis');
    softmaxAxis1.push(cls === 'Softmax' && (axis === 1 || (Array.isArray(axis) && axis.length === 1 && axis[0] === 1)));
  });
  if (configs.length === 0) throw new RangeError(`${where}: the model has no layers`);
  if (!inputShape) throw new RangeError(`${where}: the model gives no input shape (no InputLayer, no batch_input_shape on its first layer)`);
  const shape = inputShape;

  // Layers built on a throwaway copy: checks each config and the shapes before any allocation.
  const probe = configs.map((c, i) => within(`${where}: layer ${JSON.stringify(tfjsNames[i])} (${c.className})`, () => layerFromConfig(c)));
  within(`${where}: modelTopology`, () => layoutLayers(probe, shape));
  return loadWeightsInto(where, json, groups, a, probe, tfjsNames, softmaxAxis1, () =>
    modelFromConfig({ name, seed: 0, inputShape: shape, layers: configs }, false),
  );
}

/**
 * The second half of reading a tfjs model: the weights of the laid-out layers `probe` (tfjs
 * names `tfjsNames`) found in the manifest and checked, then the model made and filled.
 */
function loadWeightsInto(
  where: string,
  json: Plain,
  groups: TfjsCheckedGroup[],
  a: { modelJson: unknown; weightData: ArrayBuffer },
  probe: Layer[],
  tfjsNames: string[],
  softmaxAxis1: boolean[],
  make: () => LayersModel,
  outputs: string[] = [],
  order?: number[],
): LayersModel {
  probe.forEach((l, i) => {
    if (softmaxAxis1[i] && l.outputShape.length > 1) {
      throw new RangeError(
        `${where}: layer ${JSON.stringify(tfjsNames[i])} (Softmax): axis 1 of a [${l.outputShape.join(', ')}] input is not its last axis, the only one knobs normalizes over`,
      );
    }
  });

  // Every weight the layers have, found in the manifest by name, with its shape and float32.
  const entries = groups.flatMap((g) => g.weights);
  const byName = new Map(entries.map((e) => [e.name.replace(/:0$/, ''), e]));
  const used = new Set<TfjsEntry>();
  const picks: TfjsEntry[] = [];
  probe.forEach((layer, i) => {
    for (const s of layer.weightSpecs()) {
      const want = `${tfjsNames[i]}/${snake(s.name)}`;
      let e = byName.get(want);
      if (!e) {
        // the Keras converter may prefix the model's name: "sequential/dense/kernel"
        const hits = [...byName.entries()].filter(([n]) => n.endsWith('/' + want));
        if (hits.length === 1) e = hits[0]![1];
      }
      const label = `${where}: layer ${JSON.stringify(tfjsNames[i])} (${layer.className}) weight ${JSON.stringify(snake(s.name))}`;
      const fmt = (d: number[]) => `[${d.join(', ')}]`;
      if (!e) throw new RangeError(`${label}: expected ${fmt(s.shape)} float32 as ${JSON.stringify(want)}, found nothing in the manifest`);
      if (e.dtype !== 'float32' || e.quantized) {
        throw new RangeError(`${label}: is ${e.quantized ? 'quantized' : e.dtype} in the manifest; knobs reads float32 weights (convert without quantization)`);
      }
      if (e.shape.length !== s.shape.length || e.shape.some((d, k) => d !== s.shape[k])) {
        throw new ShapeError(`${label}: expected shape ${fmt(s.shape)}, the manifest has ${fmt(e.shape)}`);
      }
      used.add(e);
      picks.push(e);
    }
  });
  for (const e of entries) {
    if (!used.has(e) && e.group !== 'optimizer')
      throw new RangeError(`${where}: the manifest has a weight ${JSON.stringify(e.name)} that no layer of the model has`);
  }
  if (!(a.weightData instanceof ArrayBuffer)) throw new TypeError(`${where}: the weights must be an ArrayBuffer, got ${describe(a.weightData)}`);
  const total = groups.reduce((s, g) => s + g.bytes, 0);
  if (a.weightData.byteLength !== total) {
    const files = groups.flatMap((g) => g.paths).join(', ');
    throw new RangeError(
      `${where}: the weight files (${files}) hold ${a.weightData.byteLength} bytes but the manifest describes ${total}: a shard is missing, truncated or too long`,
    );
  }
  // copies: a weight's byte offset need not be a multiple of 4 after bool or uint8 weights
  const arrays = picks.map((e) => new Float32Array(a.weightData.slice(e.byteOffset, e.byteOffset + e.bytes)));
  const training = trainingIn(json, probe, order ?? probe.map((_, i) => i), entries, a.weightData, outputs);
  const model = within(`${where}: modelTopology`, make);
  try {
    model.setWeights(arrays);
    if (training) {
      model.compile({
        optimizer: training.optimizer,
        loss: training.loss as never,
        ...(training.lossWeights !== undefined ? { lossWeights: training.lossWeights as number[] | Record<string, number> } : {}),
      });
      // each weight's slot goes where the weight sits in the parameter buffer
      const buffers = (training.slots ?? []).map((parts) => {
        const buf = new Float32Array(model.paramCount);
        for (const p of parts) buf.set(p.values, model.layers[p.layer]!.offsets[p.spec]!);
        return buf;
      });
      if (training.slots) model.setOptimizerState(buffers, training.iterations);
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  const meta = own(json, 'userDefinedMetadata');
  if (isPlain(meta)) model.metadata = { ...meta };
  return model;
}
