/**
 * Turning a table of cells (from CSV text or JSON rows) into a {@link Dataset}: numeric
 * columns as they are, categorical columns one-hot or ordinal, the label column as class
 * labels or regression targets, missing values reported or handled as asked.
 *
 * Encoding happens in two steps: fit a {@link TabularEncoding} (which columns are numeric,
 * the categories of each categorical column, the classes), then encode rows with it. The
 * encoding is plain JSON: pass the one fitted on the training file to the loader of the test
 * file, or to a streaming reader, and every batch gets the same columns.
 * @module
 */
import { Dataset, type DatasetInit, classCountLimit } from './dataset';
import { ShapeError, describe } from '../errors';

/** A table cell: CSV gives strings, JSON rows give any of these. */
export type Cell = string | number | boolean | null | undefined;

/** A table: named columns, rows of cells. */
export interface Table {
  columns: readonly string[];
  rows: number;
  cell(row: number, column: number): Cell;
  /** How an error message names row `i` (a CSV line number, say). */
  rowName?(row: number): string;
}

export type CategoricalEncoding = 'onehot' | 'ordinal';

/** How one input column becomes features. */
export interface ColumnEncoding {
  name: string;
  /** numeric: one feature; onehot: one feature per category; ordinal: the category's index. */
  kind: 'numeric' | CategoricalEncoding;
  /** The categories, in feature order (onehot) or index order (ordinal). */
  categories?: string[];
}

/** A fitted encoding: reuse it for every file and batch that must share columns. */
export interface TabularEncoding {
  columns: ColumnEncoding[];
  /** The label column; absent when the table has no labels (y is then empty). */
  label?: { name: string; kind: 'class'; classes: number; classNames?: string[] } | { name: string; kind: 'number' };
  /** The column read as the per-example source attribute. */
  source?: string;
  /** Names of the encoded features (`color=red` for one-hot columns). */
  featureNames: string[];
}

/** Options shared by the table loaders (CSV, JSON rows). */
export interface TableOptions {
  /** The label column (name or index). Default: the last column. null: no labels. */
  labelColumn?: string | number | null;
  /** Feature columns to use, in order. Default: every column but the label and source columns. */
  columns?: readonly (string | number)[];
  /** A column to read as the per-example source (group) attribute; it is not a feature unless listed in `columns`. */
  sourceColumn?: string | number;
  /**
   * Encoding of categorical (non-numeric) columns: one for all ('onehot', the default, or
   * 'ordinal'), or per column, where 'numeric' forces a column to be read as numbers.
   */
  categorical?: 'auto' | CategoricalEncoding | Readonly<Record<string, CategoricalEncoding | 'numeric'>>;
  /** Category lists per column, in order (the order of ordinal codes). Values outside the list are an error. */
  vocabularies?: Readonly<Record<string, readonly string[]>>;
  /**
   * Missing values: 'error' (the default) lists them by row and column; 'drop' drops the rows
   * that have any (the result's `dropped` lists them); a number fills numeric cells with it,
   * ordinal cells too, and leaves a one-hot group all zeros. A missing label is never filled.
   */
  missing?: 'error' | 'drop' | number;
  /** Cells that count as missing. Default '', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'. */
  missingValues?: readonly string[];
  /**
   * Cells that are not numbers in a column that otherwise holds numbers (`7.0.0` among
   * decimals): 'error' (the default) names them by row and column; 'missing' treats them as
   * missing values, handled by `options.missing`. A column that is mostly text is categorical.
   */
  nonNumeric?: 'error' | 'missing';
  /**
   * Most distinct values a column may one-hot encode into features. Default 1000; a column
   * with more is an error (an identifier, or numbers with stray text), unless it is ordinal,
   * listed in `vocabularies` or forced numeric.
   */
  maxCategories?: number;
  /**
   * How the label column is read. 'regression': numbers. 'classification': class labels:
   * integers 0..k-1 as they are; strings, negative integers, and integers far beyond the
   * number of distinct labels (more than 2 x distinct + 10 classes) as class names, sorted
   * (numbers by value), with `classNames` recording the mapping; non-integer numbers are an error.
   * 'auto' (the default), after scikit-learn's `type_of_target`: strings are classes;
   * non-integer numbers are regression targets; integers are class indices when they look like
   * classes (at most 20 distinct values, or at least 10 rows per distinct value), else
   * regression targets (a count or a measure). Where one bad value would change the task or
   * shift every class, 'auto' is an error naming the row: a few non-integers among integer
   * classes, a negative integer label, a label far beyond the others (1e9 among digits), a few
   * text cells among numbers. Pass the task to settle it.
   */
  task?: 'auto' | 'classification' | 'regression';
  /** An encoding fitted earlier (on the training file): the same columns, categories and classes. */
  encoding?: TabularEncoding;
}

