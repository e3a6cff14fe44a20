/**
 * Models and layers rebuilt from their saved configurations: loading a model (io.ts, tfjs.ts)
 * and the workers' copy of a model's step code. The one place that names every layer class, so
 * that an app which builds its models in code loads only the layers it uses: bundlers reach this
 * file only from what loads models (issue 15).
 * @internal
 * @module
 */
import { describe } from '../errors';
import type { Layer, LayerConfig } from '../layers/layer';
import { Activation } from '../layers/activation';
import { BatchNormalization } from '../layers/batch-normalization';
import { Conv2D } from '../layers/conv2d';
import { Dense } from '../layers/dense';
import { DepthwiseConv2D } from '../layers/depthwise-conv2d';
import { Dropout } from '../layers/dropout';
import { Flatten } from '../layers/flatten';
import { InputLayer } from '../layers/input-layer';
import { Add, Average, Concatenate, Multiply } from '../layers/merge';
import { Normalization } from '../layers/normalization';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../layers/pooling';
import { Reshape } from '../layers/reshape';
import { SeparableConv2D } from '../layers/separable-conv2d';
import { SpatialDropout2D } from '../layers/spatial-dropout';
import { ZeroPadding2D } from '../layers/zero-padding';
import { collect, topologicalOrder, type CollectedGraph, type GraphModelConfig } from './graph';
import { compileHeads } from './heads';
import { LayersModel } from './layers-model';
import { configureLossFusion, layoutLayers, type CoreConfig } from './layout';
import type { LayersModelOptions, SequentialOptions } from './options';
import type { ModelCore } from './runtime';
import { Sequential } from './sequential';

/** Layer classes by their exact className, in a Map: `'__proto__'` or `'constructor'` are unknown classes, not Object's. */
const FACTORIES = new Map<unknown, (config: Record<string, unknown>) => Layer>([
  ['Dense', (c) => new Dense(c as never)],
  ['Activation', (c) => new Activation(c as never)],
  ['Dropout', (c) => new Dropout(c as never)],
  ['BatchNormalization', (c) => new BatchNormalization(c as never)],
  ['Flatten', (c) => new Flatten(c as never)],
  ['Normalization', (c) => new Normalization(c as never)],
  // convolutions
  ['Conv2D', (c) => new Conv2D(c as never)],
  ['DepthwiseConv2D', (c) => new DepthwiseConv2D(c as never)],
  ['SeparableConv2D', (c) => new SeparableConv2D(c as never)],
  // pooling, reshaping, padding, spatial dropout
  ['MaxPooling2D', (c) => new MaxPooling2D(c as never)],
  ['AveragePooling2D', (c) => new AveragePooling2D(c as never)],
  ['GlobalAveragePooling2D', (c) => new GlobalAveragePooling2D(c as never)],
  ['GlobalMaxPooling2D', (c) => new GlobalMaxPooling2D(c as never)],
  ['Reshape', (c) => new Reshape(c as never)],
  ['ZeroPadding2D', (c) => new ZeroPadding2D(c as never)],
  ['SpatialDropout2D', (c) => new SpatialDropout2D(c as never)],
  // the functional API
  ['InputLayer', (c) => new InputLayer(c as never)],
  ['Add', (c) => new Add(c as never)],
  ['Multiply', (c) => new Multiply(c as never)],
  ['Average', (c) => new Average(c as never)],
  ['Concatenate', (c) => new Concatenate(c as never)],
]);

/** Rebuilds a layer from its saved configuration. */
export function layerFromConfig(c: LayerConfig): Layer {
  const make = FACTORIES.get(c?.className);
  if (!make) throw new RangeError(`unknown layer class ${describe(c?.className)}; known: ${[...FACTORIES.keys()].join(', ')}`);
  return make({ ...c.config });
}

/**
 * The [layerName, nodeIndex, tensorIndex] references of input_layers, output_layers or one
 * node's inputs: a node index is a non-negative integer (checked against the layer's nodes
 * later), the tensor index 0 (a knobs layer has one output).
 */
