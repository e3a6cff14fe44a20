/**
 * What the report and the dashboard show, as plain JSON: {@link reportData} turns a model, its
 * history, diagnosis, analysis and study into a {@link ReportData}, which the page renders
 * (`src/report/render.ts`) and the dashboard serves. Browser-safe: no Node module here.
 * @module
 */
import type { Analysis } from '../analyze/analyze';
import type { SuspectedMislabel } from '../analyze/mislabels';
import type { Diagnosis, DiagnoseErrors } from '../diagnose/diagnose';
import type { TrainingHealth } from '../diagnose/health';
import { diagnoseHealth } from '../diagnose/health';
import type { Knob } from '../diagnose/knobs';
import type { LearningCurve } from '../diagnose/learningCurve';
import { describe } from '../errors';
import { encodePng } from '../image/png';
import * as plotData from '../tune/visualization/index';
import type { PlotStudy } from '../tune/visualization/index';

/** A small image (PNG data URL) with its caption. */
export interface ReportImage {
  src: string;
  caption: string;
}

/** One gallery of images. */
export interface ReportGallery {
  title: string;
  note?: string;
  items: ReportImage[];
}

/** One class's row of the per-class table, with the rates derived from the confusion matrix. */
export interface ClassRow {
  label: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
  /** False positive rate: predicted as this class among the examples of other classes. */
  fpr: number;
  /** False negative rate, 1 - recall. */
  fnr: number;
  specificity: number;
}

/** The report's content, as JSON (what `report.html` embeds and the dashboard serves). */
export interface ReportData {
  version: 1;
  title: string;
  createdAt: string;
  /** 'running' while a dashboard follows a run, 'done' after. */
  status: 'running' | 'done';
  /** One-line facts shown at the top: data, sets, timing. */
  notes: string[];
  model?: { summary: string; params: number };
  /** Per-epoch logs: loss, accuracy, val_ versions, lr. */
  epochs?: { epoch: number[]; series: Record<string, number[]> };
  /** The loss of each training batch, in order. */
  batches?: { loss: number[] };
  ladder?: DiagnoseErrors & {
    avoidableBias: number;
    variance: number;
    dataMismatch: number | null;
    devOverfit: number | null;
    verdict: string;
    focus: string;
    knobs: Knob[];
    notes: string[];
  };
  accuracy?: number;
  confusion?: { labels: string[]; counts: number[][] };
  perClass?: ClassRow[];
  galleries?: ReportGallery[];
  health?: TrainingHealth & { flags: string[] };
  weights?: ReportGallery;
  learningCurve?: { points: { size: number; trainError: number; devError: number }[]; verdict: string; explanation: string };
  study?: {
    name: string;
    directions: string[];
    counts: Record<string, number>;
    history: { targetName: string; points: plotData.HistoryPoint[] } | null;
    intermediate: { number: number; state: string; steps: number[]; values: number[] }[];
    parallel: { numbers: number[]; axes: plotData.Axis[] } | null;
    importances: { name: string; importance: number }[];
    slices: Record<string, { scale: string; points: { x: unknown; y: number; number: number }[] }>;
    pareto: { best: { number: number; values: number[] }[]; others: { number: number; values: number[] }[] } | null;
  };
}

/** The model as the report reads it (a knobs LayersModel fits). */
export interface ReportModel {
  summary(print?: (line: string) => void): string;
  countParams(): number;
  getWeights(): Float32Array[];
  weightNames(): string[];
  getConfig(): { inputShape: number[]; layers: { className: string; config: Record<string, unknown> }[] };
}

/** What {@link reportData} (and `report.write`) take; every part is optional. */
export interface ReportInput {
  title?: string;
  notes?: string[];
  model?: ReportModel;
  /** A History from fit (epoch logs and health), or the same as JSON. */
  history?: { epoch: number[]; history: Record<string, number[]>; health?: TrainingHealth | undefined };
  /** The loss of each batch (a dashboard callback collects it). */
  batchLoss?: number[];
  diagnosis?: Diagnosis;
  /** analyze(model, x, y) of one set, and that set's inputs when they are images (for the galleries). */
  analysis?: Analysis;
  /** The analysed examples: their inputs and labels (for the galleries) and the image shape. */
  examples?: { x: Float32Array; y: ArrayLike<number>; image: { height: number; width: number; channels?: number } };
  classNames?: readonly string[];
  mislabels?: SuspectedMislabel[];
  learningCurve?: LearningCurve;
  study?: PlotStudy & { studyName?: string };
  status?: 'running' | 'done';
}

const round = (v: number, digits = 6): number => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

let toBase64: (bytes: Uint8Array) => string = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
/** Node's Buffer is faster than btoa for large images; the Node entry installs it. */
export function setBase64Encoder(f: (bytes: Uint8Array) => string): void {
  toBase64 = f;
}

