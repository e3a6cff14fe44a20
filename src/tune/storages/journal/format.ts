/**
 * The journal format of Optuna's JournalStorage (Optuna >= 3.1), which knobs reads and writes.
 *
 * A journal is a sequence of operations, each a JSON object with `op_code`, `worker_id`
 * and the fields of that operation; a file journal holds one per line. Replaying the
 * operations in order rebuilds every study. Ids are positions: a study's id is the count of
 * studies created before it, a trial's id the count of trials created before it (in any
 * study), its number the count of trials of its study before it. Field names and values
 * follow `optuna/storages/_journal/storage.py`:
 *
 * | op | name                          | fields                                              |
 * |----|-------------------------------|-----------------------------------------------------|
 * | 0  | CREATE_STUDY                  | study_name, directions (1 minimize, 2 maximize)     |
 * | 1  | DELETE_STUDY                  | study_id                                            |
 * | 2  | SET_STUDY_USER_ATTR           | study_id, user_attr: {key: value}                   |
 * | 3  | SET_STUDY_SYSTEM_ATTR         | study_id, system_attr: {key: value}                 |
 * | 4  | CREATE_TRIAL                  | study_id, datetime_start, and for a template: state, value, values, datetime_complete, distributions (JSON strings), params (internal), user_attrs, system_attrs, intermediate_values |
 * | 5  | SET_TRIAL_PARAM               | trial_id, param_name, param_value_internal, distribution (JSON string) |
 * | 6  | SET_TRIAL_STATE_VALUES        | trial_id, state (0 RUNNING ... 4 WAITING), values, datetime_start or datetime_complete |
 * | 7  | SET_TRIAL_INTERMEDIATE_VALUE  | trial_id, step, intermediate_value                  |
 * | 8  | SET_TRIAL_USER_ATTR           | trial_id, user_attr: {key: value}                   |
 * | 9  | SET_TRIAL_SYSTEM_ATTR         | trial_id, system_attr: {key: value}                 |
 *
 * Datetimes are Python's `isoformat(timespec="microseconds")` of local time, without zone.
 * @module
 */
import { parsePyJson, pyFloat, toPyJson } from '../../pyjson';
import type { JournalLog } from '../base';

/**
 * Operation codes of the journal.
 *
 * @example
 * ```ts
 * const created = backend.readLogs(0).filter((log) => log.op_code === tune.JournalOperation.CREATE_TRIAL);
 * ```
 */
export const JournalOperation = {
  CREATE_STUDY: 0,
  DELETE_STUDY: 1,
  SET_STUDY_USER_ATTR: 2,
  SET_STUDY_SYSTEM_ATTR: 3,
  CREATE_TRIAL: 4,
  SET_TRIAL_PARAM: 5,
  SET_TRIAL_STATE_VALUES: 6,
  SET_TRIAL_INTERMEDIATE_VALUE: 7,
  SET_TRIAL_USER_ATTR: 8,
  SET_TRIAL_SYSTEM_ATTR: 9,
} as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Python's `datetime.now().isoformat(timespec="microseconds")`: local time, no zone. */
export function formatDatetime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds() * 1000, 6)}`;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses Python's `isoformat` (naive = local time, or with a zone). Null for null. */
export function parseDatetime(text: unknown): Date | null {
  if (text === null || text === undefined) return null;
  const m = ISO.exec(String(text));
  if (!m) {
    const d = new Date(String(text));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const [, y, mo, da, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.floor(Number(frac.padEnd(6, '0')) / 1000) : 0;
  const parts = [Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s ?? 0), ms] as const;
  if (!zone) return new Date(...parts);
  const utc = Date.UTC(...parts);
  if (zone === 'Z') return new Date(utc);
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  return new Date(utc - offsetMinutes * 60_000);
}

function asFloat(v: unknown): unknown {
  return typeof v === 'number' ? pyFloat(v) : v;
}

function isCategoricalJson(json: unknown): boolean {
  return typeof json === 'string' && json.includes('"CategoricalDistribution"');
}

/**
 * One journal record as Python's `json.dumps` writes it. Records are plain objects in
 * memory; this marks the fields that Python holds as floats (objective values, reported
 * values, internal parameter values other than categorical indices) so they are written
 * `1.0`, as Optuna writes them.
 */
export function journalLogToLine(log: JournalLog): string {
  const out: Record<string, unknown> = { ...log };
  if ('value' in out) out.value = asFloat(out.value);
  if (Array.isArray(out.values)) out.values = out.values.map(asFloat);
  if ('intermediate_value' in out) out.intermediate_value = asFloat(out.intermediate_value);
  if ('param_value_internal' in out && !isCategoricalJson(out.distribution)) out.param_value_internal = asFloat(out.param_value_internal);
  if (out.params && typeof out.params === 'object') {
    const dists = (out.distributions ?? {}) as Record<string, unknown>;
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out.params as Record<string, unknown>)) params[k] = isCategoricalJson(dists[k]) ? v : asFloat(v);
    out.params = params;
  }
  if (out.intermediate_values && typeof out.intermediate_values === 'object') {
    const iv: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(out.intermediate_values as Record<string, unknown>)) iv[k] = asFloat(v);
    out.intermediate_values = iv;
  }
  return toPyJson(out);
}

/** Parses one line of a journal file. */
export function lineToJournalLog(line: string): JournalLog {
  const log = parsePyJson(line) as JournalLog;
  if (typeof log !== 'object' || log === null || typeof log.op_code !== 'number') throw new SyntaxError('not a journal record (no op_code)');
  return log;
}