/**
 * A dataset read from a table, with the encoding that produced it and what was dropped or filled.
 *
 * @example
 * ```ts
 * const d = knobs.data.fromCsv('a,label\n1,x\n,y\n3,x\n', { missing: 'drop' });
 * d.dropped;                 // ['line 3']
 * d.encoding.featureNames;   // ['a']
 * ```
 */
export class TabularDataset extends Dataset {
  /** The encoding used: pass it as `options.encoding` to load other files the same way. */
  readonly encoding: TabularEncoding;
  /** Rows dropped for missing values (by the table's row names: CSV line numbers, JSON row indices). */
  readonly dropped: string[];
  /** Number of cells filled with `options.missing`. */
  readonly filled: number;

  constructor(init: DatasetInit, encoding: TabularEncoding, dropped: string[], filled: number) {
    super(init);
    this.encoding = encoding;
    this.dropped = dropped;
    this.filled = filled;
  }
}

const DEFAULT_MISSING = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', '?'];
const LIST_LIMIT = 10;

/** Parses a number cell; undefined when the cell is not a number. */
function numberOf(c: Cell): number | undefined {
  if (typeof c === 'number') return c;
  if (typeof c === 'boolean') return c ? 1 : 0;
  if (typeof c !== 'string') return undefined;
  const s = c.trim();
  if (s === '') return undefined;
  const v = Number(s);
  return Number.isNaN(v) ? undefined : v;
}

function keyOf(c: Cell): string {
  return typeof c === 'string' ? c.trim() : String(c);
}

function resolveColumn(where: string, columns: readonly string[], c: string | number, what: string): number {
  if (typeof c === 'number') {
    if (!Number.isInteger(c) || c < 0 || c >= columns.length) throw new RangeError(`${where}: ${what} ${c} is not a column index (0..${columns.length - 1})`);
    return c;
  }
  const i = columns.indexOf(c);
  if (i < 0)
    throw new RangeError(
      `${where}: ${what} ${JSON.stringify(c)} is not a column (columns: ${columns.slice(0, 20).join(', ')}${columns.length > 20 ? ', ...' : ''})`,
    );
  return i;
}

/** Column layout resolved against a table's header. */
interface Layout {
  features: number[];
  label: number;
  source: number;
}

function layoutOf(where: string, columns: readonly string[], o: TableOptions): Layout {
  if (o.encoding) {
    const e = o.encoding;
    return {
      features: e.columns.map((c) => resolveColumn(where, columns, c.name, 'encoding column')),
      label: e.label ? resolveColumn(where, columns, e.label.name, 'label column') : -1,
      source: e.source !== undefined ? resolveColumn(where, columns, e.source, 'source column') : -1,
    };
  }
  const label =
    o.labelColumn === null ? -1 : o.labelColumn === undefined ? columns.length - 1 : resolveColumn(where, columns, o.labelColumn, 'options.labelColumn');
  const source = o.sourceColumn === undefined ? -1 : resolveColumn(where, columns, o.sourceColumn, 'options.sourceColumn');
  const features = o.columns
    ? o.columns.map((c) => resolveColumn(where, columns, c, 'options.columns entry'))
    : columns.map((_, i) => i).filter((i) => i !== label && i !== source);
  if (features.includes(label) && label >= 0)
    throw new RangeError(`${where}: the label column ${JSON.stringify(columns[label])} is also listed in options.columns`);
  return { features, label, source };
}

/** Up to this many offending cells are named in an error message. */
const CELL_LIMIT = 5;

