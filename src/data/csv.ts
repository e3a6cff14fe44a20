/**
 * CSV: a tokenizer (RFC 4180: quoted fields, doubled quotes, CRLF, newlines inside quotes)
 * that takes text in chunks, and {@link fromCsv} over it. Browser-safe: reading files and
 * streaming files larger than memory are in `src/data/node/csv.ts`.
 * @module
 */
import { ShapeError, describe } from '../errors';
import { EncodingFitter, type Table, type TableOptions, type TabularDataset, encodeTable } from './tabular';

/** Options of the CSV loaders: the table options plus the text format. */
export interface CsvOptions extends TableOptions {
  /** Field separator. Default ','. */
  delimiter?: string;
  /** The first line names the columns. Default true; without it the columns are named '0', '1', ... */
  header?: boolean;
}

/** One parsed record and the line it starts on (1-based). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * An incremental CSV tokenizer: `push` text as it arrives, get the complete records back;
 * `end` flushes the last one. A record split across chunks (even inside quotes) is joined.
 * Blank lines are skipped.
 *
 * @example
 * ```ts
 * const tok = new knobs.data.CsvTokenizer();
 * tok.push('a,b\n"x, y",');   // [{ fields: ['a', 'b'], line: 1 }]
 * tok.push('2\n');            // [{ fields: ['x, y', '2'], line: 2 }]
 * tok.end();                  // []
 * ```
 */
export class CsvTokenizer {
  private field = '';
  private fields: string[] = [];
  private inQuotes = false;
  /** The previous chunk ended on a quote inside a quoted field: is it "" or the closing quote? */
  private pendingQuote = false;
  /** The previous chunk ended on \r: a following \n belongs to the same line break. */
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private fieldStarted = false;

  constructor(private readonly delimiter = ',') {
    if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`csv: options.delimiter must be one character other than a quote or a newline, got ${describe(delimiter)}`);
    }
  }

  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const d = this.delimiter;
    let i = 0;
    const n = text.length;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (n > 0 && text[0] === '\n') i = 1;
    }
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (n > 0 && text[0] === '"') {
        this.field += '"';
        i = 1;
      } else this.inQuotes = false;
    }
    let start = i;
    while (i < n) {
      const ch = text[i]!;
      if (this.inQuotes) {
        if (ch === '"') {
          this.field += text.slice(start, i);
          if (i + 1 >= n) {
            this.pendingQuote = true;
            i++;
            start = i;
            break;
          }
          if (text[i + 1] === '"') {
            this.field += '"';
            i += 2;
            start = i;
            continue;
          }
          this.inQuotes = false;
          i++;
          start = i;
          continue;
        }
        if (ch === '\n') this.line++;
        i++;
        continue;
      }
      if (ch === '"' && !this.fieldStarted && start === i) {
        this.inQuotes = true;
        this.fieldStarted = true;
        i++;
        start = i;
        continue;
      }
      if (ch === d) {
        this.fields.push(this.field + text.slice(start, i));
        this.field = '';
        this.fieldStarted = false;
        i++;
        start = i;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        this.field += text.slice(start, i);
        this.endRecord(out);
        if (ch === '\r') {
          if (i + 1 < n) {
            if (text[i + 1] === '\n') i++;
          } else this.pendingCR = true;
        }
        this.line++;
        this.recordLine = this.line;
        i++;
        start = i;
        continue;
      }
      this.fieldStarted = true;
      i++;
    }
    if (start < n) {
      this.field += text.slice(start, n);
      if (!this.inQuotes) this.fieldStarted = true;
    }
    return out;
  }

  end(): CsvRecord[] {
    if (this.inQuotes && !this.pendingQuote) throw new RangeError(`csv: a quoted field opened on line ${this.recordLine} is never closed`);
    this.pendingQuote = false;
    this.inQuotes = false;
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }

  private endRecord(out: CsvRecord[]): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.fieldStarted;
    if (!blank) out.push({ fields: this.fields, line: this.recordLine });
    this.fields = [];
    this.field = '';
    this.fieldStarted = false;
  }
}

/** A table over parsed records; ragged records are an error naming their lines. @internal */
export function recordsTable(where: string, columns: readonly string[], records: CsvRecord[]): Table {
  const bad: string[] = [];
  let count = 0;
  for (const r of records) {
    if (r.fields.length !== columns.length) {
      if (bad.length < 10) bad.push(`line ${r.line} has ${r.fields.length}`);
      count++;
    }
  }
  if (count > 0) {
    throw new ShapeError(
      `${where}: ragged rows: the header has ${columns.length} columns but ${bad.join(', ')}${count > bad.length ? `, and ${count - bad.length} more rows differ` : ''}`,
    );
  }
  return {
    columns,
    rows: records.length,
    cell: (r, c) => records[r]!.fields[c],
    rowName: (r) => `line ${records[r]!.line}`,
  };
}

/** The header (or numbered columns) and the data records of a whole text. @internal */
export function parseCsvText(where: string, text: string, options: CsvOptions): { columns: string[]; records: CsvRecord[] } {
  const tok = new CsvTokenizer(options.delimiter ?? ',');
  const records = tok.push(text);
  records.push(...tok.end());
  if (options.header ?? true) {
    const head = records.shift();
    if (!head) throw new RangeError(`${where}: the text is empty (no header line)`);
    return { columns: headerColumns(where, head), records };
  }
  const width = records[0]?.fields.length ?? 0;
  return { columns: Array.from({ length: width }, (_, i) => String(i)), records };
}

/** Header names, trimmed; duplicates are an error (a column must be nameable). @internal */
export function headerColumns(where: string, head: CsvRecord): string[] {
  const columns = head.fields.map((s, i) => s.trim() || String(i));
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) throw new RangeError(`${where}: the header names column ${JSON.stringify(c)} twice`);
    seen.add(c);
  }
  return columns;
}

/**
 * Reads CSV text with a header into a dataset. Numeric columns become features as they are;
 * other columns are categorical, one-hot by default (at most `maxCategories` values); a column of
 * numbers with a few text cells is an error naming them (or, with `nonNumeric: 'missing'`,
 * missing values). The label column (default: the last) becomes class labels or regression
 * targets as `task` says (see {@link TableOptions.task}: 'auto' infers it, and names the row
 * where one bad label would change the task or shift every class).
 * Missing values are an error listing them by line and column, unless `missing` says otherwise.
 *
 * The result carries its `encoding`: pass it to load a test file with the same columns.
 * In Node, `knobs.data.fromCsv({ path })` reads a file (see `src/data/node/csv.ts`).
 *
 * @example
 * ```ts
 * const train = knobs.data.fromCsv('age,color,label\n31,red,yes\n45,blue,no\n', { labelColumn: 'label' });
 * train.featureNames;  // ['age', 'color=blue', 'color=red']
 * train.classNames;    // ['no', 'yes']
 * const test = knobs.data.fromCsv(testText, { encoding: train.encoding });
 * ```
 */
export function fromCsv(text: string | { path: string }, options: CsvOptions = {}): TabularDataset {
  const where = 'fromCsv';
  if (typeof text !== 'string') {
    if (text !== null && typeof text === 'object' && 'path' in text) {
      throw new TypeError(`${where}: reading a file ({ path }) needs Node.js: use the Node entry of knobs, or pass the CSV text`);
    }
    throw new TypeError(`${where}: expected CSV text, got ${describe(text)}`);
  }
  const { columns, records } = parseCsvText(where, text, options);
  const table = recordsTable(where, columns, records);
  const fitter = new EncodingFitter(where, options);
  fitter.add(table);
  return encodeTable(where, table, fitter.finish(), options, fitter);
}
