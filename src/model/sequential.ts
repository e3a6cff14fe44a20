/**
 * A sequential model (tfjs' `tf.Sequential`): a {@link LayersModel} whose layers form a chain,
 * which grows with `add` and shrinks with `pop`. Everything else is LayersModel's
 * (layers-model.ts).
 * @module
 */
import { describe } from '../errors';
import { layoutLayers } from './layout';
import type { Layer } from '../layers/layer';
import { checkKnownOptions } from '../util/options';
import { InputLayer } from '../layers/input-layer';
import { checkInputShape, LayersModel } from './layers-model';
import type { SequentialOptions } from './options';
import { restorePlacement } from './reuse';

// the import paths users and the rest of knobs know
export type { CompileOptions, EvaluateResult, FitOptions, ModelInput, SequentialOptions } from './options';
export type { ModelConfig } from './config';
export { LayersModel, type Runtime } from './layers-model';

/** A stack of layers, grown with `add` (tfjs' `tf.Sequential`). Create one with {@link sequential}. */
export class Sequential extends LayersModel {
  /** @internal Create one with knobs.sequential. */
  constructor(options: SequentialOptions = {}) {
    checkKnownOptions('sequential', options, ['inputShape', 'layers', 'seed', 'name', 'initialize']);
    super(options);
  }

  /**
   * Adds a layer on top of the stack (tfjs' `model.add`). The model is laid out again: the
   * weights of the layers already there are kept, the new layer's are initialized from the seed
   * as if the stack had been built with it, and the model must be compiled again. The first
   * layer of an empty model gives the input shape (its `inputShape` option, or the model's).
   * On an error (a layer that does not fit) the model is unchanged.
   * @example
   * ```ts
   * const model = knobs.sequential({ seed: 1 });
   * model.add(knobs.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }));
   * model.add(knobs.layers.dense({ units: 1 }));
   * ```
   */
  add(layer: Layer): void {
    this.alive('add', true);
    if ((layer as unknown) instanceof LayersModel)
      throw new TypeError(
        `add: ${(layer as unknown as LayersModel).name} is a model; list it among the layers instead (knobs.sequential({ layers: [base, head] })), or build a functional model`,
      );
    if (!layer || typeof (layer as Layer).build !== 'function' || layer instanceof InputLayer) {
      throw new TypeError(`add: give a knobs layer (knobs.layers.dense(...), ...), got ${describe(layer)}`);
    }
    if (layer.index >= 0 || layer.inbound)
      throw new Error(`add: layer ${layer.name || layer.className} already belongs to a model or a graph; create a new layer`);
    if (this.layers.length === 0) {
      const shape = (layer as Layer & { inputShape?: number[] }).inputShape ?? (this.inputShape.length ? this.inputShape : undefined);
      if (shape === undefined)
        throw new TypeError(`add: the first layer needs an inputShape (e.g. layers.dense({ units: 16, inputShape: [8] })), or give the model one`);
      this.inputShape = checkInputShape(shape);
    }
    this.relayout([...this.layers, layer], layer);
    // the model's symbolic tensors, if already made, grow with it
    const sym = this.symbolic;
    if (sym) {
      const t = layer.addNode([sym.tensors[sym.tensors.length - 1]!]);
      sym.tensors.push(t);
      sym.outputs = [t];
    }
  }

  /**
   * Removes the top layer (tfjs' `model.pop`) and returns it, free to join another model; the
   * other layers keep their weights, and the model must be compiled again.
   */
  pop(): Layer {
    this.alive('pop', true);
    if (this.layers.length === 0) throw new RangeError('pop: the model has no layers');
    const top = this.layers[this.layers.length - 1]!;
    this.relayout(this.layers.slice(0, -1), undefined);
    top.index = -1;
    top.owner = undefined;
    top.placedFor = undefined;
    const sym = this.symbolic;
    if (sym) {
      // the popped layer's node in this model goes with it
      const t = sym.tensors.pop()!;
      top.nodes = top.nodes.filter((n) => n !== t);
      sym.outputs = [sym.tensors[sym.tensors.length - 1]!];
    }
    return top;
  }

  /** Lays the stack out again with `layers` (add, pop), keeping the weights of the layers that stay. */
  private relayout(layers: Layer[], added: Layer | undefined): void {
    const kept = this.layers.filter((l) => layers.includes(l)).map((l) => ({ l, w: this.layerWeights(l) }));
    // check the new stack before touching anything: its layout throws when a layer does not fit
    const names = new Set(this.layers.map((l) => l.name).filter(Boolean));
    const autoName = added !== undefined && !added.name;
    if (added && autoName) added.name = uniqueName(added, names);
    if (added && !autoName && names.has(added.name)) throw new Error(`add: the model already has a layer named ${JSON.stringify(added.name)}`);
    if (layers.length) {
      try {
        layoutLayers(layers, this.inputShape);
      } catch (err) {
        if (added && autoName) added.name = '';
        if (added) added.index = -1;
        // the layers that were there: laid out and placed as before (frozen as compiled)
        if (this.layers.length) layoutLayers(this.layers, this.inputShape);
        for (const l of this.layers) restorePlacement(this, l);
        throw err;
      }
    }
    this.freeRuntimes();
    for (const p of this.owned.ptrs) if (p) this.e.free(p);
    this.owned.ptrs = [];
    this.params = this.state = 0;
    this.slots = [];
    // the compiled optimizer and loss belonged to the old stack: compile again (as in tfjs)
    this.compiled = undefined;
    this.heads = undefined;
    this.layers.splice(0, this.layers.length, ...layers);
    if (layers.length === 0) return;
    for (const l of layers) l.index = -1;
    this.build(this.initialize);
    for (const { l, w } of kept) this.writeLayerWeights(l, w);
  }
}

/**
 * Creates a sequential model.
 * @example
 * ```ts
 * const model = knobs.sequential({ inputShape: [784], seed: 42, layers: [
 *   knobs.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
 *   knobs.layers.dense({ units: 10, activation: 'softmax' }),
 * ]});
 * ```
 */
export function sequential(options: SequentialOptions = {}): Sequential {
  return new Sequential(options);
}

/** Keras' automatic name for a layer (dense, dense_1, ...), not among `taken`. */
function uniqueName(layer: Layer, taken: Set<string>): string {
  const base = layer instanceof InputLayer ? 'input' : layer.className.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  for (let n = 0; ; n++) {
    const name = n === 0 ? base : `${base}_${n}`;
    if (!taken.has(name)) return name;
  }
}
