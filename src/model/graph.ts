/**
 * The model as a graph (the functional API): collecting a graph of layers from symbolic
 * tensors or from a saved configuration (with cycle and connectivity checks), laying it out,
 * and running it forward and backward on byte offsets.
 *
 * A graph is its nodes in a topological order (the inputs first; with one output, the output
 * last), each with the indices of the nodes it reads. A node is one application of a layer
 * (Keras' `Node`): a layer applied once has one node, a shared layer (`layer.apply` called
 * twice, a siamese net) has one node per application, all reading the layer's one set of
 * weights. The layers are listed in the order of their first node, so that in a graph without
 * shared layers node i is layer i. A chain (a Sequential stack) has no graph: the step code
 * keeps its two ping-pong gradient buffers there.
 *
 * Everything a step keeps between the forward and the backward pass is per node (the scratch:
 * activations, batch-norm batch statistics, dropout masks, pooling winners), so each node's
 * backward pass reads its own. A graph gives every node whose output needs a gradient its own
 * gradient buffer, because a tensor read by several nodes receives the sum of their gradients:
 * the first consumer to run backward writes the buffer, the others add to it (f32_add). A
 * shared layer's weight gradient is likewise the sum over its nodes: the first of its nodes to
 * run backward writes the layer's range of the gradient slot (as a layer always does), the
 * others write into a spare buffer that is then added to it.
 * @module
 */
import type { Engine } from '../engine/engine';
import { f32_add } from '../engine/kernels/f32_elementwise';
import { f32_strided_copy } from '../engine/kernels/f32_strided_copy';
import { ShapeError, describe } from '../errors';
import { InputLayer } from '../layers/input-layer';
import type { Layer, LayerConfig, LayerScratch, StepContext } from '../layers/layer';
import { Merge } from '../layers/merge';
import { SymbolicTensor } from '../layers/symbolic';
import { placeWeights, type PlacedWeight } from './layout';
import { bytesToFloat32 } from '../data/dataset';

/** The connectivity of a graph model: its nodes (layer applications) and what each reads. */
export interface Graph {
  /** For each node (in the order the step runs them), the nodes it reads (none for an input). */
  sources: number[][];
  /**
   * For each node, the index of its layer in the model's layers. Node i is layer i when no layer
   * is shared; a shared layer appears once per node.
   */
  nodeLayers: number[];
  /** The nodes of the InputLayers, in the order of the model's inputs. */
  inputs: number[];
  /** The output nodes, in the order of the model's outputs. */
  outputs: number[];
  /**
   * Per node: whether its output needs a gradient, because its layer or a node it reads from has
   * weights to train (set at compile, with the frozen layers).
   */
  needsGrad: boolean[];
}

/** One input of a node in a saved config: Keras' [layerName, nodeIndex, tensorIndex, kwargs]. */
export type NodeRef = [string, number, number, Record<string, unknown>?];

/** One layer entry of a graph model's configuration (Keras' functional config, knobs' layer configs). */
export interface GraphLayerConfig extends LayerConfig {
  name: string;
  /**
   * Keras' `inbound_nodes`: [] for an input, else one entry per application of the layer (two
   * or more for a shared layer), each the list of its inputs as {@link NodeRef}s.
   */
  inbound_nodes: NodeRef[][];
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
  nodeLayers: number[];
  inputs: number[];
  outputs: number[];
}

/** A graph and its layers, in the model's order. */
export interface CollectedGraph {
  layers: Layer[];
  graph: Graph;
  /** The symbolic tensor of each node, for a graph written with knobs.input and layer.apply. */
  tensors?: SymbolicTensor[];
}

const show = (s: readonly number[]): string => `[${s.join(', ')}]`;
const showAll = (ss: readonly (readonly number[])[]): string => ss.map(show).join(', ');

/** The nodes of each layer, in node order: a layer's k-th node is Keras' node index k. */
export function layerNodes(graph: Graph, layerCount: number): number[][] {
  const out: number[][] = Array.from({ length: layerCount }, () => []);
  graph.nodeLayers.forEach((l, n) => out[l]!.push(n));
  return out;
}

/** The layer of node `n`. */
export function nodeLayer<L>(layers: readonly L[], graph: Graph, n: number): L {
  return layers[graph.nodeLayers[n]!]!;
}

/**
 * Orders the nodes by a depth-first walk from the outputs (sources in their order, each node
 * after the nodes it reads): deterministic, so the model and a worker rebuilding it from its
 * configuration agree on every index. `sourcesOf` gives a node's sources; a node met again
 * while its own sources are being walked closes a cycle, reported with its path.
 */
