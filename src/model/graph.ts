/**
 * The model as a graph (the functional API): collecting a graph of layers from symbolic
 * tensors or from a saved configuration (with cycle and connectivity checks), laying it out,
 * and running it forward and backward on byte offsets.
 *
 * A graph is its layers in a topological order (the inputs first; with one output, the output
 * last), each with the indices of the layers it reads. A chain (a Sequential stack) has no
 * graph: the step code keeps its two ping-pong gradient buffers there. A graph gives every layer
 * whose output needs a gradient its own gradient buffer, because a tensor read by several layers
 * receives the sum of their gradients: the first consumer to run backward writes the buffer, the
 * others add to it (f32_add). Each layer is applied once (no shared layers), so a layer, its
 * scratch and its node are one.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_add } from '../engine/kernels/f32_elementwise';
import { f32_strided_copy } from '../engine/kernels/f32_strided_copy';
import { ShapeError, describe } from '../errors';
import { InputLayer } from '../layers/input-layer';
import type { Layer, LayerConfig, LayerScratch, StepContext } from '../layers/layer';
import { layerFromConfig } from '../layers/index';
import { Merge } from '../layers/merge';
import { SymbolicTensor } from '../layers/symbolic';
import { placeWeights, type PlacedWeight } from './layout';
import { bytesToFloat32 } from '../data/dataset';

/** The connectivity of a graph model. */
export interface Graph {
  /** For each layer (in the model's order), the indices of the layers it reads (none for an input). */
  sources: number[][];
  /** Indices of the InputLayers, in the order of the model's inputs. */
  inputs: number[];
  /** Indices of the output layers, in the order of the model's outputs. */
  outputs: number[];
  /**
   * Per layer: whether its output needs a gradient, because it or a layer it reads from has
   * weights to train (set at compile, with the frozen layers).
   */
  needsGrad: boolean[];
}

/** One layer entry of a graph model's configuration (Keras' functional config, knobs' layer configs). */
export interface GraphLayerConfig extends LayerConfig {
  name: string;
  /** Keras' `inbound_nodes`: [] for an input, else one node: a list of [layerName, nodeIndex, tensorIndex, kwargs]. */
  inbound_nodes: [string, number, number, Record<string, unknown>?][][];
}

/** A graph model's architecture, as saved in model.json (Keras' functional `config`, knobs' layer configs). */
export interface GraphModelConfig {
  name?: string;
  seed: number;
  layers: GraphLayerConfig[];
  /** Keras' `input_layers` and `output_layers`: [layerName, nodeIndex, tensorIndex]. */
  input_layers: [string, number, number][];
  output_layers: [string, number, number][];
}

/** What the workers need to rebuild a graph's step code: the layer order is the model's. */
export interface GraphCoreConfig {
  sources: number[][];
  inputs: number[];
  outputs: number[];
}

/** A graph and its layers, in the model's order. */
export interface CollectedGraph {
  layers: Layer[];
  graph: Graph;
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Orders the layers by a depth-first walk from the outputs (sources in their order, each layer
 * after the layers it reads): deterministic, so the model and a worker rebuilding it from its
 * configuration agree on every index. `sourcesOf` gives a node's sources; a node met again
 * while its own sources are being walked closes a cycle, reported with its path.
 */
function topologicalOrder<N>(outputs: N[], sourcesOf: (n: N) => N[], nameOf: (n: N) => string, where: string): N[] {
  const order: N[] = [];
  const state = new Map<N, 'walking' | 'done'>();
  const path: N[] = [];
  // an explicit stack: a long chain must not overflow the call stack
  for (const out of outputs) {
    if (state.get(out) === 'done') continue;
    const stack: { node: N; next: number }[] = [{ node: out, next: 0 }];
    state.set(out, 'walking');
    path.push(out);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const srcs = sourcesOf(top.node);
      if (top.next < srcs.length) {
        const s = srcs[top.next++]!;
        const st = state.get(s);
        if (st === 'done') continue;
        if (st === 'walking') {
          const cycle = [...path.slice(path.indexOf(s)), s].map(nameOf).join(' -> ');
          throw new Error(`${where}: the graph has a cycle through layer ${nameOf(s)} (${cycle}); a model's layers must form a directed acyclic graph`);
        }
        state.set(s, 'walking');
        path.push(s);
        stack.push({ node: s, next: 0 });
      } else {
        stack.pop();
        path.pop();
        state.set(top.node, 'done');
        order.push(top.node);
      }
    }
  }
  return order;
}

