/**
 * Models with several outputs (the functional API): a loss per output, weighted by
 * `lossWeights`, and the per-output logs Keras writes (`<output>_loss`, `<output>_accuracy`).
 *
 * The outputs' targets are staged side by side in one row per example, as several inputs are
 * (src/model/graph.ts), so staging, shuffling and sharding stay those of one output; each output
 * copies its columns out (f32_strided_copy) before its loss kernel runs. The total loss is
 * `sum_k lossWeights[k] * loss_k`, and its gradient reaches each output's buffer scaled by its
 * weight.
 *
 * An output trained with sparseCategoricalCrossentropy takes one integer class label per example
 * (Keras' sparse targets), and so has one column in the joined row, not one per class. That
 * column holds the label's int32 bits, not a float: every kernel that moves target rows
 * (gathering, shuffling, f32_strided_copy) copies 4-byte words with memory.copy, so the bits
 * reach the loss kernel's int32 labels unchanged, and no float-to-int conversion is needed on the
 * training path. (Read as floats, the labels 0..2^23 are zero or subnormal: finite, so the joined
 * rows still pass the finiteness check of staging.)
 * @module
 */
import { describe, ShapeError } from '../errors';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import type { Layer } from '../layers/layer';
import { checkLoss, fusableActivation, sparseLabels, type BuiltinLossFunction, type Loss } from '../losses';
import { compileMetrics, type CompiledMetric } from '../metrics/compiled';
import { joinColumns, layerNodes, nodeLayer, ports, type Graph } from './graph';
import { toLabels } from './data';

/** One output of a model with several outputs, as compiled. */
export interface Head {
  /** The output's node (its index in the graph's nodes) and its name (its layer's; `_1`, `_2` added for a shared layer's later outputs, as Keras names them). */
  layer: number;
  name: string;
  loss: Loss;
  /** The output layer's softmax/sigmoid is computed by the loss kernel. */
  fused: boolean;
  /** Its weight in the total loss (compile's lossWeights; default 1). */
  weight: number;
  /** Its flat size, and where its targets start in the joined target row (4-byte words). */
  cols: number;
  labelCol: number;
  /** Integer class labels (sparseCategoricalCrossentropy): one int32 word per example in the joined row. */
  sparse: boolean;
  /** Its width in the joined target row: 1 for integer labels, else `cols`. */
  labelCols: number;
  /** Its compiled metrics (the same list for every output, as Keras applies a list). */
  metrics: CompiledMetric[];
}

/** A value per output: one for all, an array in output order, or an object keyed by output name. */
function perOutput<T>(where: string, field: string, value: unknown, names: string[], check: (v: unknown, f: string) => T, fallback?: T): T[] {
  if (Array.isArray(value)) {
    if (value.length !== names.length) throw new ShapeError(`${where}: ${field} must have one entry per output (${names.join(', ')}), got ${value.length}`);
    return value.map((v, k) => check(v, `${field}[${k}] (${names[k]})`));
  }
  if (value !== null && typeof value === 'object' && !(typeof value === 'function')) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!names.includes(k)) throw new RangeError(`${where}: ${field} names ${JSON.stringify(k)}, which is not an output (${names.join(', ')})`);
    return names.map((n) => {
      if (!(n in o)) {
        if (fallback !== undefined) return fallback;
        throw new RangeError(`${where}: ${field} has no entry for output ${n}`);
      }
      return check(o[n], `${field}.${n}`);
    });
  }
  if (value === undefined && fallback !== undefined) return names.map(() => fallback);
  const one = check(value, field);
  return names.map(() => one);
}

/**
 * Compiles the outputs of a graph with several outputs: a loss each (one for all, an array or an
 * object keyed by output name), lossWeights (likewise, default 1), the metrics list applied to
 * each output, and the fusion of each output's softmax/sigmoid with its cross-entropy.
 */