/** A PNG data URL of one image (values scaled from [lo, hi] to 0-255), enlarged `scale` times. */
export function imageUrl(values: ArrayLike<number>, h: number, w: number, c: number, scale = 2, lo?: number, hi?: number): string {
  let a = lo,
    b = hi;
  if (a === undefined || b === undefined) {
    a = Infinity;
    b = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < a) a = v;
      if (v > b) b = v;
    }
  }
  const span = b - a || 1;
  const ch = c === 3 ? 3 : 1;
  const pixels = new Uint8Array(h * scale * w * scale * ch);
  for (let y = 0; y < h * scale; y++)
    for (let x = 0; x < w * scale; x++)
      for (let k = 0; k < ch; k++) {
        const v = values[((Math.floor(y / scale) * w + Math.floor(x / scale)) * c + k) as number]!;
        pixels[(y * w * scale + x) * ch + k] = Math.max(0, Math.min(255, Math.round(((v - a) / span) * 255)));
      }
  return `data:image/png;base64,${toBase64(encodePng(pixels, w * scale, h * scale, ch as 1 | 3))}`;
}

/** Precision, recall, F1 and the error rates of each class, from a confusion matrix (rows true, columns predicted). */
export function perClassRows(counts: number[][], labels: readonly string[]): ClassRow[] {
  const k = counts.length;
  const total = counts.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0);
  return Array.from({ length: k }, (_, i) => {
    const tp = counts[i]![i]!;
    const support = counts[i]!.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let r = 0; r < k; r++) predicted += counts[r]![i]!;
    const fp = predicted - tp,
      fn = support - tp,
      tn = total - tp - fp - fn;
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    return {
      label: labels[i] ?? String(i),
      support,
      precision: round(precision),
      recall: round(recall),
      f1: round(precision + recall ? (2 * precision * recall) / (precision + recall) : 0),
      fpr: round(fp + tn ? fp / (fp + tn) : 0),
      fnr: round(support ? fn / support : 0),
      specificity: round(fp + tn ? tn / (fp + tn) : 0),
    };
  });
}

/** The first layer with weights that can be drawn as images of the input: dense rows or conv filters. */
function firstLayerImages(model: ReportModel, image: { height: number; width: number; channels?: number } | undefined): ReportGallery | undefined {
  if (!image) return undefined;
  const c = image.channels ?? 1;
  const names = model.weightNames();
  const weights = model.getWeights();
  const i = names.findIndex((n) => /kernel$/.test(n));
  if (i < 0) return undefined;
  const k = weights[i]!;
  const config = model.getConfig();
  const layer = config.layers.find((l) => l.className === 'Dense' || l.className === 'Conv2D');
  if (!layer) return undefined;
  const items: ReportImage[] = [];
  const max = 64;
  if (layer.className === 'Dense') {
    const inputs = image.height * image.width * c;
    if (k.length % inputs !== 0) return undefined;
    const units = k.length / inputs;
    // kernel is inputs x units (row-major): unit u's weights are column u
    for (let u = 0; u < Math.min(units, max); u++) {
      const col = new Float32Array(inputs);
      for (let j = 0; j < inputs; j++) col[j] = k[j * units + u]!;
      const m = Math.max(...col.map(Math.abs)) || 1;
      items.push({ src: imageUrl(col, image.height, image.width, c, image.height < 16 ? 6 : 2, -m, m), caption: `unit ${u}` });
    }
    return { title: `first layer: the weights of each of the ${units} units as an image`, note: 'gray is 0, white positive, black negative', items };
  }
  const ks = layer.config.kernelSize as number[] | number;
  const [kh, kw] = Array.isArray(ks) ? [ks[0]!, ks[1] ?? ks[0]!] : [ks, ks];
  const filters = layer.config.filters as number;
  const taps = kh * kw * c;
  if (k.length !== taps * filters) return undefined;
  // kernel is kh x kw x inChannels x filters: filter f's taps are every filters-th value
  for (let f = 0; f < Math.min(filters, max); f++) {
    const w = new Float32Array(taps);
    for (let j = 0; j < taps; j++) w[j] = k[j * filters + f]!;
    const m = Math.max(...w.map(Math.abs)) || 1;
    items.push({ src: imageUrl(w, kh, kw, c, 8, -m, m), caption: `filter ${f}` });
  }
  return { title: `first layer: the ${filters} ${kh}x${kw} filters`, note: 'gray is 0, white positive, black negative', items };
}