/** A list of offending cells, capped, for an error message. */
class CellList {
  readonly cells: string[] = [];
  count = 0;
  add(cell: () => string): void {
    if (this.cells.length < CELL_LIMIT) this.cells.push(cell());
    this.count++;
  }
  toString(): string {
    return this.cells.join(', ') + (this.count > this.cells.length ? `, and ${this.count - this.cells.length} more` : '');
  }
}

/**
 * Default for {@link TableOptions.maxCategories}: a column with more distinct values than this
 * is an identifier or a numeric column with stray text, not a category to one-hot encode.
 */
export const MAX_CATEGORIES = 1000;

/**
 * `task: 'auto'` reads integer labels as classes only when they look like classes: at most
 * this many distinct values, or else at least {@link AUTO_ROWS_PER_CLASS} rows per distinct
 * value. scikit-learn's `type_of_target` calls every integer target multiclass; its diabetes
 * target (214 distinct integers from 25 to 346 over 442 rows) shows why that is not enough.
 */
const AUTO_MAX_FEW_CLASSES = 20;
const AUTO_ROWS_PER_CLASS = 10;

/**
 * @internal
 * Accumulates what an encoding needs (which columns are numeric, their categories, the label
 * values) over one or more tables: the streaming reader's first pass feeds it chunk by chunk.
 */
export class EncodingFitter {
  private layout: Layout | undefined;
  private columns: readonly string[] = [];
  /** Per feature column: cells that read as numbers, and the others (named for errors). */
  private numbers: number[] = [];
  private texts: CellList[] = [];
  private categories: Set<string>[] = [];
  // the label column
  private labelRows = 0;
  private labelTexts = new CellList();
  private labelNonIntegers = new CellList();
  private labelNegative: string | undefined;
  private labelMax = -Infinity;
  private labelMaxCell = '';
  private labelNumbers = new Set<number>();
  private labelValues = new Set<string>();
  private readonly missingSet: Set<string>;

  constructor(
    private readonly where: string,
    private readonly o: TableOptions,
    private readonly stringsAreCategories = false,
  ) {
    this.missingSet = new Set(o.missingValues ?? DEFAULT_MISSING);
    checkOptions(where, o);
  }

  isMissing(c: Cell): boolean {
    return c === null || c === undefined || (typeof c === 'number' && Number.isNaN(c)) || (typeof c === 'string' && this.missingSet.has(c.trim()));
  }

  /** Missing in a numeric column: a missing cell, or with `nonNumeric: 'missing'` a cell that is not a number. */
  isMissingNumber(c: Cell): boolean {
    return this.isMissing(c) || (this.o.nonNumeric === 'missing' && !this.isNumber(c));
  }

  add(t: Table): void {
    if (this.o.encoding) return; // nothing to fit
    if (!this.layout) {
      this.columns = t.columns;
      this.layout = layoutOf(this.where, t.columns, this.o);
      this.numbers = this.layout.features.map(() => 0);
      this.texts = this.layout.features.map(() => new CellList());
      this.categories = this.layout.features.map(() => new Set());
    }
    const { features, label } = this.layout;
    const dropRows = this.o.missing === 'drop';
    const rowName = (r: number): string => (t.rowName ? t.rowName(r) : `row ${r}`);
    for (let r = 0; r < t.rows; r++) {
      if (dropRows && (features.some((c) => this.isMissing(t.cell(r, c))) || (label >= 0 && this.isMissing(t.cell(r, label))))) continue;
      features.forEach((c, k) => {
        const v = t.cell(r, c);
        if (this.isMissing(v)) return;
        if (this.isNumber(v)) this.numbers[k]!++;
        else this.texts[k]!.add(() => `${rowName(r)}: ${describe(v)}`);
        if (this.categories[k]!.size <= 100000) this.categories[k]!.add(keyOf(v));
      });
      if (label >= 0) {
        const v = t.cell(r, label);
        if (this.isMissing(v)) continue;
        this.labelRows++;
        const num = numberOf(v);
        if (num === undefined || !this.isNumber(v)) this.labelTexts.add(() => `${rowName(r)}: ${describe(v)}`);
        else {
          if (!Number.isInteger(num)) this.labelNonIntegers.add(() => `${rowName(r)}: ${describe(v)}`);
          if (num < 0 && this.labelNegative === undefined) this.labelNegative = `${describe(v)} on ${rowName(r)}`;
          if (num > this.labelMax) {
            this.labelMax = num;
            this.labelMaxCell = `${describe(v)} on ${rowName(r)}`;
          }
          if (this.labelNumbers.size <= 100000) this.labelNumbers.add(num);
        }
        if (this.labelValues.size <= 100000) this.labelValues.add(keyOf(v));
      }
    }
  }