/** A list argument of knobs.model: one symbolic tensor or an array of them. */
function tensorList(where: string, name: string, value: unknown): SymbolicTensor[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new TypeError(`${where}: options.${name} must be a symbolic tensor or a non-empty array of them, got an empty array`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new TypeError(
        `${where}: options.${name}${Array.isArray(value) ? `[${i}]` : ''} must be a symbolic tensor (from knobs.input(...) or layer.apply(...)), got ${describe(t)}`,
      );
    }
  });
  const seen = new Set<SymbolicTensor>();
  list.forEach((t: SymbolicTensor, i) => {
    if (seen.has(t)) throw new Error(`${where}: options.${name}[${i}] repeats the tensor of layer ${t.name}`);
    seen.add(t);
  });
  return list as SymbolicTensor[];
}

/**
 * The graph between symbolic inputs and outputs (knobs.model). Checked: every input is a
 * knobs.input, every output depends on the given inputs only, every input reaches an output.
 */
export function graphFromTensors(where: string, inputs: unknown, outputs: unknown): CollectedGraph {
  const ins = tensorList(where, 'inputs', inputs);
  const outs = tensorList(where, 'outputs', outputs);
  ins.forEach((t, i) => {
    if (!(t.sourceLayer instanceof InputLayer)) {
      throw new TypeError(
        `${where}: options.inputs[${i}] is the output of layer ${t.name} (${t.sourceLayer.className}), not a model input from knobs.input(...)`,
      );
    }
  });
  const inputLayers = new Set(ins.map((t) => t.sourceLayer));
  const layerOf = (t: SymbolicTensor): Layer => t.sourceLayer;
  const order = topologicalOrder(
    outs.map(layerOf),
    (l) => (l.inbound ?? []).map(layerOf),
    (l) => l.name || l.className,
    where,
  );
  for (const l of order) {
    if (l instanceof InputLayer && !inputLayers.has(l)) {
      const out = outs.find((t) => dependsOn(t.sourceLayer, l))!;
      throw new Error(
        `${where}: output ${out.name} is not connected to the model's inputs: it depends on input ${l.name || 'layer'} (shape ${show(l.inputShape)}), which is not in options.inputs`,
      );
    }
  }
  const placed = new Set(order);
  ins.forEach((t, i) => {
    if (!placed.has(t.sourceLayer)) throw new Error(`${where}: options.inputs[${i}] (${t.name}) is not connected to any output`);
  });
  const index = new Map(order.map((l, i) => [l, i]));
  return {
    layers: order,
    graph: {
      sources: order.map((l) => (l.inbound ?? []).map((t) => index.get(t.sourceLayer)!)),
      inputs: ins.map((t) => index.get(t.sourceLayer)!),
      outputs: outs.map((t) => index.get(t.sourceLayer)!),
      needsGrad: order.map(() => false),
    },
  };
}

function dependsOn(l: Layer, target: Layer): boolean {
  const seen = new Set<Layer>();
  const stack = [l];
  while (stack.length) {
    const x = stack.pop()!;
    if (x === target) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const t of x.inbound ?? []) stack.push(t.sourceLayer);
  }
  return false;
}

/** The [name, 0, 0] references of input_layers / output_layers. */
function layerRefs(where: string, field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new TypeError(`${where}: ${field} must be a non-empty array of [layerName, 0, 0], got ${describe(value)}`);
  return value.map((r, i) => {
    if (!Array.isArray(r) || typeof r[0] !== 'string') throw new TypeError(`${where}: ${field}[${i}] must be [layerName, 0, 0], got ${describe(r)}`);
    if ((r[1] ?? 0) !== 0 || (r[2] ?? 0) !== 0)
      throw new RangeError(`${where}: ${field}[${i}] refers to node ${r[1]} / tensor ${r[2]} of ${r[0]}; knobs layers have one node and one output`);
    return r[0];
  });
}

/**
 * A graph rebuilt from its saved configuration (loadModel, the workers): the layers made from
 * their configs, connected by name. Checked: unique names, known sources, one node per layer (no
 * shared layers), no cycle, every layer connected to an output.
 */