function galleriesOf(input: ReportInput, labels: readonly string[]): ReportGallery[] {
  const a = input.analysis,
    ex = input.examples;
  if (!a || !ex) return [];
  const { height: h, width: w } = ex.image;
  const c = ex.image.channels ?? 1;
  const size = h * w * c;
  if (ex.x.length !== a.predictions.length * size) return [];
  const scale = h < 16 ? 6 : 2;
  const img = (i: number): string => imageUrl(ex.x.subarray(i * size, (i + 1) * size), h, w, c, scale);
  const classes = a.probabilities.length / a.predictions.length;
  const name = (k: number): string => labels[k] ?? String(k);
  const errors: ReportImage[] = [];
  for (let i = 0; i < a.predictions.length && errors.length < 40; i++) {
    const p = a.predictions[i]!,
      t = ex.y[i]!;
    if (p !== t)
      errors.push({ src: img(i), caption: `#${i} true ${name(t)}, predicted ${name(p)} (${(100 * a.probabilities[i * classes + p]!).toFixed(0)}%)` });
  }
  const out: ReportGallery[] = [{ title: 'error gallery: misclassified examples', note: `${errors.length} shown`, items: errors }];
  out.push({
    title: 'hesitant examples: the two most probable classes are close',
    items: a.hesitant.slice(0, 24).map((hz) => ({
      src: img(hz.index),
      caption: `#${hz.index} ${name(hz.label)} ${(100 * hz.probability).toFixed(0)}% vs ${name(hz.runnerUp)} ${(100 * hz.runnerUpProbability).toFixed(0)}%${hz.trueLabel !== undefined ? `, true ${name(hz.trueLabel)}` : ''}`,
    })),
  });
  if (input.mislabels?.length)
    out.push({
      title: 'suspected mislabels: the given label is the least probable to the model',
      items: input.mislabels
        .filter((m) => m.index < a.predictions.length)
        .slice(0, 24)
        .map((m) => ({
          src: img(m.index),
          caption: `#${m.index} labelled ${name(m.label)} (${(100 * m.labelProbability).toFixed(1)}%), looks like ${name(m.predictedLabel)} (${(100 * m.predictedProbability).toFixed(0)}%)`,
        })),
    });
  return out;
}

function studyData(study: PlotStudy & { studyName?: string }): NonNullable<ReportData['study']> {
  const trials = study.getTrials();
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const single = study.directions.length === 1;
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.values);
  const safe = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch {
      return fallback;
    }
  };
  return {
    name: study.studyName ?? 'study',
    directions: [...study.directions],
    counts,
    history: single ? plotData.optimizationHistory(study) : null,
    intermediate: plotData.intermediateValues(study),
    parallel: single && complete.length ? plotData.parallelCoordinate(study) : null,
    // importances need a few finished trials with varied parameters
    importances: single && complete.length >= 2 ? safe(() => plotData.paramImportances(study), []) : [],
    slices: single ? plotData.slice(study) : {},
    pareto: single ? null : plotData.paretoFront(study),
  };
}

/**
 * Collects what the report shows from a run's objects into plain JSON.
 *
 * @example
 * ```ts
 * const data = report.reportData({ model, history, diagnosis, analysis: analyze(model, xTest, yTest) });
 * data.perClass?.[0]; // { label: '0', support: 98, precision: 0.99, recall: 0.98, ... }
 * ```
 */
export function reportData(input: ReportInput): ReportData {
  if (input === null || typeof input !== 'object')
    throw new TypeError(`report: expected { model, history, diagnosis, analysis, study }, got ${describe(input)}`);
  const labels = input.classNames ?? (input.analysis ? Array.from({ length: input.analysis.confusion.length }, (_, i) => String(i)) : []);
  const d: ReportData = {
    version: 1,
    title: input.title ?? 'knobs report',
    createdAt: new Date().toISOString(),
    status: input.status ?? 'done',
    notes: input.notes ?? [],
  };
  if (input.model) d.model = { summary: input.model.summary(() => {}), params: input.model.countParams() };
  if (input.history) {
    const series: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(input.history.history)) series[k] = v.map((x) => round(x));
    d.epochs = { epoch: [...input.history.epoch], series };
    const hh = input.history.health;
    if (hh && hh.steps.length) {
      let flags: string[] = [];
      try {
        flags = diagnoseHealth(hh).flags.map((f) => f.message);
      } catch {
        flags = [];
      }
      d.health = { steps: [...hh.steps], loss: hh.loss.map((x) => round(x)), layers: hh.layers, flags };
    }
  }
  if (input.batchLoss) d.batches = { loss: input.batchLoss.map((x) => round(x)) };
  if (input.diagnosis) {
    const g = input.diagnosis;
    d.ladder = {
      ...g.errors,
      avoidableBias: g.avoidableBias,
      variance: g.variance,
      dataMismatch: g.dataMismatch,
      devOverfit: g.devOverfit,
      verdict: g.verdict,
      focus: g.focus,
      knobs: g.knobs,
      notes: g.notes,
    };
  }
  if (input.analysis) {
    const a = input.analysis;
    d.accuracy = a.accuracy;
    d.confusion = { labels: [...labels], counts: a.confusion.map((r) => [...r]) };
    d.perClass = perClassRows(a.confusion, labels);
    const g = galleriesOf(input, labels);
    if (g.length) d.galleries = g;
  }
  if (input.model) {
    const w = firstLayerImages(input.model, input.examples?.image);
    if (w) d.weights = w;
  }
  if (input.learningCurve) {
    const lc = input.learningCurve;
    d.learningCurve = { points: lc.points.map((p) => ({ ...p })), verdict: lc.verdict, explanation: lc.explanation };
  }
  if (input.study) d.study = studyData(input.study);
  return d;
}
