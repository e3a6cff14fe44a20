/**
 * Laying out a stack of layers: building each (output shapes), assigning every weight its float
 * offset in the parameter or state buffer, and deciding the loss fusion. Shared by the model,
 * which then allocates and initializes, and by the workers, which rebuild the same layers from
 * their configuration and only need the offsets.
 * @internal
 */
import { describe } from '../errors';
import { fusableActivation, type Loss } from '../losses';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import type { Layer, WeightSpec } from '../layers/layer';
import type { LayerConfig } from '../layers/layer';
import type { ModelCore } from './runtime';
import { graphGradientFlow, layerNodes, layoutGraph, nodeLayer, type Graph, type GraphCoreConfig } from './graph';

/** A weight and where it lives. */
export interface PlacedWeight {
  layer: Layer;
  spec: WeightSpec;
  /** Float offset in the parameter buffer (trainable) or the state buffer. */
  offset: number;
  /** Position within the layer's weights. */
  index: number;
}

/** The layout of a built stack. */
export interface Layout {
  inputSize: number;
  outputSize: number;
  paramCount: number;
  stateCount: number;
  weights: PlacedWeight[];
  regularized: ModelCore['regularized'];
  needsInputGrad: boolean[];
  trainableRanges: ModelCore['trainableRanges'];
  firstTrainable: number;
}

/**
 * Builds the layers in order from the input shape and assigns every weight its offset. A graph
 * model gives its connectivity (its inputs have their own shapes: `inputShape` is unused).
 */
export function layoutLayers(layers: Layer[], inputShape: number[], graph?: Graph): Layout {
  if (graph) {
    const g = layoutGraph(layers, graph);
    const size = (ids: number[]): number => ids.reduce((n, i) => n + nodeLayer(layers, graph, i).outputSize, 0);
    return { inputSize: size(graph.inputs), outputSize: size(graph.outputs), ...g, ...applyTrainability(layers, graph) };
  }
  let shape = inputShape;
  const at = { params: 0, state: 0 };
  const weights: PlacedWeight[] = [];
  layers.forEach((layer, i) => {
    if (!layer || typeof (layer as Layer).build !== 'function') throw new TypeError(`sequential: layers[${i}] is not a knobs layer, got ${describe(layer)}`);
    layer.index = i;
    layer.build(shape);
    shape = layer.outputShape;
    placeWeights(layer, at, weights);
  });
  return {
    inputSize: inputShape.reduce((a, b) => a * b, 1),
    outputSize: layers[layers.length - 1]!.outputSize,
    paramCount: at.params,
    stateCount: at.state,
    weights,
    ...applyTrainability(layers),
  };
}

/** What depends on which layers are frozen: decided at compile (Keras' rule), see {@link Layer.trainable}. */
export interface Trainability {
  regularized: ModelCore['regularized'];
  needsInputGrad: boolean[];
  trainableRanges: ModelCore['trainableRanges'];
  firstTrainable: number;
}

/**
 * Freezes the layers whose `trainable` is false (`layer.frozen`) and derives what the step code
 * needs from it: the regularized ranges of the trainable weights only, which layers must pass a
 * gradient down, the parameter ranges the optimizer updates (adjacent ranges merged), and the
 * lowest layer with weights to train (the backward pass stops there). A frozen layer's
 * regularizers stay in the loss (as in Keras) but add nothing to its zero gradient.
 */
