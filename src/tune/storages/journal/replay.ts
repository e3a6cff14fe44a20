/**
 * Rebuilds studies and trials from journal operations, with the rules of Optuna's
 * `JournalStorageReplayResult` so both read a journal the same way: a study name already
 * taken makes CREATE_STUDY a no-op; writes to a finished trial are ignored; the first
 * RUNNING write to a WAITING trial claims it and later ones are no-ops; a parameter whose
 * distribution is incompatible with an earlier trial's is ignored. When the operation came
 * from this writer, the result carries the error Optuna would raise.
 * @internal
 */
import { type Distribution, type ParamValue, checkDistributionCompatibility, jsonToDistribution } from '../../distributions';
import { DuplicatedStudyError, StorageError } from '../../errors';
import { type FrozenTrial, type JsonValue, type StudyDirection, TRIAL_STATE_CODES, type TrialState, isFinished } from '../../frozenTrial';
import type { FrozenStudy, JournalLog } from '../base';
import { JournalOperation as Op, parseDatetime } from './format';

/** The outcome of one operation. */
export interface ApplyResult {
  /** Whether the operation changed anything. */
  applied: boolean;
  /** The error Optuna would raise to the writer of the operation. */
  error?: Error;
  studyId?: number;
  trialId?: number;
}

const DIRECTIONS: Record<number, StudyDirection> = { 1: 'minimize', 2: 'maximize' };

function stateFromCode(code: unknown): TrialState {
  const s = TRIAL_STATE_CODES[Number(code)];
  if (s === undefined) throw new StorageError(`journal: unknown trial state ${JSON.stringify(code)}`);
  return s;
}

function toExternal(d: Distribution, internal: number): ParamValue {
  return d.toExternal(internal);
}

export class JournalReplay {
  readonly studies = new Map<number, FrozenStudy>();
  readonly trials: FrozenTrial[] = [];
  readonly studyTrialIds = new Map<number, number[]>();
  private readonly trialStudy: number[] = [];
  private nextStudyId = 0;
  /** The writer that made each trial RUNNING (created or claimed it). */
  readonly owners = new Map<number, string>();

  getStudy(studyId: number): FrozenStudy {
    const s = this.studies.get(studyId);
    if (!s) throw new StorageError(`no study with id ${studyId}`);
    return s;
  }

  getTrial(trialId: number): FrozenTrial {
    const t = this.trials[trialId];
    if (!t) throw new StorageError(`no trial with id ${trialId}`);
    return t;
  }

  studyOfTrial(trialId: number): number | undefined {
    return this.trialStudy[trialId];
  }

  /** Applies one operation; never throws for a well-formed record. */
  apply(log: JournalLog): ApplyResult {
    switch (log.op_code) {
      case Op.CREATE_STUDY:
        return this.createStudy(log);
      case Op.DELETE_STUDY: {
        const id = Number(log.study_id);
        if (!this.studies.has(id)) return { applied: false, error: new StorageError(`no study with id ${id}`) };
        this.studies.delete(id);
        return { applied: true, studyId: id };
      }
      case Op.SET_STUDY_USER_ATTR:
      case Op.SET_STUDY_SYSTEM_ATTR: {
        const id = Number(log.study_id);
        const study = this.studies.get(id);
        if (!study) return { applied: false, error: new StorageError(`no study with id ${id}`) };
        const user = log.op_code === Op.SET_STUDY_USER_ATTR;
        const attr = (user ? log.user_attr : log.system_attr) as Record<string, JsonValue>;
        this.studies.set(id, user ? { ...study, userAttrs: { ...study.userAttrs, ...attr } } : { ...study, systemAttrs: { ...study.systemAttrs, ...attr } });
        return { applied: true, studyId: id };
      }
      case Op.CREATE_TRIAL:
        return this.createTrial(log);
      case Op.SET_TRIAL_PARAM:
        return this.setParam(log);
      case Op.SET_TRIAL_STATE_VALUES:
        return this.setStateValues(log);
      case Op.SET_TRIAL_INTERMEDIATE_VALUE: {
        const r = this.updatable(log);
        if (r.error || r.trial === undefined) return { applied: false, ...(r.error ? { error: r.error } : {}) };
        const step = Number(log.step);
        this.replaceTrial({ ...r.trial, intermediateValues: { ...r.trial.intermediateValues, [step]: log.intermediate_value as number } });
        return { applied: true, trialId: r.trial.trialId };
      }
      case Op.SET_TRIAL_USER_ATTR:
      case Op.SET_TRIAL_SYSTEM_ATTR: {
        const r = this.updatable(log);
        if (r.error || r.trial === undefined) return { applied: false, ...(r.error ? { error: r.error } : {}) };
        const t = r.trial;
        const user = log.op_code === Op.SET_TRIAL_USER_ATTR;
        const attr = (user ? log.user_attr : log.system_attr) as Record<string, JsonValue>;
        this.replaceTrial(user ? { ...t, userAttrs: { ...t.userAttrs, ...attr } } : { ...t, systemAttrs: { ...t.systemAttrs, ...attr } });
        return { applied: true, trialId: t.trialId };
      }
      default:
        throw new StorageError(`journal: unknown op_code ${JSON.stringify(log.op_code)}`);
    }
  }

