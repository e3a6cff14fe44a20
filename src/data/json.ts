/**
 * JSON rows: an array of objects, one per example, such as an API or a database returns.
 * @module
 */
import { describe } from '../errors';
import { EncodingFitter, type TableOptions, type TabularDataset, encodeTable } from './tabular';

/** Options of {@link fromJsonRows}: the table options, with the label named by key. */
export interface JsonRowsOptions extends Omit<TableOptions, 'labelColumn' | 'sourceColumn' | 'columns'> {
  /** The key of the label. Default: the last key of the first row. null: no labels. */
  labelKey?: string | null;
  /** Keys to read as features, in order. Default: every key of the first row but the label and source. */
  keys?: readonly string[];
  /** A key to read as the per-example source (group) attribute. */
  sourceKey?: string;
}

/**
 * Reads an array of objects into a dataset. Numbers and booleans are numeric features;
 * strings are categories (one-hot by default, even when they look like numbers); a key that
 * holds numbers in most rows and strings in a few is an error naming them (`nonNumeric:
 * 'missing'` reads those as missing); null, undefined, NaN and missing keys are missing values
 * (an error listing them by row and key, unless `missing` says otherwise). Nested objects and
 * arrays are an error. Labels are read as `task` says, as in `fromCsv`.
 *
 * @example
 * ```ts
 * const d = knobs.data.fromJsonRows(
 *   [{ age: 31, country: 'FR', bought: 1 }, { age: 45, country: 'DE', bought: 0 }],
 *   { labelKey: 'bought', sourceKey: 'country', keys: ['age'] },
 * );
 * d.source; // ['FR', 'DE']
 * ```
 */
export function fromJsonRows(rows: readonly Readonly<Record<string, unknown>>[], options: JsonRowsOptions = {}): TabularDataset {
  const where = 'fromJsonRows';
  if (!Array.isArray(rows)) throw new TypeError(`${where}: rows must be an array of objects, got ${describe(rows)}`);
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`${where}: row ${i} must be an object, got ${describe(r)}`);
  });
  // columns: the first row's keys, then keys that only later rows have (so none is ignored silently)
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  if (options.encoding === undefined && columns.length === 0) throw new RangeError(`${where}: no keys in the rows`);
  const labelKey = options.labelKey === undefined ? (rows.length ? Object.keys(rows[0]!).at(-1) : undefined) : options.labelKey;
  const table = {
    columns,
    rows: rows.length,
    cell(r: number, c: number) {
      const v = rows[r]![columns[c]!];
      if (v !== null && typeof v === 'object')
        throw new TypeError(`${where}: row ${r} key ${JSON.stringify(columns[c])} holds ${describe(v)}; only numbers, strings, booleans and null are read`);
      return v as string | number | boolean | null | undefined;
    },
    rowName: (r: number) => `row ${r}`,
  };
  const { labelKey: _l, keys, sourceKey, ...rest } = options;
  const tableOptions: TableOptions = {
    ...rest,
    labelColumn: labelKey ?? null,
    ...(keys ? { columns: keys } : {}),
    ...(sourceKey !== undefined ? { sourceColumn: sourceKey } : {}),
  };
  const fitter = new EncodingFitter(where, tableOptions, true);
  fitter.add(table);
  return encodeTable(where, table, fitter.finish(), tableOptions, fitter);
}