function nodeRefs(where: string, field: string, value: unknown): [string, number][] {
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${where}: ${field} must be a non-empty array of [layerName, nodeIndex, tensorIndex], got ${describe(value)}`);
  return value.map((r, i) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string')
      throw new TypeError(`${where}: ${field}[${i}] must be [layerName, nodeIndex, tensorIndex], got ${describe(r)}`);
    const node = r[1] ?? 0;
    if (!Number.isInteger(node) || node < 0) throw new TypeError(`${where}: ${field}[${i}] has node index ${describe(node)}; it must be an integer >= 0`);
    if ((r[2] ?? 0) !== 0) throw new RangeError(`${where}: ${field}[${i}] refers to tensor ${r[2]} of ${r[0]}; knobs layers have one output`);
    return [r[0], node];
  });
}

/** One node of a saved config while the graph is rebuilt. */
interface ConfigNode {
  layer: Layer;
  /** The layer's name, and this node's index among its nodes. */
  name: string;
  k: number;
  refs: [string, number][];
}

/**
 * A graph rebuilt from its saved configuration (loadModel, the workers): the layers made from
 * their configs, one node per entry of their `inbound_nodes` (several for a shared layer),
 * connected by [layerName, nodeIndex]. Checked: unique names, known layers and nodes, no cycle,
 * every node connected to an output.
 */
export function graphFromConfig(where: string, config: GraphModelConfig): CollectedGraph {
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers))
    throw new TypeError(`${where}: a graph model's config needs layers, got ${describe(config)}`);
  const byName = new Map<string, { layer: Layer; nodes: ConfigNode[] }>();
  config.layers.forEach((c, i) => {
    const f = `${where}: layers[${i}]`;
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string' || c.name === '') throw new TypeError(`${f} needs a name, got ${describe(c)}`);
    if (byName.has(c.name)) throw new Error(`${f}: two layers are named ${JSON.stringify(c.name)}`);
    const nodes = c.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new TypeError(`${f} (${c.name}): inbound_nodes must be an array, got ${describe(nodes)}`);
    const refs = nodes.map((node, k) => {
      if (!Array.isArray(node))
        throw new TypeError(`${f} (${c.name}): inbound_nodes[${k}] must be an array of [layerName, nodeIndex, tensorIndex, {}], got ${describe(node)}`);
      return node.length ? nodeRefs(`${f} (${c.name})`, `inbound_nodes[${k}]`, node) : [];
    });
    let layer: Layer;
    try {
      layer = layerFromConfig({ className: c.className, config: { ...c.config, name: c.name } });
    } catch (err) {
      if (err instanceof Error) err.message = `${f} (${c.name}): ${err.message}`;
      throw err;
    }
    if (layer instanceof InputLayer && refs.some((r) => r.length))
      throw new TypeError(`${f} (${c.name}): an InputLayer reads no other layer, but its inbound_nodes do`);
    // an input has one node of its own, with no inbound entry
    const entry = { layer, nodes: (refs.length ? refs : [[]]).map((r, k) => ({ layer, name: c.name, k, refs: r })) };
    byName.set(c.name, entry);
  });
  const find = ([name, k]: [string, number], from: string): ConfigNode => {
    const e = byName.get(name);
    if (!e) throw new Error(`${where}: ${from} refers to layer ${JSON.stringify(name)}, which is not in the config's layers`);
    const node = e.nodes[k];
    if (!node)
      throw new Error(`${where}: ${from} refers to node ${k} of layer ${name}, which is applied ${e.nodes.length} time(s) (nodes 0 to ${e.nodes.length - 1})`);
    return node;
  };
  const label = (n: ConfigNode): string => (byName.get(n.name)!.nodes.length > 1 ? `${n.name}[${n.k}]` : n.name);
  const inputRefs = nodeRefs(where, 'input_layers', config.input_layers);
  const outputRefs = nodeRefs(where, 'output_layers', config.output_layers);
  const ins = inputRefs.map((r) => find(r, 'input_layers'));
  const outs = outputRefs.map((r) => find(r, 'output_layers'));
  const sourcesOf = (n: ConfigNode): ConfigNode[] => n.refs.map((r) => find(r, `layer ${label(n)}`));
  const order = topologicalOrder(outs, sourcesOf, label, where);
  ins.forEach((n, i) => {
    if (!(n.layer instanceof InputLayer))
      throw new TypeError(`${where}: input_layers[${i}] (${inputRefs[i]![0]}) is a ${n.layer.className}, not an InputLayer`);
  });
  const placed = new Set(order);
  for (const n of order) {
    if (n.layer instanceof InputLayer) {
      if (!ins.includes(n)) throw new Error(`${where}: the outputs depend on input ${n.name}, which is not in input_layers`);
    } else if (n.refs.length === 0) throw new Error(`${where}: layer ${label(n)} (${n.layer.className}) has no inbound node and is not an input`);
  }
  for (const [name, e] of byName) {
    const lost = e.nodes.filter((n) => !placed.has(n));
    if (lost.length === e.nodes.length) throw new Error(`${where}: layer ${name} (${e.layer.className}) is not connected to any output`);
    if (lost.length) throw new Error(`${where}: node ${lost[0]!.k} of layer ${name} (${e.layer.className}) is not connected to any output`);
  }
  const cache = new Map<ConfigNode, ConfigNode[]>();
  return collect(
    order,
    (n) => n.layer,
    (n) => {
      let s = cache.get(n);
      if (!s) cache.set(n, (s = sourcesOf(n)));
      return s;
    },
    ins,
    outs,
  );
}

