/**
 * `Study`: a search for good hyperparameters, as in Optuna. A study holds trials in a
 * storage; a sampler proposes the next trial's values, a pruner stops hopeless trials early.
 *
 * - `optimize(objective, { nTrials, timeout, concurrency })` runs trials (the "caviar"
 *   strategy when `concurrency` > 1 and the objective trains elsewhere);
 * - `ask()` / `tell()` for users who run trials themselves;
 * - `enqueueTrial(params)` puts a best guess first;
 * - `bestTrial`, `bestValue`, `bestParams`; `bestTrials` (the Pareto front) for several
 *   objectives; `constraintsFunc` marks trials that break satisficing metrics infeasible,
 *   and infeasible trials are never best;
 * - with a journal storage, a study survives crashes: the trials a dead process was running
 *   are marked FAIL and rerun with the same parameters, and the sampler continues from the
 *   history.
 * @module
 */
import { CategoricalDistribution, type Distribution, FloatDistribution, IntDistribution, type ParamValue } from './distributions';
import { DuplicatedStudyError, StorageError, isTrialPruned } from './errors';
import { type Executor, type Objective, type ObjectiveValue, inProcessExecutor } from './executor';
import { type FrozenTrial, type JsonValue, type StudyDirection, type TrialState, type TrialTemplate, isFinished, lastStep } from './frozenTrial';
import { type MaybePromise, isPromise, andThen } from './maybe';
import type { Pruner } from './pruners/base';
import { medianPruner } from './pruners/median';
import { CONSTRAINTS_KEY, completedOrder, isFeasible, paretoFront } from './ranking';
import type { Sampler, StudyView } from './samplers/base';
import { tpeSampler } from './samplers/tpe/sampler';
import type { FrozenStudy, Storage } from './storages/base';
import { inMemoryStorage } from './storages/journal/storage';
import { storageFromUrl } from './storages/registry';
import { type Cell, type TrialsTableOptions, trialsTable } from './table';
import { Trial } from './trial';
import { randomUUID } from '../util/uuid';
import { checkBoolean, checkFunction, checkInteger, checkOptions, checkPositive, checkString, describe } from './validate';

/** Satisficing metrics: values <= 0 mean satisfied (Optuna's `constraints_func`). */
export type ConstraintsFunc = (trial: FrozenTrial) => readonly number[];

/** Options of {@link createStudy}. */
export interface CreateStudyOptions {
  /** 'minimize' (default) or 'maximize'. */
  direction?: StudyDirection;
  /** Several objectives, e.g. ['maximize', 'minimize'] for accuracy and latency. */
  directions?: readonly StudyDirection[];
  /** Default: `tpeSampler()`. */
  sampler?: Sampler;
  /** Default: `medianPruner()`, as Optuna. */
  pruner?: Pruner;
  /** A storage or a URL: 'journal:./study.jsonl' (Node), 'indexeddb:name' (browsers). Default: in memory. */
  storage?: Storage | string;
  /** Default: "no-name-<uuid>". */
  studyName?: string;
  /**
   * Continue the study of that name if the storage has it (default true, so that running the
   * same script again resumes; Optuna's default is false). Its directions must match the
   * ones given; when none are given, the stored ones hold.
   */
  loadIfExists?: boolean;
  /**
   * Constraint values of a finished trial; it is feasible when all are <= 0, e.g.
   * `(t) => [t.userAttrs.latencyMs - 100]`. Infeasible trials are never best.
   */
  constraintsFunc?: ConstraintsFunc;
  /** Mark RUNNING trials of writers that are gone as FAIL (default true). */
  failStaleTrials?: boolean;
  /** Rerun a stale trial with the same parameters up to this many times (default 3). */
  staleTrialRetries?: number;
  /** Seconds between heartbeats of running trials (default: none). */
  heartbeatInterval?: number;
  /** Seconds without a heartbeat after which a RUNNING trial is stale (default 2 heartbeats). */
  gracePeriod?: number;
}

/** Options of {@link loadStudy}. */
export interface LoadStudyOptions extends Omit<CreateStudyOptions, 'direction' | 'directions' | 'loadIfExists'> {
  studyName: string;
  storage: Storage | string;
}

/** Called after each trial of `optimize` (Optuna's callbacks). */
export type OptimizeCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/** Options of {@link Study.optimize}. */
export interface OptimizeOptions<O = Objective> {
  /** Trials to run in this call (default: until `timeout`, `stop()` or the grid is done). */
  nTrials?: number;
  /** Seconds after which no new trial starts (Optuna's unit). */
  timeout?: number;
  /** Trials run at once (default 1). */
  concurrency?: number;
  /** Where trials run (default: in this thread). */
  executor?: Executor<O>;
  /** Errors that fail a trial without stopping the study: classes, or a test. */
  catch?: readonly (abstract new (...args: never[]) => unknown)[] | ((error: unknown) => boolean);
  callbacks?: readonly OptimizeCallback[];
}