export function graphFromConfig(where: string, config: GraphModelConfig): CollectedGraph {
  if (config === null || typeof config !== 'object' || !Array.isArray(config.layers))
    throw new TypeError(`${where}: a graph model's config needs layers, got ${describe(config)}`);
  const byName = new Map<string, { layer: Layer; sources: string[] }>();
  config.layers.forEach((c, i) => {
    const f = `${where}: layers[${i}]`;
    if (c === null || typeof c !== 'object' || typeof c.name !== 'string' || c.name === '') throw new TypeError(`${f} needs a name, got ${describe(c)}`);
    if (byName.has(c.name)) throw new Error(`${f}: two layers are named ${JSON.stringify(c.name)}`);
    const nodes = c.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) throw new TypeError(`${f} (${c.name}): inbound_nodes must be an array, got ${describe(nodes)}`);
    if (nodes.length > 1) throw new Error(`${f} (${c.name}): the layer is applied ${nodes.length} times; shared layers are not supported`);
    const node = nodes[0] ?? [];
    if (!Array.isArray(node)) throw new TypeError(`${f} (${c.name}): inbound_nodes[0] must be an array of [layerName, 0, 0, {}], got ${describe(node)}`);
    const sources = node.length ? layerRefs(`${f} (${c.name})`, 'inbound_nodes[0]', node) : [];
    let layer: Layer;
    try {
      layer = layerFromConfig({ className: c.className, config: { ...c.config, name: c.name } });
    } catch (err) {
      if (err instanceof Error) err.message = `${f} (${c.name}): ${err.message}`;
      throw err;
    }
    byName.set(c.name, { layer, sources });
  });
  const find = (name: string, from: string): Layer => {
    const e = byName.get(name);
    if (!e) throw new Error(`${where}: ${from} refers to layer ${JSON.stringify(name)}, which is not in the config's layers`);
    return e.layer;
  };
  const inputNames = layerRefs(where, 'input_layers', config.input_layers);
  const outputNames = layerRefs(where, 'output_layers', config.output_layers);
  const ins = inputNames.map((n) => find(n, 'input_layers'));
  const outs = outputNames.map((n) => find(n, 'output_layers'));
  const nameOf = new Map<Layer, string>([...byName].map(([n, e]) => [e.layer, n]));
  const sourcesOf = (l: Layer): Layer[] => byName.get(nameOf.get(l)!)!.sources.map((s) => find(s, `layer ${nameOf.get(l)}`));
  const order = topologicalOrder(outs, sourcesOf, (l) => nameOf.get(l)!, where);
  ins.forEach((l, i) => {
    if (!(l instanceof InputLayer)) throw new TypeError(`${where}: input_layers[${i}] (${inputNames[i]}) is a ${l.className}, not an InputLayer`);
  });
  const placed = new Set(order);
  for (const l of order) {
    if (l instanceof InputLayer) {
      if (!ins.includes(l)) throw new Error(`${where}: the outputs depend on input ${nameOf.get(l)}, which is not in input_layers`);
    } else if (sourcesOf(l).length === 0) throw new Error(`${where}: layer ${nameOf.get(l)} (${l.className}) has no inbound node and is not an input`);
  }
  for (const [n, e] of byName) if (!placed.has(e.layer)) throw new Error(`${where}: layer ${n} (${e.layer.className}) is not connected to any output`);
  const index = new Map(order.map((l, i) => [l, i]));
  return {
    layers: order,
    graph: {
      sources: order.map((l) => sourcesOf(l).map((s) => index.get(s)!)),
      inputs: ins.map((l) => index.get(l)!),
      outputs: outs.map((l) => index.get(l)!),
      needsGrad: order.map(() => false),
    },
  };
}

/** The graph's configuration (Keras' functional layout, knobs' layer configs). */
export function graphConfig(
  name: string,
  seed: number,
  layers: Layer[],
  graph: Graph,
  layerConfig: (l: Layer) => Record<string, unknown>,
): GraphModelConfig & { name: string } {
  return {
    name,
    seed,
    layers: layers.map((l, i) => ({
      className: l.className,
      name: l.name,
      config: layerConfig(l),
      inbound_nodes: graph.sources[i]!.length
        ? [graph.sources[i]!.map((s) => [layers[s]!.name, 0, 0, {}] as [string, number, number, Record<string, unknown>])]
        : [],
    })),
    input_layers: graph.inputs.map((i) => [layers[i]!.name, 0, 0]),
    output_layers: graph.outputs.map((i) => [layers[i]!.name, 0, 0]),
  };
}

/**
 * Builds the layers in the graph's order from their sources' shapes and gives every weight its
 * offset (the graph version of layoutLayers). A merge whose inputs disagree throws a ShapeError
 * naming it; nothing is allocated here.
 */
export function layoutGraph(layers: Layer[], graph: Graph): { paramCount: number; stateCount: number; weights: PlacedWeight[] } {
  const at = { params: 0, state: 0 };
  const weights: PlacedWeight[] = [];
  layers.forEach((layer, i) => {
    layer.index = i;
    const shapes = graph.sources[i]!.map((s) => layers[s]!.outputShape);
    if (layer instanceof Merge) layer.buildMany(shapes);
    else if (layer instanceof InputLayer) layer.build(layer.inputShape);
    else {
      if (shapes.length !== 1) throw new ShapeError(`layer ${layer.name} (${layer.className}) takes one input, got ${shapes.length}`);
      layer.build(shapes[0]!);
    }
    placeWeights(layer, at, weights);
  });
  return { paramCount: at.params, stateCount: at.state, weights };
}

