/**
 * `JournalStorage`: a storage that records every operation in an append-only journal, in the
 * format of Optuna's JournalStorage, and keeps the replayed state in memory (Optuna's
 * `optuna.storages.JournalStorage`).
 *
 * The journal lives in a {@link JournalBackend}: memory, a file (Node, `knobs/tune/node`),
 * IndexedDB (browsers), or anything that can append records and read them back in one order.
 *
 * How writes work: operations whose result depends on other writers (creating a study or a
 * trial, changing a trial's state) are appended, then the journal is read back up to them and
 * the replay says what happened (which id the trial got, whether this writer won a claim).
 * Operations on a trial this writer owns (parameters, reported values, attributes) are
 * applied locally at once and appended; reading them back later skips them. With a file
 * backend every append is synchronous, so a parameter is on disk before `suggestFloat`
 * returns; with asynchronous backends `flush()` waits for them.
 * @module
 */
import { type Distribution, distributionToJson } from '../../distributions';
import { DuplicatedStudyError, StorageError } from '../../errors';
import {
  DIRECTION_CODES,
  type FrozenTrial,
  type JsonValue,
  type StudyDirection,
  TRIAL_STATE_CODES,
  type TrialState,
  type TrialTemplate,
  isFinished,
} from '../../frozenTrial';
import { type MaybePromise, isPromise, andThen } from '../../maybe';
import type { FrozenStudy, JournalBackend, JournalLog, Storage } from '../base';
import { JournalOperation as Op, formatDatetime } from './format';
import { type ApplyResult, JournalReplay } from './replay';
import { randomUUID } from '../../../util/uuid';

interface OwnEntry {
  /** Applied locally when written: skip it when it is read back. */
  preApplied: boolean;
  result?: ApplyResult;
}

const stateCode = (s: TrialState) => TRIAL_STATE_CODES.indexOf(s);

/** Records an asynchronous backend will append together, and what undoes each if that fails. */
interface PendingBatch {
  logs: JournalLog[];
  drops: ((error: unknown) => void)[];
  done: Promise<void>;
}

/**
 * A storage over an append-only journal of operations (Optuna's JournalStorage format).
 *
 * @example
 * ```ts
 * const storage = new tune.JournalStorage(new tune.MemoryJournalBackend());
 * const study = tune.createStudy({ storage, studyName: 'demo' });
 * ```
 */
export class JournalStorage implements Storage {
  readonly workerId: string;
  private readonly replay = new JournalReplay();
  private readonly ownQueue: OwnEntry[] = [];
  private logNumberRead = 0;
  /** Set once the backend answered with a promise: from then on reads and writes are chained. */
  private async = false;
  private pullChain: Promise<void> = Promise.resolve();
  private writeChain: Promise<void> = Promise.resolve();
  private writeError: Error | undefined;
  /** The records waiting for the next asynchronous append. */
  private batch: PendingBatch | undefined;
  private initial: MaybePromise<void>;

  constructor(readonly backend: JournalBackend) {
    const tag = backend.workerTag?.();
    this.workerId = tag ? `${randomUUID()}-${tag}` : randomUUID();
    this.initial = this.pull();
    if (isPromise(this.initial)) this.initial.catch(() => {});
  }

  /** Where the records are, as the backend says (for messages). */
  get location(): string | undefined {
    return this.backend.location;
  }

  /** Resolves once the journal has been read (immediately for synchronous backends). */
  ready(): MaybePromise<void> {
    return this.initial;
  }

  // ---- reading the journal ----------------------------------------------------------------

  private applyLogs(logs: JournalLog[]): void {
    for (const log of logs) {
      this.logNumberRead++;
      if (log.worker_id === this.workerId) {
        const entry = this.ownQueue.shift();
        if (entry?.preApplied) continue;
        const result = this.replay.apply(log);
        if (entry) entry.result = result;
      } else {
        this.replay.apply(log);
      }
    }
  }

  /** Reads what was appended since the last read and applies it. */
  private pull(): MaybePromise<void> {
    if (!this.async) {
      const logs = this.backend.readLogs(this.logNumberRead);
      if (!isPromise(logs)) {
        this.applyLogs(logs);
        return;
      }
      this.async = true;
      this.pullChain = logs.then((l) => this.applyLogs(l));
      return this.pullChain;
    }
    const run = async () => this.applyLogs(await this.backend.readLogs(this.logNumberRead));
    this.pullChain = this.pullChain.then(run, run);
    return this.pullChain;
  }

  refresh(): MaybePromise<void> {
    return this.pull();
  }

  // ---- writing to the journal ---------------------------------------------------------------