/** Options of {@link Study.tell}. */
export interface TellOptions {
  /** COMPLETE (with values), PRUNED or FAIL (without). Default: COMPLETE if the values are valid, else FAIL. */
  state?: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /** Do nothing for a trial that already finished (default false: that is an error). */
  skipIfFinished?: boolean;
}

const HEARTBEAT_KEY = 'knobs:heartbeat';
const FAIL_REASON_KEY = 'fail_reason';

function isStorage(x: unknown): x is Storage {
  const s = x as Storage;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof s.createNewTrial === 'function' &&
    typeof s.getAllTrials === 'function' &&
    typeof s.createNewStudy === 'function'
  );
}

/** A promise-based mutex: asks run one at a time so two never claim one WAITING trial. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(f: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise((r) => (release = r));
    await prev;
    try {
      return await f();
    } finally {
      release();
    }
  }
}

interface Resolved {
  storage: Storage;
  sampler: Sampler;
  pruner: Pruner;
  studyName: string;
  constraintsFunc: ConstraintsFunc | undefined;
  failStale: boolean;
  retries: number;
  heartbeatMs: number | undefined;
  graceMs: number | undefined;
}

function resolveOptions(fn: string, o: Record<string, unknown>): Resolved {
  let storage: Storage;
  if (o.storage === undefined) storage = inMemoryStorage();
  else if (typeof o.storage === 'string') storage = storageFromUrl(o.storage, fn);
  else if (isStorage(o.storage)) storage = o.storage;
  else throw new TypeError(`${fn}: options.storage must be a Storage or a URL string like "journal:./study.jsonl", got ${describe(o.storage)}`);
  const sampler = (o.sampler ?? tpeSampler()) as Sampler;
  if (typeof sampler !== 'object' || sampler === null || typeof sampler.sample !== 'function')
    throw new TypeError(`${fn}: options.sampler must be a sampler (an object with sample()), got ${describe(o.sampler)}`);
  const pruner = (o.pruner ?? medianPruner()) as Pruner;
  if (typeof pruner !== 'object' || pruner === null || typeof pruner.prune !== 'function')
    throw new TypeError(`${fn}: options.pruner must be a pruner (an object with prune()), got ${describe(o.pruner)}`);
  const studyName = o.studyName === undefined ? `no-name-${randomUUID()}` : checkString(fn, 'options.studyName', o.studyName);
  if (studyName === '') throw new RangeError(`${fn}: options.studyName must not be empty`);
  const constraintsFunc = o.constraintsFunc === undefined ? undefined : checkFunction<ConstraintsFunc>(fn, 'options.constraintsFunc', o.constraintsFunc);
  const failStale = o.failStaleTrials === undefined ? true : checkBoolean(fn, 'options.failStaleTrials', o.failStaleTrials);
  const retries = o.staleTrialRetries === undefined ? 3 : checkInteger(fn, 'options.staleTrialRetries', o.staleTrialRetries, 0);
  const heartbeatMs = o.heartbeatInterval === undefined ? undefined : checkPositive(fn, 'options.heartbeatInterval', o.heartbeatInterval) * 1000;
  const graceMs =
    o.gracePeriod === undefined ? (heartbeatMs === undefined ? undefined : 2 * heartbeatMs) : checkPositive(fn, 'options.gracePeriod', o.gracePeriod) * 1000;
  if (graceMs !== undefined && heartbeatMs === undefined)
    throw new RangeError(`${fn}: options.gracePeriod needs options.heartbeatInterval, got gracePeriod=${o.gracePeriod}`);
  return { storage, sampler, pruner, studyName, constraintsFunc, failStale, retries, heartbeatMs, graceMs };
}

const CREATE_KEYS = [
  'direction',
  'directions',
  'sampler',
  'pruner',
  'storage',
  'studyName',
  'loadIfExists',
  'constraintsFunc',
  'failStaleTrials',
  'staleTrialRetries',
  'heartbeatInterval',
  'gracePeriod',
];

function checkDirection(fn: string, name: string, d: unknown): StudyDirection {
  if (d !== 'minimize' && d !== 'maximize') throw new RangeError(`${fn}: ${name} must be 'minimize' or 'maximize', got ${describe(d)}`);
  return d;
}

/**
 * A study: trials, the sampler that proposes them, the pruner that stops them, the storage
 * that keeps them. Made by {@link createStudy} or {@link loadStudy}.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ direction: 'maximize', sampler: tune.tpeSampler({ seed: 1 }) });
 * await study.optimize((trial) => {
 *   const x = trial.suggestFloat('x', -10, 10);
 *   return -((x - 2) ** 2);
 * }, { nTrials: 30 });
 * console.log(study.bestParams, study.bestValue);
 * ```
 */
