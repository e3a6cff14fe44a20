/**
 * CSV files in Node: {@link fromCsv} with a `{ path }`, and {@link streamCsv} for files larger
 * than memory, read in batches.
 * @module
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe } from '../../errors';
import { CsvTokenizer, type CsvOptions, type CsvRecord, fromCsv as fromCsvText, headerColumns, recordsTable } from '../csv';
import { EncodingFitter, type TabularDataset, type TabularEncoding, encodeTable } from '../tabular';

/**
 * Reads CSV text, or a file with `{ path }` (then it returns a Promise). See the browser-safe
 * `fromCsv` in `src/data/csv.ts` for the options.
 *
 * @example
 * ```ts
 * const train = await knobs.data.fromCsv({ path: 'train.csv' }, { labelColumn: 'label' });
 * const test = await knobs.data.fromCsv({ path: 'test.csv' }, { encoding: train.encoding });
 * ```
 */
export function fromCsv(text: string, options?: CsvOptions): TabularDataset;
export function fromCsv(file: { path: string }, options?: CsvOptions): Promise<TabularDataset>;
export function fromCsv(input: string | { path: string }, options: CsvOptions = {}): TabularDataset | Promise<TabularDataset> {
  if (typeof input === 'string') return fromCsvText(input, options);
  if (input === null || typeof input !== 'object' || typeof input.path !== 'string') {
    return Promise.reject(new TypeError(`fromCsv: expected CSV text or { path }, got ${describe(input)}`));
  }
  return readFile(input.path, 'utf8').then((text) => fromCsvText(text, options));
}

/** Options of {@link streamCsv}. */
export interface StreamCsvOptions extends CsvOptions {
  /** Rows read per batch. Default 1024. */
  batchSize?: number;
}

/** Records of a CSV file, a chunk at a time, with the header first. */
async function* records(path: string, options: CsvOptions): AsyncGenerator<{ columns: string[]; records: CsvRecord[] }> {
  const tok = new CsvTokenizer(options.delimiter ?? ',');
  let columns: string[] | undefined;
  const header = options.header ?? true;
  const take = (recs: CsvRecord[]): CsvRecord[] => {
    if (!columns && recs.length) {
      if (header) columns = headerColumns('streamCsv', recs.shift()!);
      else columns = recs[0]!.fields.map((_, i) => String(i));
    }
    return recs;
  };
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) {
    const recs = take(tok.push(chunk as string));
    if (recs.length) yield { columns: columns!, records: recs };
  }
  const last = take(tok.end());
  if (!columns) throw new RangeError(`streamCsv: ${path} is empty (no header line)`);
  yield { columns, records: last };
}

/**
 * Fits the encoding of a CSV file in one streaming pass (which columns are numeric, the
 * categories of each categorical column, the classes), in memory proportional to the number of
 * distinct categories, not to the file. Pass the result to {@link streamCsv} or {@link fromCsv}.
 *
 * @example
 * ```ts
 * const encoding = await knobs.data.fitCsvEncoding('big.csv', { labelColumn: 'label' });
 * ```
 */
export async function fitCsvEncoding(path: string, options: CsvOptions = {}): Promise<TabularEncoding> {
  const fitter = new EncodingFitter('streamCsv', options);
  for await (const { columns, records: recs } of records(path, options)) fitter.add(recordsTable('streamCsv', columns, recs));
  return fitter.finish();
}

/**
 * Reads a CSV file larger than memory as an async iterator of dataset batches of `batchSize`
 * rows (the last batch is smaller; with `missing: 'drop'` a batch holds its rows that remain).
 *
 * Encoding is the same in every batch: categorical vocabularies and classes come from
 * `options.encoding` when given (one pass over the file), or else from a first streaming pass
 * over the whole file ({@link fitCsvEncoding}) before the batches are read: two passes, so a
 * category that only appears late in the file still gets its column in the first batch.
 * Each batch carries the encoding (`batch.encoding`).
 *
 * @example
 * ```ts
 * for await (const batch of knobs.data.streamCsv('big.csv', { labelColumn: 'label', batchSize: 4096 })) {
 *   model.trainOnBatch(batch.x, batch.y);
 * }
 * ```
 */
export async function* streamCsv(path: string, options: StreamCsvOptions = {}): AsyncGenerator<TabularDataset, void, undefined> {
  const where = 'streamCsv';
  if (typeof path !== 'string') throw new TypeError(`${where}: path must be a string, got ${describe(path)}`);
  const batchSize = options.batchSize ?? 1024;
  if (!Number.isInteger(batchSize) || batchSize <= 0)
    throw new RangeError(`${where}: options.batchSize must be a positive integer, got ${describe(batchSize)}`);
  const encoding = options.encoding ?? (await fitCsvEncoding(path, options));
  const opts = { ...options, encoding };
  const fitter = new EncodingFitter(where, opts);
  let pending: CsvRecord[] = [];
  let columns: string[] = [];
  const emit = (recs: CsvRecord[]): TabularDataset => encodeTable(where, recordsTable(where, columns, recs), encoding, opts, fitter);
  for await (const chunk of records(path, options)) {
    columns = chunk.columns;
    for (const r of chunk.records) pending.push(r);
    while (pending.length >= batchSize) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      yield emit(batch);
    }
  }
  if (pending.length) yield emit(pending);
}