  private append(log: JournalLog, entry: OwnEntry): MaybePromise<void> {
    this.ownQueue.push(entry);
    const drop = (error: unknown) => {
      const i = this.ownQueue.indexOf(entry);
      if (i >= 0) this.ownQueue.splice(i, 1);
      const e = error instanceof Error ? error : new StorageError(String(error));
      this.writeError ??= e;
      throw e;
    };
    if (!this.async) {
      let r: MaybePromise<void>;
      try {
        r = this.backend.appendLogs([log]);
      } catch (e) {
        return drop(e);
      }
      if (!isPromise(r)) return;
      this.async = true;
      this.writeChain = r.catch(drop);
      return this.writeChain;
    }
    // Records queued while an append is in flight go out together in the next one (one round
    // trip to a server for a trial's parameters and reports), in order, atomically.
    if (!this.batch) {
      const batch: PendingBatch = { logs: [], drops: [], done: Promise.resolve() };
      this.batch = batch;
      const run = async () => {
        if (this.batch === batch) this.batch = undefined;
        try {
          await this.backend.appendLogs(batch.logs);
        } catch (e) {
          for (const d of batch.drops) {
            try {
              d(e);
            } catch {
              /* recorded in writeError */
            }
          }
          throw e instanceof Error ? e : new StorageError(String(e));
        }
      };
      this.writeChain = this.writeChain.then(run, run);
      batch.done = this.writeChain;
    }
    this.batch.logs.push(log);
    this.batch.drops.push(drop);
    return this.batch.done;
  }

  /** Appends, reads back up to the record, and answers what replaying it did. */
  private writeAndRead(fields: Omit<JournalLog, 'worker_id'>): MaybePromise<ApplyResult> {
    const log = { op_code: fields.op_code, worker_id: this.workerId, ...fields } as JournalLog;
    const entry: OwnEntry = { preApplied: false };
    const settle = (attempt: number): MaybePromise<ApplyResult> => {
      if (entry.result) return entry.result;
      if (!this.async || attempt > 50) throw new StorageError('journal: a record this writer appended was not read back from the backend');
      return new Promise((r) => setTimeout(r, Math.min(100, 2 ** attempt))).then(() => andThen(this.pull(), () => settle(attempt + 1)));
    };
    return andThen(this.append(log, entry), () => andThen(this.pull(), () => settle(0)));
  }

  /** Applies locally, then appends (in order, durable at once for synchronous backends). */
  private writeOwn(fields: Omit<JournalLog, 'worker_id'>): void {
    const log = { op_code: fields.op_code, worker_id: this.workerId, ...fields } as JournalLog;
    const result = this.replay.apply(log);
    if (result.error) throw result.error;
    const r = this.append(log, { preApplied: true });
    // Asynchronous failures surface in flush().
    if (isPromise(r)) r.catch(() => {});
  }

  async flush(): Promise<void> {
    await this.writeChain.catch(() => {});
    if (this.writeError) {
      const e = this.writeError;
      this.writeError = undefined;
      throw e;
    }
  }

  close(): MaybePromise<void> {
    if (!this.async) return this.backend.close?.();
    return this.flush().then(() => this.backend.close?.());
  }

  // ---- studies --------------------------------------------------------------------------------

  createNewStudy(directions: readonly StudyDirection[], studyName: string): MaybePromise<number> {
    return andThen(this.writeAndRead({ op_code: Op.CREATE_STUDY, study_name: studyName, directions: directions.map((d) => DIRECTION_CODES[d]) }), (r) => {
      if (r.error) throw r.error instanceof DuplicatedStudyError ? r.error : new StorageError(r.error.message);
      return r.studyId!;
    });
  }

  deleteStudy(studyId: number): MaybePromise<void> {
    return andThen(this.writeAndRead({ op_code: Op.DELETE_STUDY, study_id: studyId }), (r) => {
      if (r.error) throw r.error;
    });
  }

  getStudyIdFromName(studyName: string): MaybePromise<number | undefined> {
    return andThen(this.pull(), () => {
      for (const s of this.replay.studies.values()) if (s.studyName === studyName) return s.studyId;
      return undefined;
    });
  }

  getAllStudies(): MaybePromise<FrozenStudy[]> {
    return andThen(this.pull(), () => [...this.replay.studies.values()]);
  }

  getStudy(studyId: number): FrozenStudy {
    return this.replay.getStudy(studyId);
  }

  setStudyUserAttr(studyId: number, key: string, value: JsonValue): void {
    this.writeOwn({ op_code: Op.SET_STUDY_USER_ATTR, study_id: studyId, user_attr: { [key]: value } });
  }

  setStudySystemAttr(studyId: number, key: string, value: JsonValue): void {
    this.writeOwn({ op_code: Op.SET_STUDY_SYSTEM_ATTR, study_id: studyId, system_attr: { [key]: value } });
  }

  // ---- trials ---------------------------------------------------------------------------------