  /**
   * Whether a (non-missing) cell reads as a number. CSV cells are text, so "3.5" is a number;
   * in JSON rows a string stays a string ("007" is a category), as the writer typed it.
   */
  private isNumber(v: Cell): boolean {
    if (typeof v === 'number' || typeof v === 'boolean') return true;
    return typeof v === 'string' && !this.stringsAreCategories && numberOf(v) !== undefined;
  }

  finish(): TabularEncoding {
    if (this.o.encoding) return this.o.encoding;
    if (!this.layout) throw new TypeError(`${this.where}: no table to fit an encoding on`);
    const { features, label, source } = this.layout;
    const cat = this.o.categorical ?? 'auto';
    const maxCategories = this.o.maxCategories ?? MAX_CATEGORIES;
    const columns: ColumnEncoding[] = features.map((c, k) => {
      const name = this.columns[c]!;
      const forced = typeof cat === 'object' ? cat[name] : undefined;
      const vocab = this.o.vocabularies?.[name];
      const texts = this.texts[k]!;
      if (forced === 'numeric') return { name, kind: 'numeric' };
      if (!forced && !vocab) {
        if (texts.count === 0) return { name, kind: 'numeric' };
        if (this.numbers[k]! > texts.count) {
          if (this.o.nonNumeric === 'missing') return { name, kind: 'numeric' };
          // mostly numbers: a few bad cells ("7.0.0") must not turn the column into thousands of one-hot features
          throw new RangeError(
            `${this.where}: column ${JSON.stringify(name)} holds numbers except ${texts}. Fix those cells, ` +
              `or pass nonNumeric: 'missing' to treat them as missing values (see options.missing), ` +
              `or categorical: { ${JSON.stringify(name)}: 'onehot' } to read the column as categories`,
          );
        }
      }
      const kind: CategoricalEncoding = forced ?? (cat === 'ordinal' ? 'ordinal' : 'onehot');
      let categories: string[];
      if (vocab) {
        categories = [...vocab];
        const outside = [...this.categories[k]!].filter((v) => !categories.includes(v));
        if (outside.length)
          throw new RangeError(
            `${this.where}: column ${JSON.stringify(name)} holds ${outside
              .slice(0, LIST_LIMIT)
              .map((v) => JSON.stringify(v))
              .join(', ')}, not in options.vocabularies.${name}`,
          );
      } else {
        categories = sortCategories([...this.categories[k]!]);
        if (this.categories[k]!.size > 100000)
          throw new RangeError(
            `${this.where}: column ${JSON.stringify(name)} has more than 100000 distinct values: not a categorical column (force it numeric, or leave it out with options.columns)`,
          );
        if (kind === 'onehot' && categories.length > maxCategories)
          throw new RangeError(
            `${this.where}: column ${JSON.stringify(name)} has ${categories.length} distinct values, more than options.maxCategories = ${maxCategories} ` +
              `one-hot features: read it as ordinal codes (categorical: { ${JSON.stringify(name)}: 'ordinal' }), leave it out with options.columns, ` +
              `or raise options.maxCategories`,
          );
      }
      return { name, kind, categories };
    });
    const enc: TabularEncoding = { columns, featureNames: featureNamesOf(columns) };
    if (label >= 0) enc.label = this.labelEncoding(this.columns[label]!);
    if (source >= 0) enc.source = this.columns[source]!;
    return enc;
  }