export function topologicalOrder<N>(outputs: N[], sourcesOf: (n: N) => N[], nameOf: (n: N) => string, where: string): N[] {
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

/**
 * The graph of nodes `order` (topologically ordered): the layers in the order of their first
 * node, and each node's layer and sources as indices.
 */
export function collect<N>(order: N[], layerOf: (n: N) => Layer, sourcesOf: (n: N) => readonly N[], ins: N[], outs: N[]): CollectedGraph {
  const layers: Layer[] = [];
  const layerIndex = new Map<Layer, number>();
  const nodeLayers = order.map((n) => {
    const l = layerOf(n);
    let i = layerIndex.get(l);
    if (i === undefined) {
      i = layers.length;
      layerIndex.set(l, i);
      layers.push(l);
    }
    return i;
  });
  const index = new Map(order.map((n, i) => [n, i]));
  return {
    layers,
    graph: {
      sources: order.map((n) => sourcesOf(n).map((s) => index.get(s)!)),
      nodeLayers,
      inputs: ins.map((n) => index.get(n)!),
      outputs: outs.map((n) => index.get(n)!),
      needsGrad: order.map(() => false),
    },
  };
}

/**
 * The graph between symbolic inputs and outputs (knobs.model): one node per symbolic tensor
 * the outputs depend on, so a layer applied twice (a shared layer) gives two nodes. Checked:
 * every input is a knobs.input, every output depends on the given inputs only, every input
 * reaches an output.
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
  const order = topologicalOrder(
    outs,
    (t) => [...t.inputs],
    (t) => t.name,
    where,
  );
  for (const t of order) {
    const l = t.sourceLayer;
    if (l instanceof InputLayer && !inputLayers.has(l)) {
      const out = outs.find((o) => dependsOn(o, t))!;
      throw new Error(
        `${where}: output ${out.name} is not connected to the model's inputs: it depends on input ${l.name || 'layer'} (shape ${show(l.inputShape)}), which is not in options.inputs` +
          " (to build on a built model's layers, give its inputs: knobs.model({ inputs: base.inputs, outputs }))",
      );
    }
  }
  const placed = new Set(order);
  ins.forEach((t, i) => {
    if (!placed.has(t)) throw new Error(`${where}: options.inputs[${i}] (${t.name}) is not connected to any output`);
  });
  return {
    ...collect(
      order,
      (t) => t.sourceLayer,
      (t) => t.inputs,
      ins,
      outs,
    ),
    tensors: order,
  };
}

function dependsOn(t: SymbolicTensor, target: SymbolicTensor): boolean {
  const seen = new Set<SymbolicTensor>();
  const stack = [t];
  while (stack.length) {
    const x = stack.pop()!;
    if (x === target) return true;
    if (seen.has(x)) continue;
    seen.add(x);
    stack.push(...x.inputs);
  }
  return false;
}

/** A node's [layerName, nodeIndex, 0] reference in a saved config (`nodesOf` from {@link layerNodes}). */
export function nodeRef(layers: Layer[], graph: Graph, nodesOf: number[][], n: number): [string, number, number] {
  const l = graph.nodeLayers[n]!;
  return [layers[l]!.name, nodesOf[l]!.indexOf(n), 0];
}

/** The graph's configuration (Keras' functional layout, knobs' layer configs): a shared layer lists one inbound node per application. */
export function graphConfig(
  name: string,
  seed: number,
  layers: Layer[],
  graph: Graph,
  layerConfig: (l: Layer) => Record<string, unknown>,
): GraphModelConfig & { name: string } {
  const nodesOf = layerNodes(graph, layers.length);
  const ref = (n: number): [string, number, number] => nodeRef(layers, graph, nodesOf, n);
  return {
    name,
    seed,
    layers: layers.map((l, i) => ({
      className: l.className,
      name: l.name,
      config: layerConfig(l),
      inbound_nodes: inboundNodes(layers, graph, nodesOf, i),
    })),
    input_layers: graph.inputs.map(ref),
    output_layers: graph.outputs.map(ref),
  };
}

/** Keras' `inbound_nodes` of layer `i`: per node, its inputs as [layerName, nodeIndex, 0, {}] ([] for an input). */
export function inboundNodes(layers: Layer[], graph: Graph, nodesOf: number[][], i: number): NodeRef[][] {
  if (layers[i] instanceof InputLayer) return [];
  return nodesOf[i]!.map((n) => graph.sources[n]!.map((s) => [...nodeRef(layers, graph, nodesOf, s), {}] as NodeRef));
}

/**
 * Builds the layers from their first node's input shapes and gives every weight its offset
 * (the graph version of layoutLayers), in layer order. A merge whose inputs disagree throws a
 * ShapeError naming it, and so does a shared layer whose nodes read different shapes (its
 * weights are sized by one); nothing is allocated here.
 */
export function layoutGraph(layers: Layer[], graph: Graph): { paramCount: number; stateCount: number; weights: PlacedWeight[] } {
  const at = { params: 0, state: 0 };
  const weights: PlacedWeight[] = [];
  const built: (number[][] | undefined)[] = layers.map(() => undefined);
  graph.sources.forEach((srcs, n) => {
    const i = graph.nodeLayers[n]!;
    const layer = layers[i]!;
    const shapes = srcs.map((s) => nodeLayer(layers, graph, s).outputShape);
    const first = built[i];
    if (first) {
      if (showAll(first) !== showAll(shapes)) {
        throw new ShapeError(
          `layer ${layer.name} (${layer.className}) is shared, but its first node reads shape ${showAll(first)} and another reads ${showAll(shapes)}; ` +
            'a shared layer takes one input shape, which sizes its weights',
        );
      }
      return;
    }
    layer.index = i;
    if (layer instanceof Merge) layer.buildMany(shapes);
    else if (layer instanceof InputLayer) layer.build(layer.inputShape);
    else {
      if (shapes.length !== 1) throw new ShapeError(`layer ${layer.name} (${layer.className}) takes one input, got ${shapes.length}`);
      layer.build(shapes[0]!);
    }
    built[i] = shapes.map((s) => s.slice());
    placeWeights(layer, at, weights);
  });
  return { paramCount: at.params, stateCount: at.state, weights };
}

/** Whether a layer has weights that fit changes (not frozen at compile). */
function trains(l: Layer): boolean {
  return !l.frozen && l.weightSpecs().some((s) => s.trainable);
}

/**
 * Which outputs need a gradient and which nodes must pass one to their inputs, given the frozen
 * layers (at compile): a node's output needs a gradient when its layer or a node it reads from
 * has weights to train. Writes graph.needsGrad; returns needsInputGrad per node, and the first
 * node whose layer trains (the backward pass stops there; the node count when none does).
 */
export function graphGradientFlow(layers: Layer[], graph: Graph): { needsInputGrad: boolean[]; firstTrainable: number } {
  let firstTrainable = graph.sources.length;
  graph.sources.forEach((srcs, n) => {
    const t = trains(nodeLayer(layers, graph, n));
    if (t && firstTrainable === graph.sources.length) firstTrainable = n;
    graph.needsGrad[n] = t || srcs.some((s) => graph.needsGrad[s]);
  });
  return { needsInputGrad: graph.sources.map((srcs) => srcs.some((s) => graph.needsGrad[s])), firstTrainable };
}

/** Floats of the staged row before each model input (the inputs sit side by side in one row). */
export function inputColumns(layers: Layer[], graph: Graph): number[] {
  let c = 0;
  return graph.inputs.map((n) => {
    const at = c;
    c += nodeLayer(layers, graph, n).outputSize;
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
 * The forward pass of a graph on ctx.rows rows of the staged input rows at `input`, node by
 * node, each with its own scratch (`scratch[node]`, and `ctx.node` set for the layer): each
 * node's output offset (a layer that passes its input through has its input's offset), and its
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
  const count = g.sources.length;
  const outputs: number[] = new Array(count).fill(0);
  const inputLists: number[][] = [];
  const cols = g.inputs.length > 1 ? inputColumns(core.layers, g) : [0];
  for (let i = 0; i < count; i++) {
    const layer = nodeLayer(core.layers, g, i);
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
    ctx.node = i;
    outputs[i] = layer instanceof Merge ? layer.forwardMany(ctx, scratch[i]!, ins) : layer.forward(ctx, scratch[i]!, ins[0]!);
  }
  return { inputs: inputLists.map((l) => l[0]!), outputs, inputLists };
}

/** The float range of a layer's trainable weights in the parameter buffer (they are placed side by side). */
export function trainableRange(layer: Layer): { from: number; length: number } {
  let from = Infinity,
    length = 0;
  layer.weightSpecs().forEach((s, k) => {
    if (!s.trainable) return;
    from = Math.min(from, layer.offsets[k]!);
    length += s.shape.reduce((a, b) => a * b, 1);
  });
  return { from: length ? from : 0, length };
}

/** Floats of the spare weight-gradient buffer a graph's shared layers need (0 without shared layers). */
export function sharedGradientFloats(layers: Layer[], graph: Graph): number {
  const nodesOf = layerNodes(graph, layers.length);
  let most = 0;
  layers.forEach((l, i) => {
    if (nodesOf[i]!.length > 1) most = Math.max(most, trainableRange(l).length);
  });
  return most;
}

/**
 * The backward pass of a graph: the loss gradients of the outputs are in gradBufs[o] (written by
 * the loss); walks the nodes in reverse order, each node whose output needs a gradient taking
 * its own buffer as dOut and handing each input's gradient to that input's buffer: the first
 * consumer writes (or copies) it, the others add to it. `spare` holds a gradient to be added.
 * A shared layer's first node to run backward writes its weight gradient into ctx.grads; its
 * other nodes write theirs into `sharedGrads` (ctx.grads moved so that the layer's range lands
 * there), which is then added: the weight gradient is the sum over the layer's nodes.
 * Stops at `firstTrainable` (nothing below has weights to train).
 */
export function backwardGraph(
  ctx: StepContext,
  core: GraphCore & { firstTrainable: number },
  scratch: LayerScratch[],
  gradBufs: number[],
  spare: number,
  fwd: { outputs: number[]; inputLists: number[][] },
  sharedGrads = 0,
): void {
  const g = core.graph!;
  const e = ctx.e;
  const count = g.sources.length;
  const filled: boolean[] = g.sources.map((_, i) => g.outputs.includes(i));
  // which layers already wrote their weight gradient in this pass (shared layers only)
  const written: boolean[] | undefined = sharedGrads ? core.layers.map(() => false) : undefined;
  const hand = (s: number, res: number, target: number): void => {
    const n = ctx.rows * nodeLayer(core.layers, g, s).outputSize;
    if (target === spare) {
      // a second consumer: add to what the first wrote
      f32_add(e, gradBufs[s]!, res, gradBufs[s]!, n);
    } else if (res !== target) copy(e, res, target, n);
    filled[s] = true;
  };
  const grads = ctx.grads;
  for (let i = count - 1; i >= core.firstTrainable; i--) {
    if (!g.needsGrad[i] || !filled[i]) continue;
    const li = g.nodeLayers[i]!;
    const layer = core.layers[li]!;
    const srcs = g.sources[i]!;
    const ins = fwd.inputLists[i]!;
    ctx.node = i;
    if (layer instanceof Merge) {
      srcs.forEach((s, k) => {
        if (!g.needsGrad[s]) return;
        const target = filled[s] ? spare : gradBufs[s]!;
        hand(s, layer.backwardInput(ctx, scratch[i]!, ins, fwd.outputs[i]!, gradBufs[i]!, k, target), target);
      });
      continue;
    }
    // a shared layer's second or later node: its weight gradient goes to the spare buffer
    const range = written && trains(layer) ? (written[li] ? trainableRange(layer) : ((written[li] = true), undefined)) : undefined;
    if (range) ctx.grads = sharedGrads - range.from * 4;
    const s = srcs[0];
    const wants = s !== undefined && g.needsGrad[s];
    const target = wants ? (filled[s] ? spare : gradBufs[s]!) : 0;
    let res: number;
    try {
      res = layer.backward(ctx, scratch[i]!, ins[0]!, fwd.outputs[i]!, gradBufs[i]!, target);
    } finally {
      ctx.grads = grads;
    }
    if (range) f32_add(e, grads + range.from * 4, sharedGrads, grads + range.from * 4, range.length);
    if (wants) hand(s, res, target);
  }
}

/** A plain copy of n floats inside engine memory (a memmove, no per-element JavaScript). */
function copy(e: Engine, src: number, dst: number, n: number): void {
  e.u8.copyWithin(dst, src, src + n * 4);
}

/** The input shape a graph model stages: its input's, or for several inputs their flat sizes side by side. */
export function graphInputShape(layers: Layer[], graph: Graph): number[] {
  if (graph.inputs.length === 1) return (nodeLayer(layers, graph, graph.inputs[0]!) as InputLayer).inputShape.slice();
  return [graph.inputs.reduce((n, i) => n + nodeLayer(layers, graph, i).outputSize, 0)];
}

/**
 * Keras' "Connected to" column of summary(), per layer: the inputs of each of its nodes
 * (`dense[0][0]`; a shared layer lists every node's, `input_a[0][0], input_b[0][0]`).
 */
export function summaryConnections(layers: Layer[], graph: Graph): string[] {
  const nodesOf = layerNodes(graph, layers.length);
  return layers.map((_, i) =>
    nodesOf[i]!.flatMap((n) =>
      graph.sources[n]!.map((s) => {
        const [name, k] = nodeRef(layers, graph, nodesOf, s);
        return `${name}[${k}][0]`;
      }),
    ).join(', '),
  );
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

/**
 * The inputs (or outputs) of a graph model as ports: `ids` are nodes (graph.inputs,
 * graph.outputs). A shared layer with several outputs names them as Keras does: its layer's
 * name, then `name_1`, `name_2`, ...
 */
export function ports(layers: Layer[], graph: Graph, ids: number[]): Port[] {
  const taken = new Set<string>();
  const count = new Map<string, number>();
  return ids.map((n) => {
    const l = nodeLayer(layers, graph, n);
    let name = l.name;
    while (taken.has(name)) {
      const k = count.get(l.name) ?? 1;
      count.set(l.name, k + 1);
      name = `${l.name}_${k}`;
    }
    taken.add(name);
    return { name, size: l.outputSize, shape: l.outputShape.slice() };
  });
}