/**
 * Which outputs need a gradient and which layers must pass one to their inputs, given the
 * frozen layers (at compile): a layer's output needs a gradient when it or a layer it reads from
 * has weights to train. Writes graph.needsGrad; returns needsInputGrad per layer.
 */
export function graphGradientFlow(layers: Layer[], graph: Graph): boolean[] {
  layers.forEach((l, i) => {
    const trains = !l.frozen && l.weightSpecs().some((s) => s.trainable);
    graph.needsGrad[i] = trains || graph.sources[i]!.some((s) => graph.needsGrad[s]);
  });
  return layers.map((_, i) => graph.sources[i]!.some((s) => graph.needsGrad[s]));
}

/** Floats of the staged row before each model input (the inputs sit side by side in one row). */
export function inputColumns(layers: Layer[], graph: Graph): number[] {
  let c = 0;
  return graph.inputs.map((i) => {
    const at = c;
    c += layers[i]!.outputSize;
    return at;
  });
}

/** What the graph executor needs of the model. */
interface GraphCore {
  layers: Layer[];
  graph?: Graph | undefined;
  inputSize: number;
}

/**
 * The forward pass of a graph on ctx.rows rows of the staged input rows at `input`: each
 * layer's output offset (a layer that passes its input through has its input's offset), and its
 * inputs'. With several inputs each is first copied out of the staged rows into `inputBufs`.
 */
export function forwardGraph(
  ctx: StepContext,
  core: GraphCore,
  scratch: LayerScratch[],
  inputBufs: number[],
  input: number,
): { inputs: number[]; outputs: number[]; inputLists: number[][] } {
  const g = core.graph!;
  const outputs: number[] = new Array(core.layers.length).fill(0);
  const inputLists: number[][] = [];
  const cols = g.inputs.length > 1 ? inputColumns(core.layers, g) : [0];
  core.layers.forEach((layer, i) => {
    let ins: number[];
    if (layer instanceof InputLayer) {
      const k = g.inputs.indexOf(i);
      if (g.inputs.length === 1) ins = [input];
      else {
        f32_strided_copy(ctx.e, input + cols[k]! * 4, core.inputSize, inputBufs[k]!, layer.outputSize, ctx.rows, layer.outputSize);
        ins = [inputBufs[k]!];
      }
    } else ins = g.sources[i]!.map((s) => outputs[s]!);
    inputLists.push(ins);
    outputs[i] = layer instanceof Merge ? layer.forwardMany(ctx, scratch[i]!, ins) : layer.forward(ctx, scratch[i]!, ins[0]!);
  });
  return { inputs: inputLists.map((l) => l[0]!), outputs, inputLists };
}

/**
 * The backward pass of a graph: the loss gradients of the outputs are in gradBufs[o] (written by
 * the loss); walks the layers in reverse order, each layer whose output needs a gradient taking
 * its own buffer as dOut and handing each input's gradient to that input's buffer: the first
 * consumer writes (or copies) it, the others add to it. `spare` holds a gradient to be added.
 * Stops at `firstTrainable` (nothing below has weights to train).
 */
export function backwardGraph(
  ctx: StepContext,
  core: GraphCore & { firstTrainable: number },
  scratch: LayerScratch[],
  gradBufs: number[],
  spare: number,
  fwd: { outputs: number[]; inputLists: number[][] },
): void {
  const g = core.graph!;
  const e = ctx.e;
  const filled: boolean[] = core.layers.map((_, i) => g.outputs.includes(i));
  const hand = (s: number, res: number, target: number): void => {
    const n = ctx.rows * core.layers[s]!.outputSize;
    if (target === spare) {
      // a second consumer: add to what the first wrote
      f32_add(e, gradBufs[s]!, res, gradBufs[s]!, n);
    } else if (res !== target) copy(e, res, target, n);
    filled[s] = true;
  };
  for (let i = core.layers.length - 1; i >= core.firstTrainable; i--) {
    if (!g.needsGrad[i] || !filled[i]) continue;
    const layer = core.layers[i]!;
    const srcs = g.sources[i]!;
    const ins = fwd.inputLists[i]!;
    if (layer instanceof Merge) {
      srcs.forEach((s, k) => {
        if (!g.needsGrad[s]) return;
        const target = filled[s] ? spare : gradBufs[s]!;
        hand(s, layer.backwardInput(ctx, scratch[i]!, ins, fwd.outputs[i]!, gradBufs[i]!, k, target), target);
      });
    } else {
      const s = srcs[0];
      const wants = s !== undefined && g.needsGrad[s];
      const target = wants ? (filled[s] ? spare : gradBufs[s]!) : 0;
      const res = layer.backward(ctx, scratch[i]!, ins[0]!, fwd.outputs[i]!, gradBufs[i]!, target);
      if (wants) hand(s, res, target);
    }
  }
}