  /**
   * The label column's reading. 'regression' reads numbers; 'classification' reads class
   * indices 0..k-1, or (strings, negative integers, integers far beyond the distinct values)
   * class names, sorted, recorded in `classNames`; 'auto' infers one of the two and refuses
   * to guess where one bad value would change the task or shift every class.
   */
  private labelEncoding(name: string): NonNullable<TabularEncoding['label']> {
    const w = this.where;
    const task = this.o.task ?? 'auto';
    const col = `the label column ${JSON.stringify(name)}`;
    const texts = this.labelTexts;
    const nonInt = this.labelNonIntegers;
    const numeric = this.labelRows - texts.count;
    const distinct = this.labelNumbers.size;
    const names = (): NonNullable<TabularEncoding['label']> => {
      const classNames =
        texts.count === 0
          ? [...this.labelNumbers].sort((a, b) => a - b).map(String) // numbers by value: "1" and "1.0" are one class
          : sortCategories([...this.labelValues]);
      return { name, kind: 'class', classes: classNames.length, classNames };
    };
    if (task === 'regression') {
      if (texts.count > 0) throw new RangeError(`${w}: options.task is 'regression' but ${col} holds values that are not numbers: ${texts}`);
      return { name, kind: 'number' };
    }
    if (this.labelRows === 0) return task === 'classification' ? names() : { name, kind: 'number' };
    if (texts.count > 0) {
      // text labels are class names, unless nearly all are numbers (then the text is a stray cell)
      if (task === 'auto' && numeric > texts.count)
        throw new RangeError(
          `${w}: ${col} holds numbers except ${texts}. Fix those labels, or pass task: 'classification' to read every label as a class name`,
        );
      return names();
    }
    const indices = this.labelNegative === undefined && this.labelMax + 1 <= classCountLimit(distinct);
    if (task === 'classification') {
      if (nonInt.count > 0) throw new RangeError(`${w}: options.task is 'classification' but ${col} holds labels that are not integers: ${nonInt}`);
      // negative or far-off integers are read as names: classNames records the mapping
      return indices ? { name, kind: 'class', classes: this.labelMax + 1 } : names();
    }
    // task 'auto'
    const intDistinct = distinct - new Set([...this.labelNumbers].filter((v) => !Number.isInteger(v))).size;
    const looksLikeClasses = (d: number): boolean => d <= AUTO_MAX_FEW_CLASSES || this.labelRows >= AUTO_ROWS_PER_CLASS * d;
    if (nonInt.count > 0) {
      if (nonInt.count * 10 <= this.labelRows && looksLikeClasses(intDistinct))
        throw new RangeError(
          `${w}: ${col} holds integer class labels except ${nonInt}: class labels must be integers. ` +
            `Fix those labels, or pass task: 'regression' to read the labels as numbers`,
        );
      return { name, kind: 'number' };
    }
    if (!looksLikeClasses(distinct)) return { name, kind: 'number' }; // many distinct integers: a count or a measure
    const either =
      "pass task: 'classification' to read the labels as class names (sorted; classNames records them) or task: 'regression' to read them as numbers";
    if (this.labelNegative !== undefined)
      throw new RangeError(`${w}: ${col} holds the negative label ${this.labelNegative}: class labels are indices 0..k-1; ${either}`);
    if (!indices)
      throw new RangeError(
        `${w}: ${col} holds the label ${this.labelMaxCell}, which would make ${this.labelMax + 1} classes, but only ${distinct} distinct labels appear: ` +
          `class labels are indices 0..k-1; ${either}`,
      );
    return { name, kind: 'class', classes: this.labelMax + 1 };
  }
}

