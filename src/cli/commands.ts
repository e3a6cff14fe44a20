/**
 * `knobs evaluate`, `predict`, `diagnose` and `report`: the commands that read a trained model
 * or a run folder.
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';
import { bool, CliError, num, type CommandSpec, type Parsed } from './args';
import { loadData, type LoadedData } from './data';
import { loadCliModel, type CliModelMeta } from './model';
import type { Out } from './shared';

const pct = (x: number | undefined | null): string => (x === undefined || x === null ? '-' : `${(100 * x).toFixed(2)}%`);

export const EVALUATE: CommandSpec = {
  name: 'evaluate',
  summary: 'Evaluate a trained model on labelled DATA: loss and metrics, and for classifiers the error rate and the per-class report.',
  positionals: [
    { name: 'MODEL', help: 'a run folder or its model.json' },
    { name: 'DATA', help: 'a CSV file with the label column, an IDX pair, mnist or fashion-mnist' },
  ],
  flags: { json: { type: 'boolean', help: 'print the results as JSON' } },
  epilog: ['example:', '  knobs evaluate runs/digits data/digits-test.csv'],
};

export const PREDICT: CommandSpec = {
  name: 'predict',
  summary: 'Predict DATA with a trained model, one CSV line per example on stdout: the prediction, and for classifiers the probability of each class.',
  positionals: [
    { name: 'MODEL', help: 'a run folder or its model.json' },
    { name: 'DATA', help: 'a CSV file (the label column may be absent), an IDX pair, mnist or fashion-mnist' },
  ],
  flags: {},
  epilog: ['example:', '  knobs predict runs/digits new-digits.csv > predictions.csv'],
};

export const DIAGNOSE: CommandSpec = {
  name: 'diagnose',
  summary:
    'Print the diagnosis of a training run: the error ladder, avoidable bias, variance, data mismatch, dev overfitting, the verdict and the knobs to turn.',
  positionals: [{ name: 'RUN', help: 'a run folder written by knobs train' }],
  flags: {
    'human-level-error': { type: 'string', value: 'RATE', help: 'diagnose against another human-level error (a fraction)' },
    json: { type: 'boolean', help: 'print the diagnosis as JSON' },
  },
};

export const REPORT: CommandSpec = {
  name: 'report',
  summary: "Write a run's report.html again from its run.json and print its path (or open it in the browser with --open).",
  positionals: [{ name: 'RUN', help: 'a run folder written by knobs train or knobs tune' }],
  flags: { open: { type: 'boolean', help: 'open the report in $BROWSER, else the default browser (open, explorer or xdg-open)' } },
};

/** Reads DATA for a trained model, the way training read it. */
async function dataForModel(spec: string, meta: CliModelMeta | undefined, unlabeled: boolean): Promise<LoadedData> {
  if (meta?.encoding) {
    try {
      return await loadData(spec, { encoding: meta.encoding });
    } catch (e) {
      if (!unlabeled) throw e;
      return loadData(spec, { encoding: meta.encoding, unlabeled: true });
    }
  }
  return loadData(spec, { ...(meta?.label ? { label: meta.label } : {}), ...(meta?.task ? { task: meta.task } : {}) });
}

function checkFeatures(model: knobs.LayersModel, d: LoadedData, modelPath: string): void {
  if (d.data.features !== model.inputSize)
    throw new CliError(`${d.source} has ${d.data.features} features, but the model ${modelPath} takes ${model.inputSize}`);
}

/** Runs `knobs evaluate`. */
export async function evaluate(p: Parsed, out: Out): Promise<number> {
  const { model, meta } = await loadCliModel(p.positionals.MODEL!);
  const d = await dataForModel(p.positionals.DATA!, meta, false);
  checkFeatures(model, d, p.positionals.MODEL!);
  const result: Record<string, unknown> = { examples: d.data.length, ...(model.evaluate(d.data.x, d.data.y) as unknown as Record<string, number>) };
  let classReport: string | undefined;
  if (d.data.classes !== undefined && model.outputSize > 1) {
    const a = knobs.analyze.analyze(model, d.data.x, d.data.y as Int32Array);
    result.errorRate = a.errorRate;
    result.confusion = a.confusion;
    classReport = a.report;
  }
  if (bool(p, 'json')) out.log(JSON.stringify(result, null, 2));
  else {
    out.log(`${d.source}: ${d.data.length} examples`);
    for (const [k, v] of Object.entries(result))
      if (typeof v === 'number' && k !== 'examples') out.log(`  ${k.padEnd(10)} ${k === 'errorRate' ? pct(v) : v.toPrecision(5)}`);
    if (classReport) out.log(`\n${classReport}`);
  }
  return 0;
}