export function applyTrainability(layers: Layer[], graph?: Graph): Trainability {
  const regularized: ModelCore['regularized'] = [];
  const trainableRanges: ModelCore['trainableRanges'] = [];
  let firstTrainable = layers.length;
  for (const layer of layers) {
    layer.frozen = !layer.trainable;
    layer.weightSpecs().forEach((spec, wi) => {
      if (!spec.trainable) return;
      const offset = layer.offsets[wi]!;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      if (spec.regularizer && (spec.regularizer.l1 > 0 || spec.regularizer.l2 > 0)) {
        regularized.push({ offset, length: n, l1: spec.regularizer.l1, l2: spec.regularizer.l2, ...(layer.frozen ? { frozen: true } : {}) });
      }
      if (layer.frozen) return;
      if (firstTrainable === layers.length) firstTrainable = layer.index;
      const last = trainableRanges[trainableRanges.length - 1];
      if (last && last.offset + last.length === offset) last.length += n;
      else trainableRanges.push({ offset, length: n });
    });
  }
  // a layer needs the gradient w.r.t. its input only when some earlier layer has weights to train
  // (in a graph: when a node it reads from has, through its own inputs or itself; needsInputGrad
  // and firstTrainable then count nodes, the applications of the layers)
  if (graph) return { regularized, trainableRanges, ...graphGradientFlow(layers, graph) };
  const needsInputGrad = layers.map((l) => l.index > firstTrainable);
  return { regularized, needsInputGrad, trainableRanges, firstTrainable };
}

/**
 * Lets the loss compute the output layer's softmax or sigmoid when they match (the fused
 * cross-entropy); returns whether it does.
 */
export function configureLossFusion(layers: Layer[], loss: Loss, graph?: Graph): boolean {
  for (const l of layers) if (l instanceof Dense || l instanceof Activation) l.fusedWithLoss = false;
  // a graph's output is its last node; a shared output layer keeps its activation (its other
  // nodes are read by layers that need the probabilities)
  if (graph && layerNodes(graph, layers.length)[graph.nodeLayers[graph.nodeLayers.length - 1]!]!.length > 1) return false;
  const last = graph ? nodeLayer(layers, graph, graph.nodeLayers.length - 1) : layers[layers.length - 1];
  const fusable = fusableActivation(loss);
  if (fusable && (last instanceof Dense || last instanceof Activation) && last.activation === fusable) {
    last.fusedWithLoss = true;
    return true;
  }
  return false;
}

/** What a worker needs to rebuild a model's step code (no weights: those are in shared memory). */
export interface CoreConfig {
  inputShape: number[];
  layers: LayerConfig[];
  /** The layers frozen in the compiled model (their `trainable` may have changed since). */
  frozen?: boolean[];
  /** Never a function in practice: fit refuses workers for a custom loss. */
  loss: Loss;
  /** A graph model's connectivity (its layers in `layers`, in the model's order); absent for a stack. */
  graph?: GraphCoreConfig;
  /** Several outputs: each output's loss and loss weight, in output order. */
  heads?: { loss: Loss; weight: number }[];
}

/** What a worker needs to rebuild a model's step code: its architecture (a stack or a graph), its frozen layers and its loss. */
export function coreConfigOf(model: { inputShape: number[]; getConfig(): { layers: LayerConfig[] }; graph?: Graph | undefined }, core: ModelCore): CoreConfig {
  const g = model.graph;
  return {
    inputShape: model.inputShape,
    layers: model.getConfig().layers,
    loss: core.loss,
    frozen: core.layers.map((l) => l.frozen),
    ...(g ? { graph: { sources: g.sources, nodeLayers: g.nodeLayers, inputs: g.inputs, outputs: g.outputs } } : {}),
    ...(core.heads ? { heads: core.heads.map((h) => ({ loss: h.loss, weight: h.weight })) } : {}),
  };
}

/**
 * Gives a built layer's weights their float offsets, trainable ones in the parameter buffer and
 * the others in the state buffer, in weightSpecs() order, advancing `at`; lists them in `weights`.
 */
export function placeWeights(layer: Layer, at: { params: number; state: number }, weights: PlacedWeight[]): void {
  layer.offsets = layer.weightSpecs().map((spec, wi) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const offset = spec.trainable ? at.params : at.state;
    if (spec.trainable) at.params += n;
    else at.state += n;
    weights.push({ layer, spec, offset, index: wi });
    return offset;
  });
}