/** Numbers in numeric order, then strings in code-point order: the same on every machine. */
function sortCategories(values: string[]): string[] {
  return values.sort((a, b) => {
    const na = Number(a),
      nb = Number(b);
    const fa = a.trim() !== '' && Number.isFinite(na),
      fb = b.trim() !== '' && Number.isFinite(nb);
    if (fa && fb) return na - nb || (a < b ? -1 : a > b ? 1 : 0);
    if (fa !== fb) return fa ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function featureNamesOf(columns: ColumnEncoding[]): string[] {
  const names: string[] = [];
  for (const c of columns) {
    if (c.kind === 'onehot') for (const v of c.categories!) names.push(`${c.name}=${v}`);
    else names.push(c.name);
  }
  return names;
}

function checkOptions(where: string, o: TableOptions): void {
  if (o === null || typeof o !== 'object') throw new TypeError(`${where}: options must be an object, got ${describe(o)}`);
  const m = o.missing;
  if (m !== undefined && m !== 'error' && m !== 'drop' && !(typeof m === 'number' && Number.isFinite(m))) {
    throw new RangeError(`${where}: options.missing must be 'error', 'drop' or a finite number, got ${describe(m)}`);
  }
  const c = o.categorical;
  if (c !== undefined && c !== 'auto' && c !== 'onehot' && c !== 'ordinal') {
    if (c === null || typeof c !== 'object')
      throw new TypeError(`${where}: options.categorical must be 'auto', 'onehot', 'ordinal' or a {column: encoding} map, got ${describe(c)}`);
    for (const [k, v] of Object.entries(c)) {
      if (v !== 'onehot' && v !== 'ordinal' && v !== 'numeric')
        throw new RangeError(`${where}: options.categorical.${k} must be 'onehot', 'ordinal' or 'numeric', got ${describe(v)}`);
    }
  }
  if (o.nonNumeric !== undefined && o.nonNumeric !== 'error' && o.nonNumeric !== 'missing') {
    throw new RangeError(`${where}: options.nonNumeric must be 'error' or 'missing', got ${describe(o.nonNumeric)}`);
  }
  const mc = o.maxCategories;
  if (mc !== undefined && (typeof mc !== 'number' || !Number.isInteger(mc) || mc < 1)) {
    throw new RangeError(`${where}: options.maxCategories must be a positive integer, got ${describe(mc)}`);
  }
  if (o.task !== undefined && o.task !== 'auto' && o.task !== 'classification' && o.task !== 'regression') {
    throw new RangeError(`${where}: options.task must be 'auto', 'classification' or 'regression', got ${describe(o.task)}`);
  }
}

/** Encodes a table with a fitted encoding. Missing values and bad cells are reported by row and column. @internal */
export function encodeTable(where: string, t: Table, enc: TabularEncoding, o: TableOptions, fitter: EncodingFitter): TabularDataset {
  const layout = layoutOf(where, t.columns, { ...o, encoding: enc });
  const rowName = (r: number): string => (t.rowName ? t.rowName(r) : `row ${r}`);
  const missing = o.missing ?? 'error';
  const f = enc.featureNames.length;
  // category -> code, per column
  const codes = enc.columns.map((c) => (c.categories ? new Map(c.categories.map((v, i) => [v, i])) : undefined));
  const classCode = enc.label?.kind === 'class' && enc.label.classNames ? new Map(enc.label.classNames.map((v, i) => [v, i])) : undefined;

  const numericCol = enc.columns.map((c) => c.kind === 'numeric');
  const missingCells: string[] = [];
  let missingCount = 0;
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (msg: string): void => {
    if (problems.length < LIST_LIMIT) problems.push(msg);
    problemCount++;
  };
  const keep: number[] = [];
  const dropped: string[] = [];
  for (let r = 0; r < t.rows; r++) {
    let rowMissing = false;
    for (const [k, c] of layout.features.entries()) {
      if (numericCol[k] ? fitter.isMissingNumber(t.cell(r, c)) : fitter.isMissing(t.cell(r, c))) {
        rowMissing = true;
        if (missing === 'error') {
          if (missingCells.length < LIST_LIMIT * 2) missingCells.push(`${rowName(r)} column ${JSON.stringify(t.columns[c])}`);
          missingCount++;
        }
      }
    }
    if (layout.label >= 0 && fitter.isMissing(t.cell(r, layout.label))) {
      rowMissing = true;
      if (missing !== 'drop') {
        if (missingCells.length < LIST_LIMIT * 2) missingCells.push(`${rowName(r)} column ${JSON.stringify(t.columns[layout.label])} (the label)`);
        missingCount++;
      }
    }
    if (rowMissing && missing === 'drop') dropped.push(rowName(r));
    else keep.push(r);
  }
  if (missingCount > 0) {
    const labelOnly = missing !== 'error';
    throw new RangeError(
      `${where}: ${missingCount} missing value${missingCount > 1 ? 's' : ''}${labelOnly ? ' in the label column (labels are never filled)' : ''}: ` +
        `${missingCells.join(', ')}${missingCount > missingCells.length ? `, and ${missingCount - missingCells.length} more` : ''}. ` +
        (labelOnly ? "Use missing: 'drop' to drop those rows." : "Use missing: 'drop' to drop those rows or missing: <number> to fill them."),
    );
  }

  const n = keep.length;
  const x = new Float32Array(n * f);
  const isClass = enc.label?.kind === 'class';
  const y = isClass ? new Int32Array(n) : new Float32Array(enc.label ? n : 0);
  const source: (string | number)[] | undefined = layout.source >= 0 ? new Array(n) : undefined;
  let filled = 0;
  const fill = typeof missing === 'number' ? missing : 0;
  for (let i = 0; i < n; i++) {
    const r = keep[i]!;
    let o2 = i * f;
    enc.columns.forEach((col, k) => {
      const c = layout.features[k]!;
      const v = t.cell(r, c);
      const isMiss = col.kind === 'numeric' ? fitter.isMissingNumber(v) : fitter.isMissing(v);
      if (isMiss) filled++;
      if (col.kind === 'numeric') {
        if (isMiss) {
          x[o2++] = fill;
          return;
        }
        const num = numberOf(v);
        if (num === undefined) problem(`${rowName(r)} column ${JSON.stringify(col.name)}: ${describe(v)} is not a number`);
        else if (!Number.isFinite(num)) problem(`${rowName(r)} column ${JSON.stringify(col.name)}: ${describe(v)} is not finite`);
        x[o2++] = num ?? 0;
        return;
      }
      const code = isMiss ? -1 : codes[k]!.get(keyOf(v));
      if (!isMiss && code === undefined)
        problem(`${rowName(r)} column ${JSON.stringify(col.name)}: ${describe(v)} is not one of its ${col.categories!.length} categories`);
      if (col.kind === 'onehot') {
        if (code !== undefined && code >= 0) x[o2 + code] = 1;
        o2 += col.categories!.length;
      } else {
        x[o2++] = isMiss ? fill : (code ?? 0);
      }
    });
    if (enc.label) {
      const v = t.cell(r, layout.label);
      if (enc.label.kind === 'number') {
        const num = numberOf(v);
        if (num === undefined || !Number.isFinite(num)) problem(`${rowName(r)} label ${JSON.stringify(enc.label.name)}: ${describe(v)} is not a finite number`);
        y[i] = num ?? 0;
      } else if (classCode) {
        // numeric class names are canonical numbers: "1.0" is class "1"
        const code = classCode.get(keyOf(v)) ?? (numberOf(v) !== undefined ? classCode.get(String(numberOf(v))) : undefined);
        if (code === undefined) problem(`${rowName(r)} label ${JSON.stringify(enc.label.name)}: ${describe(v)} is not one of the ${classCode.size} classes`);
        y[i] = code ?? 0;
      } else {
        const num = numberOf(v);
        if (num === undefined || !Number.isInteger(num) || num < 0 || num >= enc.label.classes) {
          problem(`${rowName(r)} label ${JSON.stringify(enc.label.name)}: ${describe(v)} is out of range (class labels 0..${enc.label.classes - 1})`);
        }
        y[i] = num ?? 0;
      }
    }
    if (source) {
      const v = t.cell(r, layout.source);
      source[i] = typeof v === 'number' ? v : keyOf(v);
    }
  }
  if (problemCount > 0) {
    throw new RangeError(
      `${where}: ${problemCount} bad value${problemCount > 1 ? 's' : ''}: ${problems.join('; ')}${problemCount > problems.length ? `; and ${problemCount - problems.length} more` : ''}`,
    );
  }
  if (!enc.label && n > 0 && f === 0) throw new ShapeError(`${where}: no feature columns and no label`);
  const init: DatasetInit = {
    x,
    y: enc.label ? y : new Float32Array(0),
    features: f,
    featureNames: enc.featureNames,
    ...(enc.label?.kind === 'class' ? { classes: enc.label.classes, ...(enc.label.classNames ? { classNames: enc.label.classNames } : {}) } : {}),
    ...(source ? { source } : {}),
  };
  return new TabularDataset(init, enc, dropped, filled);
}