export class Study {
  readonly studyName: string;
  readonly storage: Storage;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly constraintsFunc: ConstraintsFunc | undefined;
  private studyId: number | undefined;
  private initError: unknown;
  private readonly init: MaybePromise<void>;
  private stopRequested = false;
  private readonly askMutex = new Mutex();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly heartbeats = new Map<number, ReturnType<typeof setInterval>>();
  /** Trials of this process whose end could not be written (the storage was unreachable): failed at the next ask. */
  private readonly orphans = new Set<number>();
  private readonly opts: Resolved;
  /** What samplers and pruners see. @internal */
  readonly view: StudyView;

  /** @internal Use {@link createStudy} or {@link loadStudy}. */
  constructor(options: Resolved, directions: readonly StudyDirection[] | null, loadIfExists: boolean, explicitDirections = true) {
    this.opts = options;
    this.studyName = options.studyName;
    this.storage = options.storage;
    this.sampler = options.sampler;
    this.pruner = options.pruner;
    this.constraintsFunc = options.constraintsFunc;
    const self = this;
    this.view = {
      get studyName() {
        return self.studyName;
      },
      get directions() {
        return self.directions;
      },
      getTrials: (o) => this.getTrials(o),
      setTrialSystemAttr: (id, key, value) => this.storage.setTrialSystemAttr(id, key, value),
      stop: () => this.stop(),
    };
    const storage = this.storage as Storage & { ready?: () => MaybePromise<void> };
    const found = andThen(storage.ready?.() ?? undefined, () => storage.getStudyIdFromName(this.studyName));
    const init = andThen(found, (id): MaybePromise<void> => {
      if (id !== undefined) {
        if (directions === null || loadIfExists) {
          const existing = storage.getStudy(id).directions;
          if (directions !== null && explicitDirections && (existing.length !== directions.length || existing.some((d, i) => d !== directions[i]))) {
            throw new RangeError(
              `createStudy: study ${JSON.stringify(this.studyName)} exists with directions ${JSON.stringify(existing)}, got ${JSON.stringify(directions)}`,
            );
          }
          this.studyId = id;
          return;
        }
        throw new DuplicatedStudyError(`createStudy: a study named ${JSON.stringify(this.studyName)} already exists; pass loadIfExists: true to continue it`);
      }
      if (directions === null)
        throw new StorageError(`loadStudy: no study named ${JSON.stringify(this.studyName)} in ${this.storage.location ?? 'the storage'}`);
      const created = (() => {
        try {
          return storage.createNewStudy(directions, this.studyName);
        } catch (e) {
          return Promise.reject(e);
        }
      })();
      const onCreated = (sid: number) => {
        this.studyId = sid;
      };
      const onError = (e: unknown): MaybePromise<void> => {
        // Another writer created it between our read and our write.
        if (e instanceof DuplicatedStudyError && loadIfExists) {
          return andThen(storage.getStudyIdFromName(this.studyName), (sid) => {
            this.studyId = sid;
          });
        }
        throw e;
      };
      return isPromise(created) ? created.then(onCreated, onError) : onCreated(created);
    });
    if (isPromise(init)) {
      this.init = init.catch((e) => {
        this.initError = e;
      });
    } else {
      this.init = init;
    }
  }

  /**
   * Resolves when the study is loaded from its storage (at once for memory and journal
   * files; IndexedDB and networked storages answer later). Rejects if it could not be.
   *
   * @example
   * ```ts
   * const study = await tune.createStudy({ storage: 'indexeddb:tuning', studyName: 'mlp' }).ready();
   * ```
   */
  async ready(): Promise<this> {
    await this.init;
    if (this.initError !== undefined) throw this.initError;
    return this;
  }

  private get id(): number {
    if (this.initError !== undefined) throw this.initError;
    if (this.studyId === undefined)
      throw new StorageError(`study ${JSON.stringify(this.studyName)} is still loading from its storage: await study.ready() first`);
    return this.studyId;
  }

  /** The storage's id of the study. */
  get studyIdInStorage(): number {
    return this.id;
  }

  get directions(): readonly StudyDirection[] {
    return this.storage.getStudy(this.id).directions;
  }

  /** The direction of a single-objective study. */
  get direction(): StudyDirection {
    const d = this.directions;
    if (d.length !== 1) throw new RangeError(`direction: this study has ${d.length} objectives; use directions`);
    return d[0]!;
  }

  get userAttrs(): Readonly<Record<string, JsonValue>> {
    return this.storage.getStudy(this.id).userAttrs;
  }

  /**
   * Records a value with the study.
   *
   * @example
   * ```ts
   * study.setUserAttr('dataset', 'mnist');
   * study.userAttrs.dataset; // 'mnist'
   * ```
   */
  setUserAttr(key: string, value: JsonValue): void {
    this.storage.setStudyUserAttr(this.id, checkString('setUserAttr', 'key', key), value);
  }