/** A plain copy of n floats inside engine memory (a memmove, no per-element JavaScript). */
function copy(e: Engine, src: number, dst: number, n: number): void {
  e.u8.copyWithin(dst, src, src + n * 4);
}

/** The input shape a graph model stages: its input's, or for several inputs their flat sizes side by side. */
export function graphInputShape(layers: Layer[], graph: Graph): number[] {
  if (graph.inputs.length === 1) return (layers[graph.inputs[0]!] as InputLayer).inputShape.slice();
  return [graph.inputs.reduce((n, i) => n + layers[i]!.outputSize, 0)];
}

/** Keras' "Connected to" column of summary(): the layers each layer reads (`dense[0][0]`). */
export function summaryConnections(layers: Layer[], graph: Graph): string[] {
  return layers.map((_, i) => graph.sources[i]!.map((s) => `${layers[s]!.name}[0][0]`).join(', '));
}

/** One model input or output: its layer's name, flat size and shape. */
export interface Port {
  name: string;
  size: number;
  shape: number[];
}

/** Flat arrays already joined side by side (by {@link joinColumns}, or cut from such rows). */
const joinedArrays = new WeakSet<object>();

/** Marks rows of inputs already side by side (e.g. a slice of joined rows), which the model takes as they are. @internal */
export function markJoined<T extends Float32Array | Uint8Array>(a: T): T {
  joinedArrays.add(a);
  return a;
}

/**
 * The inputs of a model with several inputs, one array per input (each as a single input is
 * given: Float32Array, Uint8Array of bytes, or number[][]), joined into one row per example
 * with the inputs side by side: how they are staged, shuffled and sharded, as one input is.
 * Each input's columns are copied a row at a time (a memcpy), never element by element.
 */
export function joinColumns(
  where: string,
  name: string,
  x: unknown,
  ports: Port[],
  convert: (where: string, field: string, x: unknown, p: Port) => { data: Float32Array | Uint8Array; rows: number },
): { data: Float32Array | Uint8Array; rows: number } {
  if ((x instanceof Float32Array || x instanceof Uint8Array) && joinedArrays.has(x)) {
    const total = ports.reduce((n, p) => n + p.size, 0);
    return { data: x, rows: x.length / total };
  }
  const list = ports.map((p) => p.name).join(', ');
  if (!Array.isArray(x)) {
    throw new TypeError(`${where}: ${name} must be an array of ${ports.length} arrays, one per model input (${list}), got ${describe(x)}`);
  }
  if (x.length !== ports.length) {
    throw new ShapeError(`${where}: ${name} must be an array of ${ports.length} arrays, one per model input (${list}), got ${x.length}`);
  }
  const parts = ports.map((p, k) => convert(where, `${name}[${k}] (${p.name})`, x[k], p));
  const rows = parts[0]!.rows;
  parts.forEach((d, k) => {
    if (d.rows !== rows) {
      throw new ShapeError(
        `${where}: ${name}[${k}] (${ports[k]!.name}) has ${d.rows} examples but ${name}[0] (${ports[0]!.name}) has ${rows}; every input needs one row per example`,
      );
    }
  });
  const total = ports.reduce((n, p) => n + p.size, 0);
  const bytes = parts.every((d) => d.data instanceof Uint8Array);
  const out = bytes ? new Uint8Array(rows * total) : new Float32Array(rows * total);
  let col = 0;
  parts.forEach((d, k) => {
    const size = ports[k]!.size;
    // bytes mixed with floats: the bytes become their float values (byte / 255), as the model reads them
    const src = !bytes && d.data instanceof Uint8Array ? bytesToFloat32(d.data) : d.data;
    for (let r = 0; r < rows; r++) out.set(src.subarray(r * size, (r + 1) * size), r * total + col);
    col += size;
  });
  return { data: markJoined(out), rows };
}

/** The inputs (or outputs) of a graph model as ports. */
export function ports(layers: Layer[], ids: number[]): Port[] {
  return ids.map((i) => ({ name: layers[i]!.name, size: layers[i]!.outputSize, shape: layers[i]!.outputShape.slice() }));
}
