/**
 * A built model's layers reused in another model, and a model used as a layer (the tfjs/Keras
 * transfer idiom):
 *
 * ```ts
 * const feat = base.getLayer('flat').output;                     // a symbolic tensor
 * const head = knobs.layers.dense({ units: 5, activation: 'softmax' }).apply(feat);
 * const transfer = knobs.model({ inputs: base.inputs, outputs: head });
 * ```
 *
 * **The sharing rule.** A layer object may belong to several models, as in Keras, and it has
 * one set of weights. Each model keeps the layer's weights in its own flat buffers (the step
 * kernels and the optimizer run on one flat parameter buffer per model), and its own placement
 * of the layer (its index, its weights' offsets, whether it is frozen as that model was
 * compiled, its loss fusion). The layer remembers which model holds its current weights
 * (`layer.owner`) and whose placement its fields hold (`layer.placedFor`). Before a model
 * does anything with its layers (every public method: fit, predict, evaluate, getWeights,
 * save, ...; and fit again after each callback) it claims them: it puts its placement back in
 * each layer and copies the current weights of each layer held by another model into its own
 * buffers, becoming their holder. So whatever ran last, training `transfer` changes what
 * `base.predict` returns, a frozen layer stays bit-identical in both, and
 * `layer.getWeights()` reads the holder. Disposing the holder leaves the weights with the
 * layer for the other models.
 *
 * A model applied to new tensors (`model.apply(x)`) is inlined: each of its layers is applied
 * again, so the outer model's graph holds the inner layers themselves (weights shared with
 * the inner model by the rule above), and summary, save, tfjs and ONNX export see a flat graph.
 * @module
 */
import type { Engine } from '../engine/engine';
import { ShapeError, describe } from '../errors';
import { Activation } from '../layers/activation';
import { Dense } from '../layers/dense';
import { InputLayer } from '../layers/input-layer';
import type { Layer } from '../layers/layer';
import { Normalization } from '../layers/normalization';
import { SymbolicTensor } from '../layers/symbolic';
import type { Graph } from './graph';
import { layoutLayers } from './layout';

/** A model's placement of one layer: what its fields must hold when that model runs. */
export interface Placement {
  index: number;
  offsets: number[];
  frozen: boolean;
  fusedWithLoss: boolean;
  writer: Normalization['writer'];
}

/** What reuse needs of a model. @internal */
export interface ReuseModel {
  readonly name: string;
  readonly layers: Layer[];
  readonly graph: Graph | undefined;
  readonly engine: Engine;
  inputShape: number[];
  params: number;
  state: number;
  weightWrites: number;
  /** Each layer's placement in this model, as last built or compiled. */
  placements: Map<Layer, Placement>;
  /** The model's symbolic tensors, one per node (per layer for a stack), made when first asked for. */
  symbolic: SymbolicGraph | undefined;
  ensureSymbolic(): void;
}