  /** Every trial, in number order. */
  get trials(): readonly FrozenTrial[] {
    return this.storage.getAllTrials(this.id);
  }

  /**
   * Trials, optionally of some states only.
   *
   * @example
   * ```ts
   * const pruned = study.getTrials({ states: ['PRUNED'] });
   * ```
   */
  getTrials(options: { states?: readonly TrialState[] } = {}): readonly FrozenTrial[] {
    return this.storage.getAllTrials(this.id, options.states);
  }

  /** The best feasible COMPLETE trial of a single-objective study. Throws if there is none. */
  get bestTrial(): FrozenTrial {
    if (this.directions.length > 1) throw new RangeError('bestTrial: this study has several objectives; use bestTrials (the Pareto front)');
    const best = completedOrder(this.view)[0];
    if (!best) throw new RangeError('bestTrial: no trial has completed yet');
    if (!isFeasible(best)) throw new RangeError('bestTrial: no completed trial satisfies the constraints');
    return best;
  }

  get bestValue(): number {
    return this.bestTrial.value!;
  }

  get bestParams(): Readonly<Record<string, ParamValue>> {
    return this.bestTrial.params;
  }

  /**
   * The feasible COMPLETE trials no other one dominates (the Pareto front), in number order.
   *
   * @example
   * ```ts
   * const study = tune.createStudy({ directions: ['maximize', 'minimize'] });
   * await study.optimize((t) => [accuracyOf(t), latencyMsOf(t)], { nTrials: 50 });
   * for (const t of study.bestTrials) console.log(t.values, t.params);
   * ```
   */
  get bestTrials(): FrozenTrial[] {
    const done = this.getTrials({ states: ['COMPLETE'] }).filter((t) => t.values && isFeasible(t));
    return paretoFront(done, this.directions);
  }

  /**
   * The trials as a table (Optuna's `trials_dataframe`): rows, JSON or CSV. See `table.ts`
   * for the columns.
   *
   * @example
   * ```ts
   * writeFileSync('trials.csv', study.trialsTable({ format: 'csv' }));
   * const rows = study.trialsTable(); // [{ number: 0, value: 0.9, params_lr: 0.001, state: 'COMPLETE', ... }]
   * ```
   */
  trialsTable(options?: TrialsTableOptions & { format?: 'rows' }): Record<string, Cell>[];
  trialsTable(options: TrialsTableOptions & { format: 'json' | 'csv' }): string;
  trialsTable(options: TrialsTableOptions = {}): Record<string, Cell>[] | string {
    return trialsTable(this.trials, this.directions.length, options);
  }