/**
 * Rebuilds a model from its configuration (architecture only; weights initialized from the seed):
 * a {@link LayersModel} for a graph, a {@link Sequential} for a chain. @internal
 */
export function modelFromConfig(
  config: { name?: string; seed: number; inputShape?: number[]; layers: LayerConfig[]; input_layers?: unknown; output_layers?: unknown },
  initialize = true,
): LayersModel {
  // a graph: Keras' functional config, connected by name (cycles and dangling layers refused)
  if (config.input_layers !== undefined) {
    const collected = graphFromConfig('model config', config as unknown as GraphModelConfig);
    return new LayersModel({ name: config.name, seed: config.seed, graph: collected, initialize } as LayersModelOptions);
  }
  return new Sequential({
    name: config.name,
    seed: config.seed,
    inputShape: config.inputShape,
    layers: config.layers.map(layerFromConfig),
    initialize,
  } as SequentialOptions);
}

/** Rebuilds the step side of a model from its configuration, without allocating anything. */
export function coreFromConfig(c: CoreConfig): ModelCore {
  const layers = c.layers.map(layerFromConfig);
  if (c.frozen) layers.forEach((l, i) => (l.trainable = !c.frozen![i]));
  const graph = c.graph ? { ...c.graph, needsGrad: c.graph.sources.map(() => false) } : undefined;
  const layout = layoutLayers(layers, c.inputShape, graph);
  // several outputs: each output's loss and weight, fused as the model compiled them
  const heads =
    c.heads && graph
      ? compileHeads(
          'worker',
          layers,
          graph,
          c.heads.map((h) => h.loss),
          c.heads.map((h) => h.weight),
          undefined,
        )
      : undefined;
  const fused = heads ? false : configureLossFusion(layers, c.loss, graph);
  return {
    layers,
    inputSize: layout.inputSize,
    outputSize: layout.outputSize,
    paramCount: layout.paramCount,
    stateCount: layout.stateCount,
    loss: c.loss,
    fused,
    regularized: layout.regularized,
    needsInputGrad: layout.needsInputGrad,
    trainableRanges: layout.trainableRanges,
    firstTrainable: layout.firstTrainable,
    graph,
    heads,
  };
}