  createNewTrial(studyId: number, template?: TrialTemplate): MaybePromise<number> {
    const fields: Record<string, unknown> = { op_code: Op.CREATE_TRIAL, study_id: studyId, datetime_start: formatDatetime(new Date()) };
    if (template) {
      fields.state = stateCode(template.state);
      const values = template.values ?? null;
      if (values !== null && values.length > 1) {
        fields.value = null;
        fields.values = [...values];
      } else {
        fields.value = values === null ? null : values[0]!;
        fields.values = null;
      }
      fields.datetime_start = template.datetimeStart ? formatDatetime(template.datetimeStart) : null;
      if (template.datetimeComplete) fields.datetime_complete = formatDatetime(template.datetimeComplete);
      const dists = template.distributions ?? {};
      fields.distributions = Object.fromEntries(Object.entries(dists).map(([k, d]) => [k, distributionToJson(d)]));
      fields.params = Object.fromEntries(
        Object.entries(template.params ?? {}).map(([k, v]) => {
          const d = dists[k];
          if (!d) throw new RangeError(`createNewTrial: parameter ${JSON.stringify(k)} has no distribution`);
          return [k, d.toInternal(v)];
        }),
      );
      fields.user_attrs = template.userAttrs ?? {};
      fields.system_attrs = template.systemAttrs ?? {};
      fields.intermediate_values = template.intermediateValues ?? {};
    }
    return andThen(this.writeAndRead(fields as Omit<JournalLog, 'worker_id'>), (r) => {
      if (r.error) throw r.error;
      return r.trialId!;
    });
  }

  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): void {
    const error = this.replay.compatibilityError(trialId, name, distribution);
    if (error) throw error;
    this.writeOwn({
      op_code: Op.SET_TRIAL_PARAM,
      trial_id: trialId,
      param_name: name,
      param_value_internal: internalValue,
      distribution: distributionToJson(distribution),
    });
  }

  setTrialStateValues(trialId: number, state: TrialState, values?: readonly number[] | null): MaybePromise<boolean> {
    const fields: Record<string, unknown> = {
      op_code: Op.SET_TRIAL_STATE_VALUES,
      trial_id: trialId,
      state: stateCode(state),
      values: values ? [...values] : null,
    };
    if (state === 'RUNNING') fields.datetime_start = formatDatetime(new Date());
    else if (isFinished(state)) fields.datetime_complete = formatDatetime(new Date());
    return andThen(this.writeAndRead(fields as Omit<JournalLog, 'worker_id'>), (r) => {
      if (r.error && isFinished(state)) {
        const t = this.replay.trials[trialId];
        if (t && isFinished(t.state)) return false;
        throw r.error;
      }
      if (r.error) throw r.error;
      return r.applied;
    });
  }

  setTrialIntermediateValue(trialId: number, step: number, value: number): void {
    this.writeOwn({ op_code: Op.SET_TRIAL_INTERMEDIATE_VALUE, trial_id: trialId, step, intermediate_value: value });
  }

  setTrialUserAttr(trialId: number, key: string, value: JsonValue): void {
    this.writeOwn({ op_code: Op.SET_TRIAL_USER_ATTR, trial_id: trialId, user_attr: { [key]: value } });
  }

  setTrialSystemAttr(trialId: number, key: string, value: JsonValue): void {
    this.writeOwn({ op_code: Op.SET_TRIAL_SYSTEM_ATTR, trial_id: trialId, system_attr: { [key]: value } });
  }

  getTrial(trialId: number): FrozenTrial {
    return this.replay.getTrial(trialId);
  }

  getAllTrials(studyId: number, states?: readonly TrialState[]): readonly FrozenTrial[] {
    // Synchronous backends are cheap to catch up with: other processes' trials count for
    // pruners and samplers as soon as they are written.
    if (!this.async) this.pull();
    return this.replay.allTrials(studyId, states);
  }

  getTrialOwner(trialId: number): string | undefined {
    return this.replay.owners.get(trialId);
  }

  isWorkerAlive(workerId: string): boolean | undefined {
    if (workerId === this.workerId) return true;
    return this.backend.isWorkerAlive?.(workerId);
  }
}

/**
 * A journal kept in memory: the backend of {@link inMemoryStorage}, and a reference for
 * writing new backends. Several storages over one instance behave like several processes on
 * one journal file.
 *
 * @example
 * ```ts
 * const backend = new tune.MemoryJournalBackend();
 * const a = new tune.JournalStorage(backend), b = new tune.JournalStorage(backend);
 * ```
 */
export class MemoryJournalBackend implements JournalBackend {
  readonly logs: JournalLog[] = [];

  readLogs(from: number): JournalLog[] {
    return this.logs.slice(from);
  }

  appendLogs(logs: JournalLog[]): void {
    for (const log of logs) this.logs.push(structuredClone(log));
  }
}

/**
 * A storage in memory (Optuna's InMemoryStorage): the default of `createStudy`. Nothing
 * survives the process.
 *
 * @example
 * ```ts
 * const study = tune.createStudy({ storage: tune.inMemoryStorage() });
 * ```
 */
export function inMemoryStorage(): JournalStorage {
  return new JournalStorage(new MemoryJournalBackend());
}