  /**
   * Stops `optimize` after the trials that are running.
   *
   * @example
   * ```ts
   * await study.optimize(objective, { callbacks: [(s, t) => { if (t.value! > 0.99) s.stop(); }] });
   * ```
   */
  stop(): void {
    this.stopRequested = true;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Adds a trial with given parameters to run next (a best guess first). Parameters the
   * objective suggests and `params` does not fix are sampled as usual.
   *
   * @example
   * ```ts
   * study.enqueueTrial({ lr: 1e-3, units: 128 });
   * await study.optimize(objective, { nTrials: 30 });
   * ```
   */
  enqueueTrial(params: Record<string, ParamValue>, options: { userAttrs?: Record<string, JsonValue>; skipIfExists?: boolean } = {}): Promise<void> {
    const fn = 'enqueueTrial';
    if (typeof params !== 'object' || params === null || Array.isArray(params))
      return Promise.reject(new TypeError(`${fn}: params must be an object, got ${describe(params)}`));
    let o: Record<string, unknown>;
    try {
      o = checkOptions(fn, options, ['userAttrs', 'skipIfExists']);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = async () => {
      await this.ready();
      if (o.skipIfExists) {
        const same = (t: FrozenTrial) => {
          const p = (t.state === 'WAITING' ? (t.systemAttrs.fixed_params as Record<string, ParamValue> | undefined) : t.params) ?? {};
          const keys = Object.keys(params);
          return keys.length === Object.keys(p).length && keys.every((k) => p[k] === params[k]);
        };
        if (this.trials.some(same)) return;
      }
      await this.storage.createNewTrial(this.id, {
        state: 'WAITING',
        systemAttrs: { fixed_params: params as Record<string, JsonValue> },
        userAttrs: (o.userAttrs as Record<string, JsonValue> | undefined) ?? {},
      });
    };
    return this.track(run());
  }

  /**
   * Adds a finished trial, e.g. from an earlier run (Optuna's `add_trial`).
   *
   * @example
   * ```ts
   * await study.addTrial({ state: 'COMPLETE', values: [0.91], params: { lr: 1e-3 },
   *   distributions: { lr: new tune.FloatDistribution(1e-5, 1e-1, { log: true }) } });
   * ```
   */
  addTrial(template: TrialTemplate): Promise<void> {
    const run = async () => {
      await this.ready();
      if (template.state === 'COMPLETE' && (!template.values || template.values.length !== this.directions.length)) {
        throw new RangeError(`addTrial: a COMPLETE trial needs ${this.directions.length} value(s), got ${describe(template.values)}`);
      }
      await this.storage.createNewTrial(this.id, { datetimeStart: new Date(), datetimeComplete: isFinished(template.state) ? new Date() : null, ...template });
    };
    return this.track(run());
  }

  /**
   * Starts a trial for users who run it themselves; finish it with {@link tell}.
   * `fixedDistributions` suggests those parameters at once.
   *
   * @example
   * ```ts
   * const trial = await study.ask();
   * const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   * await study.tell(trial, await train(lr));
   * // or with the space given up front:
   * const t2 = await study.ask({ lr: new tune.FloatDistribution(1e-5, 1e-1, { log: true }) });
   * await study.tell(t2, await train(t2.params.lr));
   * ```
   */
  ask(fixedDistributions?: Record<string, Distribution>): Promise<Trial> {
    if (fixedDistributions !== undefined && (typeof fixedDistributions !== 'object' || fixedDistributions === null)) {
      return Promise.reject(new TypeError(`ask: fixedDistributions must be an object of distributions, got ${describe(fixedDistributions)}`));
    }
    for (const [name, d] of Object.entries(fixedDistributions ?? {})) {
      if (!(d instanceof FloatDistribution || d instanceof IntDistribution || d instanceof CategoricalDistribution)) {
        return Promise.reject(
          new TypeError(`ask: fixedDistributions.${name} must be a FloatDistribution, IntDistribution or CategoricalDistribution, got ${describe(d)}`),
        );
      }
    }
    return this.askMutex.run(async () => {
      await this.ready();
      while (this.pending.size) await Promise.allSettled([...this.pending]);
      await this.storage.refresh?.();
      if (this.opts.failStale) await this.failStaleTrials();
      let trialId: number | undefined;
      for (const t of this.getTrials({ states: ['WAITING'] })) {
        if (await this.storage.setTrialStateValues(t.trialId, 'RUNNING')) {
          trialId = t.trialId;
          break;
        }
      }
      trialId ??= await this.storage.createNewTrial(this.id);
      const trial = new Trial(this, trialId, this.storage.getTrial(trialId).number);
      this.startHeartbeat(trialId);
      for (const [name, d] of Object.entries(fixedDistributions ?? {})) trial.suggest(name, d);
      return trial;
    });
  }

  private startHeartbeat(trialId: number): void {
    const ms = this.opts.heartbeatMs;
    if (ms === undefined) return;
    const beat = () => {
      try {
        this.storage.setTrialSystemAttr(trialId, HEARTBEAT_KEY, Date.now());
      } catch {
        this.stopHeartbeat(trialId); // the trial finished meanwhile
      }
    };
    beat();
    const timer = setInterval(beat, ms);
    (timer as { unref?: () => void }).unref?.();
    this.heartbeats.set(trialId, timer);
  }

  private stopHeartbeat(trialId: number): void {
    const timer = this.heartbeats.get(trialId);
    if (timer !== undefined) clearInterval(timer);
    this.heartbeats.delete(trialId);
  }

  /**
   * Marks as FAIL the RUNNING trials whose writer is gone (a process that was killed, or no
   * heartbeat within the grace period) and this process's trials whose end could not be
   * written (a storage server unreachable for longer than its retry time), and enqueues each again with the same parameters
   * (up to `staleTrialRetries` times; Optuna's RetryFailedTrialCallback records). Runs
   * before every `ask`. Answers the numbers of the trials it failed.
   *
   * @example
   * ```ts
   * const failed = await study.failStaleTrials();
   * ```
   */
  async failStaleTrials(): Promise<number[]> {
    await this.ready();
    const storage = this.storage;
    const now = Date.now();
    const failed: number[] = [];
    for (const t of this.getTrials({ states: ['RUNNING'] })) {
      const owner = storage.getTrialOwner?.(t.trialId);
      const orphan = this.orphans.has(t.trialId);
      if (owner !== undefined && owner === storage.workerId && !orphan) continue;
      let stale = orphan || (owner !== undefined && storage.isWorkerAlive?.(owner) === false);
      if (!stale && this.opts.graceMs !== undefined) {
        const beat = t.systemAttrs[HEARTBEAT_KEY];
        const last = typeof beat === 'number' ? beat : t.datetimeStart?.getTime();
        stale = last !== undefined && now - last > this.opts.graceMs;
      }
      if (!stale) continue;
      if (!(await storage.setTrialStateValues(t.trialId, 'FAIL'))) continue;
      this.orphans.delete(t.trialId);
      failed.push(t.number);
      const history = [...((t.systemAttrs.retry_history as number[] | undefined) ?? []), t.number];
      if (history.length > this.opts.retries) continue;
      const systemAttrs: Record<string, JsonValue> = { failed_trial: t.number };
      for (const [k, v] of Object.entries(t.systemAttrs)) {
        if (k === HEARTBEAT_KEY || k === CONSTRAINTS_KEY || k.startsWith('completed_rung_') || k.startsWith('knobs:promoted_rung_')) continue;
        systemAttrs[k] = v;
      }
      systemAttrs.retry_history = history;
      await storage.createNewTrial(this.id, {
        state: 'WAITING',
        params: { ...t.params },
        distributions: { ...t.distributions },
        userAttrs: { ...t.userAttrs },
        systemAttrs,
        datetimeStart: null,
      });
    }
    return failed;
  }

  /**
   * Finishes a trial from {@link ask}: with its value(s) it COMPLETEs; `state: 'PRUNED'`
   * keeps its reported curve (and its last reported value as its value, as Optuna);
   * `state: 'FAIL'` records a failure. Answers the trial as stored.
   *
   * @example
   * ```ts
   * await study.tell(trial, 0.93);
   * await study.tell(otherTrial, undefined, { state: 'PRUNED' });
   * ```
   */
  async tell(trial: Trial | number, values?: ObjectiveValue, options: TellOptions = {}): Promise<FrozenTrial> {
    const fn = 'tell';
    const o = checkOptions(fn, options, ['state', 'skipIfFinished']);
    await this.ready();
    let frozen: FrozenTrial;
    if (trial instanceof Trial) frozen = this.storage.getTrial(trial.trialId);
    else if (typeof trial === 'number') {
      const t = this.trials[trial];
      if (!t) throw new RangeError(`${fn}: no trial number ${trial} in this study`);
      frozen = t;
    } else throw new TypeError(`${fn}: trial must be a Trial or a trial number, got ${describe(trial)}`);
    this.stopHeartbeat(frozen.trialId);
    if (isFinished(frozen.state) && o.skipIfFinished) return frozen;
    if (frozen.state !== 'RUNNING') throw new RangeError(`${fn}: trial ${frozen.number} is ${frozen.state}; only a RUNNING trial can be told`);
    let state = o.state as TrialState | undefined;
    if (state !== undefined && state !== 'COMPLETE' && state !== 'PRUNED' && state !== 'FAIL') {
      throw new RangeError(`${fn}: options.state must be 'COMPLETE', 'PRUNED' or 'FAIL', got ${describe(state)}`);
    }
    let vals: number[] | null = values === undefined ? null : typeof values === 'number' ? [values] : Array.isArray(values) ? [...values] : null;
    if (values !== undefined && vals === null) throw new TypeError(`${fn}: values must be a number or an array of numbers, got ${describe(values)}`);
    if (state === 'COMPLETE' && vals === null) throw new RangeError(`${fn}: a COMPLETE trial needs values`);
    if ((state === 'PRUNED' || state === 'FAIL') && vals !== null) throw new RangeError(`${fn}: a ${state} trial takes no values, got ${describe(values)}`);
    const problem = (v: number[]): string | undefined => {
      if (v.length !== this.directions.length) return `the objective returned ${v.length} value(s) for ${this.directions.length} direction(s)`;
      const bad = v.find((x) => typeof x !== 'number' || Number.isNaN(x));
      return bad === undefined ? undefined : `the objective returned ${describe(bad)}, which is not a number`;
    };
    if (state === 'COMPLETE' || (state === undefined && vals !== null)) {
      const p = problem(vals!);
      if (p && state === 'COMPLETE') throw new RangeError(`${fn}: ${p}`);
      if (p) {
        state = 'FAIL';
        vals = null;
        this.storage.setTrialSystemAttr(frozen.trialId, FAIL_REASON_KEY, p);
      } else state = 'COMPLETE';
    } else if (state === 'PRUNED') {
      const step = lastStep(frozen);
      if (step !== null && this.directions.length === 1 && !Number.isNaN(frozen.intermediateValues[step]!)) vals = [frozen.intermediateValues[step]!];
    } else if (state === undefined) {
      state = 'FAIL';
      this.storage.setTrialSystemAttr(frozen.trialId, FAIL_REASON_KEY, 'the objective returned nothing');
    }
    if (this.constraintsFunc && (state === 'COMPLETE' || state === 'PRUNED')) {
      const latest = this.storage.getTrial(frozen.trialId);
      const c = this.constraintsFunc({ ...latest, state, values: vals, value: this.directions.length === 1 && vals ? vals[0]! : null });
      if (!Array.isArray(c) || c.some((x) => typeof x !== 'number' || Number.isNaN(x))) {
        throw new TypeError(`${fn}: constraintsFunc must return an array of numbers, got ${describe(c)}`);
      }
      this.storage.setTrialSystemAttr(frozen.trialId, CONSTRAINTS_KEY, [...c]);
    }
    try {
      this.sampler.afterTrial?.(this.pruner.filterStudy?.(this.view, frozen) ?? this.view, this.storage.getTrial(frozen.trialId), state!, vals);
    } finally {
      // A write of this trial that never reached the storage (a server gone for longer than
      // its retry time) fails the trial rather than COMPLETE it with a part missing.
      let lost: unknown;
      try {
        await this.storage.flush?.();
      } catch (e) {
        lost = e;
      }
      if (lost !== undefined && state !== 'FAIL') {
        state = 'FAIL';
        vals = null;
      }
      try {
        await this.storage.setTrialStateValues(frozen.trialId, state!, vals);
        this.orphans.delete(frozen.trialId);
      } catch (e) {
        this.orphans.add(frozen.trialId);
        throw e;
      }
      await this.storage.flush?.();
      if (lost !== undefined) throw lost;
    }
    return this.storage.getTrial(frozen.trialId);
  }

  /**
   * Runs trials: asks, runs the objective, tells. Stops after `nTrials`, after `timeout`
   * seconds, on `stop()`, or when a grid sampler has visited its grid. An error thrown by the
   * objective fails its trial and, unless `catch` accepts it, rejects `optimize` once the
   * running trials are done; `TrialPruned` prunes the trial.
   *
   * @example
   * ```ts
   * await study.optimize(async (trial) => {
   *   const lr = trial.suggestFloat('lr', 1e-5, 1e-1, { log: true });
   *   let acc = 0;
   *   for (let epoch = 0; epoch < 10; epoch++) {
   *     acc = await trainEpoch(lr);
   *     trial.report(acc, epoch);
   *     if (trial.shouldPrune()) throw new tune.TrialPruned();
   *   }
   *   return acc;
   * }, { nTrials: 60, timeout: 3600, concurrency: 2 });
   * ```
   */
  async optimize<O = Objective>(objective: O, options: OptimizeOptions<O> = {}): Promise<void> {
    const fn = 'optimize';
    const o = checkOptions(fn, options, ['nTrials', 'timeout', 'concurrency', 'executor', 'catch', 'callbacks']);
    const nTrials = o.nTrials === undefined ? undefined : checkInteger(fn, 'options.nTrials', o.nTrials, 0);
    const timeout = o.timeout === undefined ? undefined : checkPositive(fn, 'options.timeout', o.timeout);
    const concurrency = o.concurrency === undefined ? 1 : checkInteger(fn, 'options.concurrency', o.concurrency, 1);
    const executor = (o.executor ?? inProcessExecutor) as Executor<O>;
    if (typeof executor !== 'object' || executor === null || typeof executor.run !== 'function')
      throw new TypeError(`${fn}: options.executor must have a run() method, got ${describe(o.executor)}`);
    if (o.executor === undefined && typeof objective !== 'function') throw new TypeError(`${fn}: objective must be a function, got ${describe(objective)}`);
    const catchOpt = o.catch as OptimizeOptions['catch'];
    const caught = (e: unknown): boolean => {
      if (catchOpt === undefined) return false;
      if (typeof catchOpt === 'function') return catchOpt(e);
      if (!Array.isArray(catchOpt)) throw new TypeError(`${fn}: options.catch must be an array of error classes or a function, got ${describe(catchOpt)}`);
      return catchOpt.some((cls) => e instanceof (cls as abstract new () => unknown));
    };
    const callbacks = (o.callbacks ?? []) as readonly OptimizeCallback[];
    if (!Array.isArray(callbacks) || callbacks.some((c) => typeof c !== 'function'))
      throw new TypeError(`${fn}: options.callbacks must be an array of functions, got ${describe(o.callbacks)}`);
    await this.ready();

    this.stopRequested = false;
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    let started = 0;
    let failure: { error: unknown } | undefined;
    const more = () => !this.stopRequested && !failure && (nTrials === undefined || started < nTrials) && Date.now() < deadline;
    const worker = async () => {
      while (more()) {
        started++;
        let frozen: FrozenTrial;
        try {
          const trial = await this.ask();
          frozen = await this.runTrial(executor, objective, trial, caught);
          for (const cb of callbacks) await cb(this, frozen);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    await this.storage.flush?.();
    if (failure) throw failure.error;
  }

  private async runTrial<O>(executor: Executor<O>, objective: O, trial: Trial, caught: (e: unknown) => boolean): Promise<FrozenTrial> {
    let result: ObjectiveValue | undefined;
    let error: { e: unknown } | undefined;
    try {
      result = await executor.run(objective, trial);
    } catch (e) {
      error = { e };
    }
    if (error) {
      if (isTrialPruned(error.e)) return this.tell(trial, undefined, { state: 'PRUNED' });
      const reason = error.e instanceof Error ? `${error.e.name}: ${error.e.message}` : String(error.e);
      try {
        this.storage.setTrialSystemAttr(trial.trialId, FAIL_REASON_KEY, reason);
      } catch {
        // the trial may have been finished by the objective itself
      }
      const frozen = await this.tell(trial, undefined, { state: 'FAIL', skipIfFinished: true });
      if (!caught(error.e)) throw error.e;
      return frozen;
    }
    return this.tell(trial, result);
  }
}

/**
 * Creates a study, or continues the one of that name in the storage.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({
 *   direction: 'maximize',
 *   sampler: tune.tpeSampler({ seed: 1 }),
 *   pruner: tune.ashaPruner(),
 *   storage: 'journal:./study.jsonl',
 *   studyName: 'mnist-mlp',
 * });
 * ```
 */
export function createStudy(options: CreateStudyOptions = {}): Study {
  const fn = 'createStudy';
  const o = checkOptions(fn, options, CREATE_KEYS);
  if (o.direction !== undefined && o.directions !== undefined) throw new TypeError(`${fn}: pass options.direction or options.directions, not both`);
  let directions: StudyDirection[];
  if (o.directions !== undefined) {
    if (!Array.isArray(o.directions) || o.directions.length === 0)
      throw new TypeError(`${fn}: options.directions must be a non-empty array, got ${describe(o.directions)}`);
    directions = o.directions.map((d, i) => checkDirection(fn, `options.directions[${i}]`, d));
  } else {
    directions = [o.direction === undefined ? 'minimize' : checkDirection(fn, 'options.direction', o.direction)];
  }
  const loadIfExists = o.loadIfExists === undefined ? true : checkBoolean(fn, 'options.loadIfExists', o.loadIfExists);
  // Continuing a study without saying its direction keeps the stored one.
  const explicit = o.direction !== undefined || o.directions !== undefined;
  return new Study(resolveOptions(fn, o), directions, loadIfExists, explicit);
}

/**
 * Opens an existing study (rejects `ready()` and every async method if there is none).
 *
 * @example
 * ```ts
 * const study = tune.loadStudy({ studyName: 'mnist-mlp', storage: 'journal:./study.jsonl' });
 * console.log(study.bestParams);
 * ```
 */
export function loadStudy(options: LoadStudyOptions): Study {
  const fn = 'loadStudy';
  const o = checkOptions(
    fn,
    options,
    CREATE_KEYS.filter((k) => k !== 'direction' && k !== 'directions' && k !== 'loadIfExists'),
  );
  if (o.studyName === undefined) throw new TypeError(`${fn}: options.studyName is required`);
  if (o.storage === undefined) throw new TypeError(`${fn}: options.storage is required`);
  return new Study(resolveOptions(fn, o), null, true);
}

/**
 * The studies in a storage.
 *
 * @example
 * ```ts
 * const studies = await tune.getAllStudies('journal:./study.jsonl');
 * ```
 */
export async function getAllStudies(storage: Storage | string): Promise<FrozenStudy[]> {
  const s = typeof storage === 'string' ? storageFromUrl(storage, 'getAllStudies') : storage;
  await (s as { ready?: () => MaybePromise<void> }).ready?.();
  return s.getAllStudies();
}

/**
 * Deletes a study from a storage.
 *
 * @example
 * ```ts
 * await tune.deleteStudy({ studyName: 'old', storage: 'journal:./study.jsonl' });
 * ```
 */
export async function deleteStudy(options: { studyName: string; storage: Storage | string }): Promise<void> {
  const o = checkOptions('deleteStudy', options, ['studyName', 'storage']);
  const s = typeof o.storage === 'string' ? storageFromUrl(o.storage, 'deleteStudy') : (o.storage as Storage);
  await (s as { ready?: () => MaybePromise<void> }).ready?.();
  const id = await s.getStudyIdFromName(checkString('deleteStudy', 'options.studyName', o.studyName));
  if (id === undefined) throw new StorageError(`deleteStudy: no study named ${JSON.stringify(o.studyName)} in ${s.location ?? 'the storage'}`);
  await s.deleteStudy(id);
}

/**
 * A callback that stops `optimize` once the study has `n` trials in the given states
 * (default COMPLETE): a total budget across runs and resumes (Optuna's MaxTrialsCallback).
 *
 * @example
 * ```ts
 * await study.optimize(objective, { callbacks: [tune.maxTrialsCallback(60)] });
 * ```
 */
export function maxTrialsCallback(n: number, options: { states?: readonly TrialState[] } = {}): OptimizeCallback {
  checkInteger('maxTrialsCallback', 'n', n, 0);
  const o = checkOptions('maxTrialsCallback', options, ['states']);
  const states = (o.states as readonly TrialState[] | undefined) ?? ['COMPLETE'];
  return (study) => {
    if (study.getTrials({ states }).length >= n) study.stop();
  };
}
