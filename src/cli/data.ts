/**
 * The DATA argument of the command line: a CSV file, an IDX pair (`images,labels` or a folder
 * holding one of each), `mnist` or `fashion-mnist`.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as knobs from '../../build/entry.node';
import { CliError } from './args';

/** What a loader returns: one dataset, the image shape when the inputs are images, and what is known of the task. */
export interface LoadedData {
  data: knobs.data.Dataset;
  /** Height, width, channels of each example when the examples are images. */
  image?: { height: number; width: number; channels: number };
  /** The CSV encoding (columns, categories, classes) to reuse on new data. */
  encoding?: knobs.data.TabularEncoding;
  /** A human-level error known for this data set. */
  humanLevelError?: number;
  /** How the data was named: 'mnist', a path. */
  source: string;
}

/** Options of {@link loadData}. */
export interface LoadDataOptions {
  label?: string;
  task?: 'classification' | 'regression';
  /** Keep only the first examples (before splitting). */
  limit?: number;
  /** The encoding of a trained model's CSV, to encode new rows the same way. */
  encoding?: knobs.data.TabularEncoding;
  /** The CSV has no label column (predict). */
  unlabeled?: boolean;
  /** Image shape of CSV rows, as HxW or HxWxC. */
  image?: { height: number; width: number; channels: number };
}

const firstMessageLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Parses '28x28' or '32x32x3'. */
export function parseImageShape(s: string): { height: number; width: number; channels: number } | undefined {
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  const [h, w, c] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  return h > 0 && w > 0 && c > 0 ? { height: h, width: w, channels: c } : undefined;
}

function idxPair(spec: string): { images: string; labels: string } | undefined {
  if (spec.includes(',')) {
    const [images, labels] = spec.split(',');
    return { images: images!, labels: labels! };
  }
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const files = readdirSync(spec);
    // prefer the training files of a folder holding both (MNIST's layout)
    const pick = (re: RegExp): string | undefined => files.find((f) => re.test(f) && /train/.test(f)) ?? files.find((f) => re.test(f));
    const images = pick(/idx3-ubyte(\.gz)?$/);
    const labels = pick(/idx1-ubyte(\.gz)?$/);
    if (!images || !labels) throw new CliError(`${spec} is a folder without an IDX pair (an *-idx3-ubyte images file and an *-idx1-ubyte labels file)`);
    return { images: join(spec, images), labels: join(spec, labels) };
  }
  return undefined;
}

function limited(d: knobs.data.Dataset, limit: number | undefined): knobs.data.Dataset {
  if (limit === undefined || limit >= d.length) return d;
  return d.subset(Int32Array.from({ length: limit }, (_, i) => i));
}

/** Loads DATA. Failures are {@link CliError}s with one line naming the file and the problem. */
export async function loadData(spec: string, o: LoadDataOptions = {}): Promise<LoadedData> {
  const MNIST_SHAPE = { height: 28, width: 28, channels: 1 };
  if (spec === 'mnist') {
    const data = await knobs.data.loadMnist({ count: Math.min(o.limit ?? knobs.data.MNIST_COUNT, knobs.data.MNIST_COUNT) });
    return { data, image: MNIST_SHAPE, humanLevelError: 0.002, source: 'mnist' };
  }
  if (spec === 'fashion-mnist') {
    let sets;
    try {
      sets = await knobs.data.loadFashionMnist(o.limit !== undefined ? { trainCount: Math.min(o.limit, 60000), testCount: 1 } : { testCount: 1 });
    } catch (e) {
      throw new CliError(`fashion-mnist: ${firstMessageLine(e)}`);
    }
    return { data: limited(sets.train, o.limit), image: MNIST_SHAPE, humanLevelError: knobs.data.FASHION_MNIST_HUMAN_LEVEL_ERROR, source: 'fashion-mnist' };
  }
  const pair = idxPair(spec);
  if (pair) {
    for (const f of [pair.images, pair.labels]) if (!existsSync(f)) throw new CliError(`${f}: no such file`);
    let data;
    try {
      data = await knobs.data.loadIdx(pair);
    } catch (e) {
      throw new CliError(`${spec}: ${firstMessageLine(e)}`);
    }
    return { data: limited(data, o.limit), ...(data.shape ? { image: { ...data.shape, channels: data.shape.channels ?? 1 } } : {}), source: spec };
  }
  if (!existsSync(spec)) throw new CliError(`${spec}: no such file (DATA is a CSV file, an IDX pair IMAGES,LABELS, mnist or fashion-mnist)`);
  if (statSync(spec).isDirectory()) throw new CliError(`${spec} is a folder, not a CSV file`);
  if (!o.encoding && !o.unlabeled && o.label === undefined) throw new CliError(`${spec}: a CSV needs --label COLUMN, the column to predict`);
  let data: knobs.data.TabularDataset;
  try {
    // rows without the label column: the same feature encoding, no label
    const unlabeledEncoding = (e: knobs.data.TabularEncoding): knobs.data.TabularEncoding =>
      Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'label')) as never;
    const opts: knobs.data.CsvOptions = o.encoding
      ? { encoding: o.unlabeled ? unlabeledEncoding(o.encoding) : o.encoding }
      : { labelColumn: o.label!, ...(o.task ? { task: o.task } : {}) };
    data = await knobs.data.fromCsv({ path: spec }, opts);
  } catch (e) {
    throw new CliError(`${spec}: ${firstMessageLine(e)}`);
  }
  if (data.length === 0) throw new CliError(`${spec}: no rows`);
  return { data: limited(data, o.limit), encoding: data.encoding, ...(o.image ? { image: o.image } : {}), source: spec };
}