/** A built model's symbolic tensors. */
export interface SymbolicGraph {
  /** One per graph node (per layer for a stack, preceded by its input). */
  tensors: SymbolicTensor[];
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** Records the model's placement of its layers (after build and compile), and marks them placed for it. */
export function recordPlacements(model: ReuseModel): void {
  model.placements.clear();
  for (const l of model.layers) {
    model.placements.set(l, {
      index: l.index,
      offsets: l.offsets.slice(),
      frozen: l.frozen,
      fusedWithLoss: l instanceof Dense || l instanceof Activation ? l.fusedWithLoss : false,
      writer: l instanceof Normalization ? l.writer : undefined,
    });
    l.placedFor = model;
  }
}

/** Puts the model's placement back into one layer. */
export function restorePlacement(model: ReuseModel, l: Layer): void {
  const p = model.placements.get(l);
  if (!p) return;
  l.index = p.index;
  l.offsets = p.offsets.slice();
  l.frozen = p.frozen;
  if (l instanceof Dense || l instanceof Activation) l.fusedWithLoss = p.fusedWithLoss;
  if (l instanceof Normalization) l.writer = p.writer;
  l.placedFor = model;
}

/** Float offset of weight `i` of layer `l` in model `m`'s buffers. */
function weightAt(m: ReuseModel, l: Layer, i: number, trainable: boolean): number {
  return ((trainable ? m.params : m.state) >> 2) + m.placements.get(l)!.offsets[i]!;
}

/**
 * Makes `model` the one its layers run in: its placement in every layer, and the current
 * weights of the layers another model holds copied into its buffers (see the module's rule).
 * Cheap when nothing is shared: one pass over the layers.
 */
export function claimLayers(model: ReuseModel, holderAlive: (m: unknown) => boolean): void {
  let wrote = false;
  for (const l of model.layers) {
    if (l.placedFor !== model) restorePlacement(model, l);
    const holder = l.owner as unknown as ReuseModel | undefined;
    if (holder === model) continue;
    if (!model.placements.has(l)) continue;
    const f32 = model.engine.f32;
    if (holder && holderAlive(holder) && holder.placements.has(l)) {
      l.weightSpecs().forEach((spec, i) => {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        const src = weightAt(holder, l, i, spec.trainable);
        // set() copies through a temporary when source and target share a buffer
        f32.set(holder.engine.f32.subarray(src, src + n), weightAt(model, l, i, spec.trainable));
      });
      wrote = true;
    } else if (l.stash) {
      l.weightSpecs().forEach((spec, i) => f32.set(l.stash![i]!, weightAt(model, l, i, spec.trainable)));
      l.stash = undefined;
      wrote = true;
    }
    l.owner = model as unknown as Layer['owner'];
  }
  // a data-parallel fit copies written weights into both of its copies
  if (wrote) model.weightWrites++;
}

/** Layers that belong to more than one model (their weights outlive a disposed holder). */
const sharedLayers = new WeakSet<Layer>();

/** Marks a layer as reused by a second model. */
export function markShared(l: Layer): void {
  sharedLayers.add(l);
}

/**
 * Before a model's buffers are freed: the layers it holds that other models share keep their
 * weights themselves, for the next of those models to run. (The others' weights go with the
 * model: dispose frees its memory, and a new model cannot be built on them.)
 */
export function releaseLayers(model: ReuseModel): void {
  const f32 = model.engine.f32;
  for (const l of model.layers) {
    if ((l.owner as unknown) !== model) continue;
    if (sharedLayers.has(l) && model.placements.has(l) && l.weightSpecs().length) {
      l.stash = l.weightSpecs().map((spec, i) => {
        const at = weightAt(model, l, i, spec.trainable);
        return f32.slice(at, at + spec.shape.reduce((a, b) => a * b, 1));
      });
    }
    l.owner = undefined;
  }
}

/**
 * The symbolic tensors of a built model, made once: a graph model made with knobs.model keeps
 * the tensors it was written with; a Sequential stack gets an input (an InputLayer of its input
 * shape named `<first layer>_input`, as tfjs' Sequential has) and one node per layer; a loaded graph one node per node.
 */
export function makeSymbolic(model: ReuseModel, written: SymbolicTensor[] | undefined): SymbolicGraph {
  const g = model.graph;
  if (g) {
    let tensors = written;
    if (!tensors) {
      tensors = [];
      for (let n = 0; n < g.sources.length; n++) {
        const l = model.layers[g.nodeLayers[n]!]!;
        tensors.push(l.addNode(g.sources[n]!.map((s) => tensors![s]!)));
      }
    }
    return { tensors, inputs: g.inputs.map((n) => tensors[n]!), outputs: g.outputs.map((n) => tensors[n]!) };
  }
  // named as tfjs names a Sequential's input: after its first layer
  const input = new InputLayer({ shape: model.inputShape, name: `${model.layers[0]!.name}_input` }).addNode([]);
  const tensors = [input];
  for (const l of model.layers) tensors.push(l.addNode([tensors[tensors.length - 1]!]));
  return { tensors, inputs: [input], outputs: [tensors[tensors.length - 1]!] };
}

/**
 * A model applied to new symbolic tensors (Keras' nested model, tfjs' `model.apply`): each of
 * its layers is applied again, in its graph's order, so the result's graph reads the model's
 * own layers and weights. The inputs must match the model's inputs in number and shape.
 */
export function applyModel(model: ReuseModel, inputs: unknown): SymbolicTensor | SymbolicTensor[] {
  const who = `${model.name}.apply`;
  model.ensureSymbolic();
  const sym = model.symbolic!;
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const want = sym.inputs.map((t) => `[${t.dims.join(', ')}]`).join(', ');
  if (list.length === 0 || list.some((t) => !(t instanceof SymbolicTensor))) {
    throw new TypeError(`${who}: give a symbolic tensor (from knobs.input(...) or layer.apply(...)) or an array of them, got ${describe(inputs)}`);
  }
  if (list.length !== sym.inputs.length)
    throw new TypeError(`${who}: the model has ${sym.inputs.length} input(s) (shapes ${want}), got ${list.length} tensor(s)`);
  (list as SymbolicTensor[]).forEach((t, k) => {
    const need = sym.inputs[k]!.dims;
    if (t.dims.length !== need.length || t.dims.some((d, i) => d !== need[i]))
      throw new ShapeError(
        `${who}: the model's input ${k} has shape [${need.join(', ')}], but the tensor given for it (output of ${t.name}) has shape [${t.dims.join(', ')}]`,
      );
  });
  // each of the model's tensors, in the new graph
  const mapped = new Map<SymbolicTensor, SymbolicTensor>();
  sym.inputs.forEach((t, k) => mapped.set(t, list[k] as SymbolicTensor));
  const walk = (t: SymbolicTensor): SymbolicTensor => {
    const done = mapped.get(t);
    if (done) return done;
    const ins = t.inputs.map(walk);
    const out = t.sourceLayer.apply(ins.length === 1 ? ins[0]! : ins);
    mapped.set(t, out);
    return out;
  };
  const outs = sym.outputs.map(walk);
  return Array.isArray(inputs) || outs.length > 1 ? outs : outs[0]!;
}

/**
 * Lays out a model being built (`layout`, which builds its layers and gives their weights
 * offsets) that may reuse layers of other built models, and returns those layers: their weights
 * come from their model, not from the initializers. Refused: a layer whose only model was
 * disposed (its weights are gone), and a reused layer whose input or output size here differs
 * from its model's (a ShapeError naming it). On any error nothing is half-built: the new
 * layers are free again and the reused ones are built and placed as their model has them.
 */
export function layoutWithReused<T>(W: string, model: ReuseModel, layout: () => T): { layout: T; reused: Set<Layer> } {
  const layers = model.layers;
  for (const l of layers) {
    if (l.placedFor !== undefined && l.placedFor !== model && l.owner === undefined && l.stash === undefined && l.weightSpecs().length)
      throw new Error(
        `${W}: layer ${l.name} belonged to a model that was disposed, with its weights; create a new layer (or build the new model before disposing the old one)`,
      );
  }
  const before = new Map(layers.map((l) => [l, l.placedFor as ReuseModel | undefined]));
  const reused = new Set(layers.filter((l) => l.placedFor !== undefined && l.placedFor !== model && (l.owner !== undefined || l.stash !== undefined)));
  const shapes = new Map([...reused].map((l) => [l, { inputSize: l.inputSize, outputShape: l.outputShape.join(',') }]));
  try {
    const out = layout();
    for (const [l, s] of shapes) {
      if (l.inputSize !== s.inputSize || l.outputShape.join(',') !== s.outputShape)
        throw new ShapeError(
          `${W}: layer ${l.name} (${l.className}) comes from another model, where it takes ${s.inputSize} values per example and outputs [${s.outputShape}]; ` +
            `here it would take ${l.inputSize} and output [${l.outputShape.join(', ')}] (a layer's weights are sized by its first input shape)`,
        );
    }
    return { layout: out, reused };
  } catch (err) {
    for (const l of layers) if (!reused.has(l)) l.index = -1;
    for (const prev of new Set([...reused].map((l) => before.get(l)!))) {
      layoutLayers(prev.layers, prev.inputShape, prev.graph);
      for (const l of prev.layers) restorePlacement(prev, l);
    }
    throw err;
  }
}

/**
 * The layers of a model placed inside a stack (Keras' `Sequential([base, Dense(...)])`, tfjs'
 * `tf.sequential({ layers: [base, ...] })`), in order, without its input: the stack then holds
 * the model's own layers, their weights shared with it by the rule above. Only a chain fits in
 * a stack: one input, one output, and every layer applied once, each to the one before. A model
 * with branches, several inputs or outputs, or a layer applied twice is refused with a
 * pointer to `knobs.model`, where `base.apply(x)` places any graph.
 */
export function chainLayers(model: ReuseModel, who: string): Layer[] {
  model.ensureSymbolic();
  const sym = model.symbolic!;
  const refuse = (why: string): never => {
    throw new TypeError(
      `${who}: model ${model.name} ${why}, so it cannot be a layer of a sequential model; build a functional model instead: ` +
        `knobs.model({ inputs: x, outputs: head.apply(${model.name}.apply(x)) })`,
    );
  };
  if (sym.inputs.length !== 1 || sym.outputs.length !== 1) refuse(`has ${sym.inputs.length} inputs and ${sym.outputs.length} outputs`);
  const path: Layer[] = [];
  for (let t = sym.outputs[0]!; t !== sym.inputs[0]; t = t.inputs[0]!) {
    if (t.inputs.length !== 1) refuse(`merges ${t.inputs.length} tensors at layer ${t.sourceLayer.name}`);
    path.push(t.sourceLayer);
  }
  path.reverse();
  const inner = model.layers.filter((l) => !(l instanceof InputLayer));
  if (path.length !== inner.length || new Set(path).size !== path.length) refuse('is not a chain of layers each applied once');
  return path;
}