  private createStudy(log: JournalLog): ApplyResult {
    const name = String(log.study_name);
    for (const s of this.studies.values()) {
      if (s.studyName === name) {
        return {
          applied: false,
          error: new DuplicatedStudyError(
            `a study named ${JSON.stringify(name)} already exists; pass loadIfExists: true to continue it, or choose another studyName`,
          ),
        };
      }
    }
    const directions = (log.directions as number[]).map((d) => {
      const dir = DIRECTIONS[Number(d)];
      if (!dir) throw new StorageError(`journal: unknown study direction ${JSON.stringify(d)}`);
      return dir;
    });
    const id = this.nextStudyId++;
    this.studies.set(id, { studyId: id, studyName: name, directions, userAttrs: {}, systemAttrs: {} });
    this.studyTrialIds.set(id, []);
    return { applied: true, studyId: id };
  }

  private createTrial(log: JournalLog): ApplyResult {
    const studyId = Number(log.study_id);
    if (!this.studies.has(studyId)) return { applied: false, error: new StorageError(`no study with id ${studyId}`) };
    const trialId = this.trials.length;
    const ids = this.studyTrialIds.get(studyId)!;
    const distributions: Record<string, Distribution> = {};
    for (const [k, v] of Object.entries((log.distributions ?? {}) as Record<string, string>))
      distributions[k] = typeof v === 'string' ? this.distribution(v) : jsonToDistribution(v);
    const params: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries((log.params ?? {}) as Record<string, number>)) {
      const d = distributions[k];
      if (!d) throw new StorageError(`journal: trial parameter ${JSON.stringify(k)} has no distribution`);
      params[k] = toExternal(d, v);
    }
    const intermediateValues: Record<number, number> = {};
    for (const [k, v] of Object.entries((log.intermediate_values ?? {}) as Record<string, number>)) intermediateValues[Number(k)] = v;
    const state = log.state === undefined ? 'RUNNING' : stateFromCode(log.state);
    const values = (log.values as number[] | null | undefined) ?? (log.value === null || log.value === undefined ? null : [log.value as number]);
    const trial: FrozenTrial = {
      number: ids.length,
      trialId,
      state,
      values,
      value: null,
      params,
      distributions,
      intermediateValues,
      userAttrs: (log.user_attrs ?? {}) as Record<string, JsonValue>,
      systemAttrs: (log.system_attrs ?? {}) as Record<string, JsonValue>,
      datetimeStart: parseDatetime(log.datetime_start),
      datetimeComplete: parseDatetime(log.datetime_complete),
    };
    this.trials.push(this.withValue(trial, studyId));
    this.trialStudy[trialId] = studyId;
    ids.push(trialId);
    if (state === 'RUNNING') this.owners.set(trialId, log.worker_id);
    return { applied: true, trialId, studyId };
  }

  /** Distributions by their JSON: a study repeats a few texts thousands of times, and distributions are immutable. */
  private readonly distributionCache = new Map<string, Distribution>();

  private distribution(json: string): Distribution {
    let d = this.distributionCache.get(json);
    if (d === undefined) {
      d = jsonToDistribution(json);
      if (this.distributionCache.size > 10_000) this.distributionCache.clear();
      this.distributionCache.set(json, d);
    }
    return d;
  }

  private setParam(log: JournalLog): ApplyResult {
    const r = this.updatable(log);
    if (r.error || r.trial === undefined) return { applied: false, ...(r.error ? { error: r.error } : {}) };
    const name = String(log.param_name);
    const distribution =
      typeof log.distribution === 'string' ? this.distribution(log.distribution) : jsonToDistribution(log.distribution as Record<string, unknown>);
    const error = this.compatibilityError(r.trial.trialId, name, distribution);
    if (error) return { applied: false, error };
    const t = r.trial;
    this.replaceTrial({
      ...t,
      params: { ...t.params, [name]: toExternal(distribution, log.param_value_internal as number) },
      distributions: { ...t.distributions, [name]: distribution },
    });
    return { applied: true, trialId: t.trialId };
  }

  /** The error of setting `name` with `distribution` on a trial, against the first earlier trial that has it. */
  compatibilityError(trialId: number, name: string, distribution: Distribution): Error | undefined {
    const studyId = this.trialStudy[trialId];
    if (studyId === undefined) return new StorageError(`no trial with id ${trialId}`);
    for (const id of this.studyTrialIds.get(studyId) ?? []) {
      const previous = this.trials[id]!.distributions[name];
      if (previous) {
        try {
          checkDistributionCompatibility(name, previous, distribution);
        } catch (e) {
          return e as Error;
        }
        break;
      }
    }
    return undefined;
  }

  private setStateValues(log: JournalLog): ApplyResult {
    const r = this.updatable(log);
    if (r.error || r.trial === undefined) return { applied: false, ...(r.error ? { error: r.error } : {}) };
    const t = r.trial;
    const state = stateFromCode(log.state);
    // A second RUNNING write to a trial loses the claim race: nothing changes.
    if (state === 'RUNNING' && t.state === 'RUNNING') return { applied: false, trialId: t.trialId };
    let next: FrozenTrial = { ...t, state };
    if (state === 'RUNNING') {
      next = { ...next, datetimeStart: parseDatetime(log.datetime_start) };
      this.owners.set(t.trialId, log.worker_id);
    }
    if (isFinished(state)) next = { ...next, datetimeComplete: parseDatetime(log.datetime_complete) };
    if (log.values !== null && log.values !== undefined) next = { ...next, values: log.values as number[] };
    this.replaceTrial(next);
    return { applied: true, trialId: t.trialId };
  }

  private updatable(log: JournalLog): { trial?: FrozenTrial; error?: Error } {
    const id = Number(log.trial_id);
    const t = this.trials[id];
    if (!t || !this.studies.has(this.trialStudy[id]!)) return { error: new StorageError(`no trial with id ${id}`) };
    if (isFinished(t.state)) return { error: new StorageError(`trial ${t.number} has already finished (${t.state}) and cannot be updated`) };
    return { trial: t };
  }

  private withValue(t: FrozenTrial, studyId: number): FrozenTrial {
    const single = (this.studies.get(studyId)?.directions.length ?? 1) === 1;
    const value = single && t.values && t.values.length === 1 ? t.values[0]! : null;
    return value === t.value ? t : { ...t, value };
  }

  private replaceTrial(t: FrozenTrial): void {
    this.trials[t.trialId] = this.withValue(t, this.trialStudy[t.trialId]!);
  }

  allTrials(studyId: number, states?: readonly TrialState[]): FrozenTrial[] {
    if (!this.studies.has(studyId)) throw new StorageError(`no study with id ${studyId}`);
    const out: FrozenTrial[] = [];
    for (const id of this.studyTrialIds.get(studyId)!) {
      const t = this.trials[id]!;
      if (!states || states.includes(t.state)) out.push(t);
    }
    return out;
  }
}