export function compileHeads(where: string, layers: Layer[], graph: Graph, loss: unknown, lossWeights: unknown, metrics: unknown): Head[] {
  const outs = ports(layers, graph, graph.outputs);
  const names = outs.map((p) => p.name);
  const losses = perOutput(where, 'options.loss', loss, names, (v, f) => {
    const l = checkLoss(`${where}: ${f}`, v as Loss | BuiltinLossFunction);
    if (typeof l === 'function') throw new RangeError(`${where}: ${f}: a custom loss function needs a model with one output`);
    return l;
  });
  const weights = perOutput(
    where,
    'options.lossWeights',
    lossWeights,
    names,
    (v, f) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${where}: ${f} must be a finite number >= 0, got ${describe(v)}`);
      return v;
    },
    1,
  );
  // metrics: one list for every output, or an object of lists keyed by output name (Keras' forms)
  const metricLists =
    metrics !== null && typeof metrics === 'object' && !Array.isArray(metrics)
      ? perOutput(where, 'options.metrics', metrics, names, (v) => v, [] as unknown)
      : names.map(() => metrics);
  for (const l of layers) if (l instanceof Dense || l instanceof Activation) l.fusedWithLoss = false;
  let col = 0;
  const nodesOf = layerNodes(graph, layers.length);
  return graph.outputs.map((i, k) => {
    const layer = nodeLayer(layers, graph, i);
    const l = losses[k]!;
    const sparse = sparseLabels(l);
    if ((l === 'categoricalCrossentropy' || l === 'binaryCrossentropy' || sparse) && layer.outputShape.length > 1) {
      throw new ShapeError(`${where}: output ${layer.name} outputs [${layer.outputShape.join(', ')}]; ${l} needs one vector per example (flatten first)`);
    }
    const act = layer instanceof Dense || layer instanceof Activation ? layer.activation : undefined;
    const fusable = fusableActivation(l);
    // an output that other layers read must keep its activation: they read the probabilities
    // (so must a shared layer's: its other applications are read, or are outputs of their own)
    const read = graph.sources.some((srcs) => srcs.includes(i)) || nodesOf[graph.nodeLayers[i]!]!.length > 1;
    const fused = !read && fusable !== undefined && act === fusable && (layer instanceof Dense || layer instanceof Activation);
    if (fused) (layer as Dense | Activation).fusedWithLoss = true;
    // the sparse kernel takes logits only (as the single-output model's does)
    if (sparse && !fused) {
      throw new RangeError(
        `${where}: output ${layer.name}: sparseCategoricalCrossentropy needs a softmax output layer that no other layer reads` +
          (read && act === 'softmax' ? ' (another layer reads its probabilities: give that output categoricalCrossentropy and one-hot targets)' : ''),
      );
    }
    const labelCols = sparse ? 1 : layer.outputSize;
    const head: Head = {
      layer: i,
      name: names[k]!,
      loss: l,
      fused,
      weight: weights[k]!,
      cols: layer.outputSize,
      labelCol: col,
      sparse,
      labelCols,
      // 'accuracy' on integer labels is Keras' sparse categorical accuracy (the label against the argmax)
      metrics: compileMetrics(`${where}: output ${layer.name}`, metricLists[k], { loss: l, outputActivation: act, sparse }),
    };
    col += labelCols;
    return head;
  });
}

/**
 * The targets of a model with several outputs: one array per output (in output order) or an
 * object keyed by output name, each as one output's targets are given, joined side by side.
 */
export function joinTargets(where: string, name: string, y: unknown, layers: Layer[], graph: Graph, heads: Head[]): Float32Array {
  const outs = ports(layers, graph, graph.outputs);
  let list = y;
  if (y !== null && typeof y === 'object' && !Array.isArray(y) && !ArrayBuffer.isView(y)) {
    const o = y as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!outs.some((p) => p.name === k))
        throw new RangeError(`${where}: ${name} names ${JSON.stringify(k)}, which is not an output (${outs.map((p) => p.name).join(', ')})`);
    list = outs.map((p) => {
      if (!(p.name in o)) throw new RangeError(`${where}: ${name} has no targets for output ${p.name}`);
      return o[p.name];
    });
  }
  // (joinColumns' own messages speak of inputs; a typed array may be rows joined already, which it knows)
  const names = outs.map((p) => p.name).join(', ');
  if (!Array.isArray(list) && !ArrayBuffer.isView(list))
    throw new TypeError(
      `${where}: ${name} must be an array with the targets of each model output (${names}), or an object keyed by output name, got ${describe(y)}`,
    );
  if (Array.isArray(list) && list.length !== outs.length)
    throw new ShapeError(`${where}: ${name} must hold the targets of each of the ${outs.length} model outputs (${names}), got ${list.length} arrays`);
  // each output's width in the joined rows: one word for integer labels
  const widths = outs.map((p, k) => ({ ...p, size: heads[k]!.labelCols }));
  const counts: number[] = [];
  try {
    const joined = joinColumns(where, name, list, widths, (w, f, v, p) => {
      const k = widths.indexOf(p);
      const head = heads[k]!;
      const l = toLabels(`${w}: ${f}`, v, outs[k]!.size, head.sparse, head.loss);
      counts[k] = l.rows;
      // integer labels ride as their int32 bits (see the module's notes): a view, not a conversion
      return { data: head.sparse ? new Float32Array(l.i32!.buffer, l.i32!.byteOffset, l.i32!.length) : l.f32!, rows: l.rows };
    });
    return joined.data as Float32Array;
  } catch (err) {
    // one-hot rows given to an output that takes integer labels read as classes x more examples
    const oneHot = heads.find((h, k) => h.sparse && h.cols > 1 && counts.some((r, j) => j !== k && r * h.cols === counts[k]));
    if (err instanceof ShapeError && oneHot) {
      throw new ShapeError(
        `${err.message}; output ${oneHot.name} is compiled with sparseCategoricalCrossentropy and takes one integer class label per example, ` +
          `but its y holds ${oneHot.cols} values per example (one-hot rows?): give the labels, or compile it with categoricalCrossentropy`,
      );
    }
    throw err;
  }
}

/** Words per example of a model's staged float targets: the joined row of several outputs, else one output's columns. */
export function targetCols(core: { outputSize: number; heads?: Head[] | undefined }): number {
  return core.heads ? core.heads.reduce((n, h) => n + h.labelCols, 0) : core.outputSize;
}
