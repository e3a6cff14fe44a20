/**
 * A model's description and what model.json keeps of it: the printed `summary`, the
 * architecture (`getConfig`) and the compile configuration with the training progress
 * (`trainingState`).
 * @module
 */
import type { Layer, LayerConfig } from '../layers/layer';
import type { LossName } from '../losses';
import type { Optimizer } from '../optimizers/index';
import type { LayersModel } from './layers-model';
import { graphConfig, summaryConnections, type GraphModelConfig } from './graph';

/**
 * A model's architecture, as saved in model.json: a stack's layers and input shape, or for a
 * graph Keras' functional config (layers with `inbound_nodes`, `input_layers`, `output_layers`).
 */
export type ModelConfig = { name: string; seed: number; inputShape: number[]; layers: LayerConfig[] } & Partial<
  Pick<GraphModelConfig, 'input_layers' | 'output_layers'>
>;

/** The compile configuration and training progress, as saved in model.json. */
export interface TrainingState {
  loss: LossName;
  metrics: string[];
  optimizer: ReturnType<Optimizer['getConfig']>;
  iterations: number;
  epochsCompleted: number;
  slotNames: readonly string[];
  /**
   * A model with several outputs: each output's loss and weight (in output order) and metrics (by
   * output name); `loss` is then the first output's and `metrics` is empty.
   */
  outputs?: { losses: LossName[]; lossWeights: number[]; metrics: Record<string, string[]> };
}

/**
 * {@link LayersModel.summary}: the table of layers, output shapes and parameter counts. A shared
 * layer is one row, its weights counted once, and its "Connected to" lists every application's
 * inputs (as Keras lists them).
 */
export function summary(model: LayersModel, print: (line: string) => void): string {
  // a graph shows what each layer reads, as Keras' "Connected to" column
  const connections = model.graph ? summaryConnections(model.layers, model.graph) : undefined;
  const rows: string[][] = [['Layer (type)', 'Output shape', 'Param #', ...(connections ? ['Connected to'] : [])]];
  for (const l of model.layers) {
    const p = l.countParams();
    rows.push([
      `${l.name} (${l.className})`,
      `[null, ${l.outputShape.join(', ')}]`,
      String(p.trainable + p.nonTrainable),
      ...(connections ? [connections[l.index]!] : []),
    ]);
  }
  // Keras counts a frozen layer's weights as non-trainable (as layer.trainable is now, before compile)
  const trainable = model.layers.reduce((n, l) => n + (l.trainable ? l.countParams().trainable : 0), 0);
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  const line = (r: string[]): string =>
    r
      .map((s, i) => s.padEnd(w[i]!))
      .join('')
      .trimEnd();
  const rule = '_'.repeat(w.reduce((a, b) => a + b, 0));
  const text = [
    `Model: "${model.name}"`,
    rule,
    line(rows[0]!),
    '='.repeat(rule.length),
    ...rows.slice(1).map(line),
    '='.repeat(rule.length),
    `Total params: ${model.countParams()}`,
    `Trainable params: ${trainable}`,
    `Non-trainable params: ${model.countParams() - trainable}`,
    rule,
  ].join('\n');
  for (const l of text.split('\n')) print(l);
  return text;
}

/** {@link LayersModel.getConfig}. */
export function modelConfig(model: LayersModel): ModelConfig {
  // trainable is written only when false, as the configs saved before frozen layers existed
  const layerConfig = (l: Layer): Record<string, unknown> => (l.trainable ? l.getConfig() : { ...l.getConfig(), trainable: false });
  // a graph: Keras' functional config (input_layers, output_layers, inbound_nodes); inputShape
  // is the input's shape (the inputs side by side, flat, for several), as staged
  if (model.graph) return { ...graphConfig(model.name, model.seed, model.layers, model.graph, layerConfig), inputShape: model.inputShape };
  return {
    name: model.name,
    seed: model.seed,
    inputShape: model.inputShape,
    layers: model.layers.map((l) => ({ className: l.className, config: layerConfig(l) })),
  };
}

/** {@link LayersModel.trainingState}. */
export function trainingState(model: LayersModel): TrainingState | undefined {
  const c = model.compiled;
  // a custom loss function cannot be written to model.json: such a model saves without its training state
  if (!c || typeof c.loss === 'function') return undefined;
  const o = c.optimizer;
  const heads = c.heads;
  return {
    ...(heads
      ? {
          outputs: {
            losses: heads.map((h) => h.loss as LossName),
            lossWeights: heads.map((h) => h.weight),
            metrics: Object.fromEntries(heads.map((h) => [h.name, h.metrics.map((m) => m.name)])),
          },
        }
      : {}),
    loss: heads ? (heads[0]!.loss as LossName) : c.loss,
    metrics: c.metrics.map((m) => m.name),
    optimizer: o.getConfig(),
    iterations: o.iterations,
    epochsCompleted: model.epochsCompleted,
    slotNames: o.slotNames,
  };
}