const csvField = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Runs `knobs predict`: CSV on stdout. */
export async function predict(p: Parsed, out: Out): Promise<number> {
  const { model, meta } = await loadCliModel(p.positionals.MODEL!);
  const d = await dataForModel(p.positionals.DATA!, meta, true);
  checkFeatures(model, d, p.positionals.MODEL!);
  const probs = model.predict(d.data.x);
  const k = model.outputSize;
  const lines: string[] = [];
  if ((meta?.task ?? (k > 1 ? 'classification' : 'regression')) === 'classification') {
    const names = meta?.classNames ?? Array.from({ length: k }, (_, i) => String(i));
    lines.push(['prediction', ...names.map((n) => `p_${n}`)].map(csvField).join(','));
    const pred = knobs.analyze.argmaxRows(probs, k);
    for (let i = 0; i < pred.length; i++) {
      const row = [csvField(names[pred[i]!] ?? String(pred[i]))];
      for (let j = 0; j < k; j++) row.push(String(Number(probs[i * k + j]!.toPrecision(6))));
      lines.push(row.join(','));
    }
  } else {
    lines.push(k === 1 ? 'prediction' : Array.from({ length: k }, (_, j) => `prediction_${j}`).join(','));
    for (let i = 0; i < probs.length / k; i++) lines.push(Array.from(probs.subarray(i * k, (i + 1) * k), (v) => String(Number(v.toPrecision(7)))).join(','));
  }
  out.log(lines.join('\n'));
  return 0;
}

interface RunJson {
  version: number;
  errors?: knobs.DiagnoseErrors;
  counts?: Record<string, number>;
  thresholds?: knobs.DiagnoseThresholds;
  report?: report.ReportData;
  task?: string;
}

/** Reads RUN/run.json, with one-line errors for a missing or foreign folder. */
export function readRun(dir: string): RunJson {
  if (!existsSync(dir)) throw new CliError(`${dir}: no such run folder`);
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is a file: RUN is a folder written by knobs train or knobs tune`);
  const file = join(dir, 'run.json');
  if (!existsSync(file)) throw new CliError(`${dir}: not a run folder (no run.json; knobs train and knobs tune write one)`);
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as RunJson;
    if (r.version !== 1) throw new Error(`unknown version ${String(r.version)}`);
    return r;
  } catch (e) {
    throw new CliError(`${file}: unreadable run file: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Runs `knobs diagnose`. */
export async function diagnoseRun(p: Parsed, out: Out): Promise<number> {
  const dir = p.positionals.RUN!;
  const run = readRun(dir);
  if (!run.errors)
    throw new CliError(`${dir}: the run has no error rates to diagnose (${run.task === 'regression' ? 'a regression run' : 'not a training run'})`);
  const hle = num(p, 'human-level-error', run.errors.humanLevelError, (v) => v >= 0 && v < 1, 'a fraction in [0, 1) (0.01 is 1%)')!;
  const d = knobs.diagnose(
    { ...run.errors, humanLevelError: hle },
    { ...(run.counts ? { counts: run.counts } : {}), ...(run.thresholds ? { thresholds: run.thresholds } : {}) },
  );
  if (bool(p, 'json')) out.log(JSON.stringify(d, null, 2));
  else {
    const e = d.errors;
    out.log(
      `error rates: human level ${pct(e.humanLevelError)}   train ${pct(e.trainError)}   train-dev ${pct(e.trainDevError)}   dev ${pct(e.devError)}   test ${pct(e.testError)}\n`,
    );
    out.log(knobs.formatDiagnosis(d));
  }
  return 0;
}

/** Runs `knobs report`. */
export async function reportRun(p: Parsed, out: Out): Promise<number> {
  const dir = p.positionals.RUN!;
  const run = readRun(dir);
  if (!run.report) throw new CliError(`${dir}: run.json holds no report data`);
  const path = resolve(dir, 'report.html');
  await report.write(path, run.report);
  if (bool(p, 'open')) {
    // $BROWSER first, as git, Python's webbrowser and many CLIs read it
    const opener = process.env.BROWSER || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
    const child = spawn(opener, [path], { detached: true, stdio: 'ignore' });
    child.on('error', () => out.err(`could not start ${opener}; open ${path} in a browser`));
    child.unref();
  }
  out.log(path);
  return 0;
}
