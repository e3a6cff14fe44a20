/**
 * The trials of a study as a table (Optuna's `study.trials_dataframe()`), as rows, JSON or
 * CSV. Columns, as Optuna names them: `number`, `value` (or `values_0`, `values_1`, ... for
 * several objectives), `datetime_start`, `datetime_complete` (ISO 8601), `duration`
 * (seconds; a timedelta in Optuna), `params_<name>`, `user_attrs_<key>`, `system_attrs_<key>`,
 * `state`; and on request `intermediate_values` (an object step -> value).
 * @module
 */
import type { FrozenTrial, JsonValue } from './frozenTrial';
import { duration } from './frozenTrial';
import { checkOptions } from './validate';

/** Which columns: Optuna's `attrs` names. */
export type TrialsTableAttr =
  'number' | 'value' | 'datetime_start' | 'datetime_complete' | 'duration' | 'params' | 'user_attrs' | 'system_attrs' | 'state' | 'intermediate_values';

/** Options of `study.trialsTable`. */
export interface TrialsTableOptions {
  /** 'rows' (default: an array of objects), 'json' (a string) or 'csv' (a string). */
  format?: 'rows' | 'json' | 'csv';
  /** Default: Optuna's (every attr but intermediate_values). */
  attrs?: readonly TrialsTableAttr[];
}

/** A table cell. */
export type Cell = JsonValue;

const DEFAULT_ATTRS: readonly TrialsTableAttr[] = [
  'number',
  'value',
  'datetime_start',
  'datetime_complete',
  'duration',
  'params',
  'user_attrs',
  'system_attrs',
  'state',
];
const ALL_ATTRS: readonly TrialsTableAttr[] = [...DEFAULT_ATTRS, 'intermediate_values'];

function csvCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** @internal Used by `Study.trialsTable`. */
export function trialsTable(trials: readonly FrozenTrial[], nObjectives: number, options: TrialsTableOptions = {}): Record<string, Cell>[] | string {
  const o = checkOptions('trialsTable', options, ['format', 'attrs']);
  const format = o.format ?? 'rows';
  if (format !== 'rows' && format !== 'json' && format !== 'csv')
    throw new RangeError(`trialsTable: options.format must be 'rows', 'json' or 'csv', got ${JSON.stringify(format)}`);
  const attrs = (o.attrs as readonly TrialsTableAttr[] | undefined) ?? DEFAULT_ATTRS;
  if (!Array.isArray(attrs)) throw new TypeError(`trialsTable: options.attrs must be an array, got ${JSON.stringify(attrs)}`);
  for (const a of attrs) if (!ALL_ATTRS.includes(a)) throw new RangeError(`trialsTable: unknown attr ${JSON.stringify(a)} (known: ${ALL_ATTRS.join(', ')})`);

  const keysOf = (pick: (t: FrozenTrial) => object) => [...new Set(trials.flatMap((t) => Object.keys(pick(t))))].sort();
  const paramKeys = keysOf((t) => t.params),
    userKeys = keysOf((t) => t.userAttrs),
    systemKeys = keysOf((t) => t.systemAttrs);
  const columns: string[] = [];
  for (const a of attrs) {
    if (a === 'value') {
      if (nObjectives === 1) columns.push('value');
      else for (let i = 0; i < nObjectives; i++) columns.push(`values_${i}`);
    } else if (a === 'params') columns.push(...paramKeys.map((k) => `params_${k}`));
    else if (a === 'user_attrs') columns.push(...userKeys.map((k) => `user_attrs_${k}`));
    else if (a === 'system_attrs') columns.push(...systemKeys.map((k) => `system_attrs_${k}`));
    else columns.push(a);
  }
  const rows = trials.map((t) => {
    const row: Record<string, Cell> = {};
    for (const a of attrs) {
      switch (a) {
        case 'number':
          row.number = t.number;
          break;
        case 'value':
          if (nObjectives === 1) row.value = t.values?.[0] ?? null;
          else for (let i = 0; i < nObjectives; i++) row[`values_${i}`] = t.values?.[i] ?? null;
          break;
        case 'datetime_start':
          row.datetime_start = t.datetimeStart?.toISOString() ?? null;
          break;
        case 'datetime_complete':
          row.datetime_complete = t.datetimeComplete?.toISOString() ?? null;
          break;
        case 'duration': {
          const d = duration(t);
          row.duration = d === null ? null : d / 1000;
          break;
        }
        case 'params':
          for (const k of paramKeys) row[`params_${k}`] = t.params[k] ?? null;
          break;
        case 'user_attrs':
          for (const k of userKeys) row[`user_attrs_${k}`] = t.userAttrs[k] ?? null;
          break;
        case 'system_attrs':
          for (const k of systemKeys) row[`system_attrs_${k}`] = t.systemAttrs[k] ?? null;
          break;
        case 'state':
          row.state = t.state;
          break;
        case 'intermediate_values':
          row.intermediate_values = { ...t.intermediateValues } as Record<string, JsonValue>;
          break;
      }
    }
    return row;
  });
  if (format === 'rows') return rows;
  if (format === 'json') return JSON.stringify(rows);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}
