/**
 * `knobs tune SEARCH.{js,json}`: a study whose search space and objective come from a small
 * file, stored in a journal file (the format optuna-dashboard and Optuna's JournalStorage read),
 * continued with `--resume`, with the live dashboard and a report.html at the end.
 *
 * A `.js` search file exports `objective(trial, { knobs, tune })` (default export or named; `tune`
 * is `knobs/tune`, for `tune.TrialPruned`), and
 * optionally `direction`/`directions`. A `.json` search file describes an MLP search on a data set:
 * `{ "data": "mnist", "label": "...", "epochs": 3, "limit": 3000, "space": { "lr": { "type": "float",
 * "low": 1e-4, "high": 1e-2, "log": true }, "units": { "type": "int", "low": 16, "high": 256 } } }`;
 * its objective is the dev error, reported per epoch so the pruner can stop bad trials early.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as knobs from '../../build/entry.node';
import * as report from '../../build/entry.report.node';
import * as tuning from '../../build/entry.tune.node';
import { bool, CliError, int, num, str, UsageError, type CommandSpec, type Parsed } from './args';
import { loadData } from './data';
import { buildModel, compileModel, OPTIMIZERS } from './model';
import { startDashboard, type Out } from './shared';

export const TUNE: CommandSpec = {
  name: 'tune',
  summary: 'Run a hyperparameter study whose search space and objective come from SEARCH (a .js or .json file), stored in a journal file.',
  positionals: [{ name: 'SEARCH', help: 'a .js file exporting objective(trial, { knobs, tune }), or a .json search over an MLP' }],
  flags: {
    trials: {
      type: 'string',
      value: 'N',
      help: 'trials to run (with --resume, and on redis://: until the study has N finished trials, counted across every process) (default 20)',
    },
    storage: {
      type: 'string',
      value: 'URL',
      help: 'journal:FILE (default journal:<SEARCH name>.journal) or redis://HOST:PORT, shared by every process on the study; Optuna and optuna-dashboard read both',
    },
    heartbeat: {
      type: 'string',
      value: 'SECONDS',
      help: 'heartbeat of running trials; a trial silent for two is failed and retried by the others (default 60 on redis://, none on a journal file)',
    },
    'study-name': { type: 'string', value: 'NAME', help: 'the study in the storage (default: the SEARCH file name)' },
    concurrency: { type: 'string', value: 'N|auto', help: 'trials run at once; auto: one per core (default 1)' },
    resume: { type: 'boolean', help: 'continue the study of that name in the storage (on redis:// a study that exists is always joined)' },
    timeout: { type: 'string', value: 'SECONDS', help: 'start no new trial after this time' },
    seed: { type: 'string', value: 'N', help: 'seed of the sampler' },
    out: { type: 'string', value: 'DIR', help: 'where report.html and run.json go (default runs/<study name>)' },
    dashboard: { type: 'boolean', help: 'serve a live page of the study on 127.0.0.1' },
    port: { type: 'string', value: 'N', help: 'port of the dashboard (default: a free one)' },
  },
  epilog: [
    'examples:',
    '  knobs tune search.json --trials 30 --storage journal:study.journal',
    '  knobs tune search.js --trials 50 --concurrency 2 --resume --dashboard',
    '  knobs tune search.json --trials 100 --storage redis://tuning.lan:6379 --concurrency auto   (the same on every machine: 100 in all)',
  ],
};

type Objective = (trial: tuning.Trial, context: { knobs: typeof knobs; tune: typeof tuning }) => number | number[] | Promise<number | number[]>;
interface SearchModule {
  objective: Objective;
  direction?: tuning.StudyDirection;
  directions?: tuning.StudyDirection[];
}

interface ParamSpec {
  type: 'float' | 'int' | 'categorical';
  low?: number;
  high?: number;
  log?: boolean;
  step?: number;
  choices?: (string | number | boolean | null)[];
}

interface JsonSearch {
  data: string;
  label?: string;
  epochs?: number;
  limit?: number;
  batchSize?: number;
  space: Record<string, ParamSpec>;
}

const KNOWN_PARAMS = ['lr', 'units', 'layers', 'dropout', 'batchSize', 'optimizer'];

function suggest(trial: tuning.Trial, name: string, s: ParamSpec, file: string): unknown {
  if (s.type === 'float') return trial.suggestFloat(name, s.low!, s.high!, { ...(s.log ? { log: true } : {}), ...(s.step ? { step: s.step } : {}) });
  if (s.type === 'int') return trial.suggestInt(name, s.low!, s.high!, { ...(s.log ? { log: true } : {}), ...(s.step ? { step: s.step } : {}) });
  if (s.type === 'categorical') return trial.suggestCategorical(name, s.choices!);
  throw new CliError(`${file}: space.${name}.type must be float, int or categorical, got ${JSON.stringify((s as { type: unknown }).type)}`);
}

/** The objective of a JSON search: the dev error of an MLP trained with the suggested settings. */
async function jsonSearch(file: string): Promise<SearchModule> {
  let spec: JsonSearch;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8')) as JsonSearch;
  } catch (e) {
    throw new CliError(`${file}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof spec?.data !== 'string') throw new CliError(`${file}: "data" must name the data (a CSV path, mnist, ...)`);
  if (spec.space === null || typeof spec.space !== 'object')
    throw new CliError(`${file}: "space" must map parameter names to { type, low, high } or { type, choices }`);
  for (const k of Object.keys(spec.space))
    if (!KNOWN_PARAMS.includes(k)) throw new CliError(`${file}: unknown parameter space.${k}; known: ${KNOWN_PARAMS.join(', ')}`);
  const dataPath = spec.data.includes('/') || spec.data.endsWith('.csv') ? resolve(file, '..', spec.data) : spec.data;
  const loaded = await loadData(dataPath, { ...(spec.label ? { label: spec.label } : {}), ...(spec.limit ? { limit: spec.limit } : {}) });
  const all = loaded.data;
  if (all.classes === undefined) throw new CliError(`${file}: JSON searches are for classification; write a .js search for regression`);
  const { train, dev } = knobs.data.trainDevTestSplit(all, { ratios: [0.7, 0.15, 0.15], seed: 1 });
  return {
    direction: 'minimize',
    async objective(trial) {
      const p: Record<string, unknown> = {};
      for (const [name, s] of Object.entries(spec.space)) p[name] = suggest(trial, name, s, file);
      const units = (p.units as number | undefined) ?? 64;
      const model = buildModel({
        features: all.features,
        outputs: all.classes!,
        task: 'classification',
        layers: Array.from({ length: (p.layers as number | undefined) ?? 1 }, () => units),
        conv: false,
        seed: 1,
        dropout: (p.dropout as number | undefined) ?? 0,
      });
      const optimizer = (p.optimizer as string | undefined) ?? 'adam';
      if (!(OPTIMIZERS as readonly string[]).includes(optimizer)) throw new CliError(`${file}: unknown optimizer ${JSON.stringify(optimizer)}`);
      compileModel(model, 'classification', optimizer, (p.lr as number | undefined) ?? 1e-3);
      let devError = 1;
      await model.fit(train.x, train.y, {
        epochs: spec.epochs ?? 3,
        batchSize: (p.batchSize as number | undefined) ?? spec.batchSize ?? 64,
        verbose: 0,
        validationData: [dev.x, dev.y],
        callbacks: [
          {
            onEpochEnd: (epoch: number, logs?: Record<string, number>) => {
              devError = 1 - (logs?.val_accuracy ?? 0);
              trial.report(devError, epoch);
              if (trial.shouldPrune()) throw new tuning.TrialPruned(`pruned at epoch ${epoch}`);
            },
          },
        ],
      });
      model.dispose();
      return devError;
    },
  };
}

async function jsSearch(file: string): Promise<SearchModule> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`${file}: cannot load: ${(e as Error).message.split('\n')[0]}`);
  }
  const def = (mod.default ?? {}) as Record<string, unknown>;
  const objective = (typeof mod.default === 'function' ? mod.default : (mod.objective ?? def.objective)) as Objective | undefined;
  if (typeof objective !== 'function') throw new CliError(`${file}: export a function objective(trial, { knobs, tune }) (named, or as the default export)`);
  const direction = (mod.direction ?? def.direction) as tuning.StudyDirection | undefined;
  const directions = (mod.directions ?? def.directions) as tuning.StudyDirection[] | undefined;
  return { objective, ...(direction ? { direction } : {}), ...(directions ? { directions } : {}) };
}

/** Runs `knobs tune`. */
export async function tune(p: Parsed, out: Out): Promise<number> {
  const file = p.positionals.SEARCH!;
  const nTrials = int(p, 'trials', 20);
  const concurrency = str(p, 'concurrency') === 'auto' ? availableParallelism() : int(p, 'concurrency', 1, 1, 64);
  const timeout = num(p, 'timeout', undefined);
  const seed = str(p, 'seed') === undefined ? undefined : int(p, 'seed', 0, 0);
  const port = str(p, 'port') === undefined ? undefined : int(p, 'port', 0, 0, 65535);
  if (port !== undefined && !bool(p, 'dashboard')) throw new UsageError('--port is the port of the dashboard: add --dashboard');
  const ext = /\.(m?js|json)$/i.exec(file)?.[1]?.toLowerCase();
  if (!ext) throw new UsageError(`SEARCH must be a .js, .mjs or .json file, got ${JSON.stringify(file)}`);
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  const name = str(p, 'study-name') ?? basename(file).replace(/\.(m?js|json)$/i, '');
  const storage = str(p, 'storage') ?? `journal:${file.replace(/\.(m?js|json)$/i, '')}.journal`;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(storage)) throw new UsageError(`--storage must be a URL such as journal:FILE, got ${JSON.stringify(storage)}`);
  const outDir = resolve(str(p, 'out') ?? join('runs', name));
  // a study on a server is shared: every process started on it joins it
  const joining = bool(p, 'resume') || /^rediss?:/i.test(storage);
  // a study shared through a server: a crashed process's trials must not stay RUNNING for ever
  const heartbeat = str(p, 'heartbeat') === undefined ? (/^rediss?:/i.test(storage) ? 60 : undefined) : num(p, 'heartbeat', undefined);
  if (heartbeat !== undefined && !(heartbeat > 0)) throw new UsageError(`--heartbeat must be a positive number of seconds, got ${str(p, 'heartbeat')}`);

  const dash = bool(p, 'dashboard') ? await startDashboard(`knobs tune ${file}`, port, out) : undefined;
  let opened: { close?: () => Promise<void> } | undefined;
  try {
    const search = ext === 'json' ? await jsonSearch(file) : await jsSearch(file);
    let study: tuning.Study;
    try {
      study = tuning.createStudy({
        storage,
        studyName: name,
        loadIfExists: joining,
        ...(search.directions ? { directions: search.directions } : { direction: search.direction ?? 'minimize' }),
        ...(seed !== undefined ? { sampler: tuning.tpeSampler({ seed }) } : {}),
        ...(heartbeat !== undefined ? { heartbeatInterval: heartbeat } : {}),
      });
      opened = study.storage as { close?: () => Promise<void> };
      await study.ready();
    } catch (e) {
      if (e instanceof tuning.DuplicatedStudyError)
        throw new CliError(`study ${JSON.stringify(name)} already exists in ${storage}: pass --resume to continue it, or --study-name for a new one`);
      throw new CliError(`${storage}: ${(e as Error).message.split('\n')[0]}`);
    }
    const FINISHED = ['COMPLETE', 'PRUNED', 'FAIL'] as const;
    const finished = (): number => study.getTrials({ states: FINISHED }).length;
    const todo = joining ? Math.max(0, nTrials - finished()) : nTrials;
    if (bool(p, 'resume') || finished() > 0)
      out.err(`${bool(p, 'resume') ? 'resuming' : 'joining'} study ${name}: ${finished()} trials finished, ${todo} to run`);
    const snapshot = (status: 'running' | 'done'): report.ReportData =>
      report.reportData({
        title: `knobs tune ${file}`,
        status,
        notes: [`study ${name} in ${storage}`],
        study: Object.assign(study, { studyName: name }),
      });
    let failures = 0;
    if (todo > 0)
      await study.optimize((trial: tuning.Trial) => search.objective(trial, { knobs, tune: tuning }), {
        nTrials: todo,
        concurrency,
        ...(timeout !== undefined ? { timeout } : {}),
        catch: (e) => !(e instanceof CliError),
        callbacks: [
          // other processes on the same storage add trials too: stop at N finished in all
          ...(joining ? [tuning.maxTrialsCallback(nTrials, { states: FINISHED })] : []),
          (_s, t) => {
            if (t.state === 'FAIL') failures++;
            const v = t.values ? t.values.map((x) => x.toPrecision(4)).join(', ') : t.state.toLowerCase();
            out.err(`trial ${t.number}: ${v} ${JSON.stringify(t.params)}`);
            dash?.update(snapshot('running'));
          },
        ],
      });
    const data = snapshot('done');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'run.json'), JSON.stringify({ version: 1, study: name, storage, report: data }));
    await report.write(join(outDir, 'report.html'), data);
    dash?.update(data);
    const complete = study.getTrials({ states: ['COMPLETE'] });
    if (complete.length && study.directions.length === 1) {
      const b = study.bestTrial;
      out.log(`best trial ${b.number}: value ${b.value} params ${JSON.stringify(b.params)}`);
    } else if (complete.length) out.log(`${study.bestTrials.length} trials on the Pareto front`);
    out.log(`wrote ${outDir}: report.html, run.json; the study is in ${storage}`);
    if (!complete.length && todo > 0) throw new CliError(`no trial completed (${failures} failed): see the messages above`);
    return 0;
  } finally {
    await dash?.close();
    // a server connection (redis://) would keep the process alive
    await opened?.close?.();
  }
}
