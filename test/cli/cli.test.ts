// The `knobs` command end to end, as a user runs it: the built bin (build/dist/cli.js) in a
// child process, on scikit-learn's digits (test/fixtures/digits.csv) and on MNIST. Exit codes,
// files written, help texts, and the one-line messages of bad arguments.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, redisServerBinary } from '../tune/redisServer';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'build/dist/cli.js');
const DIGITS = join(root, 'test/fixtures/digits.csv');
const cwd = mkdtempSync(join(tmpdir(), 'knobs-cli-'));

function knobs(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A failure's stderr: one line (no stack trace) that contains `text`. */
function expectOneLine(err: string, text: RegExp): void {
  const lines = err.trim().split('\n');
  expect(lines, err).toHaveLength(1);
  expect(lines[0]).toMatch(/^knobs: /);
  expect(lines[0]).toMatch(text);
  expect(err).not.toMatch(/\n\s+at /);
}

const hasOptuna = spawnSync('/usr/bin/python3', ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0;
const digitsRows = readFileSync(DIGITS, 'utf8').trim().split('\n').slice(1);
const digitsLabels = digitsRows.map((r) => Number(r.split(',').at(-1)));

describe('knobs --help', () => {
  it('lists the commands, and each command explains itself', () => {
    const r = knobs('--help');
    expect(r.code).toBe(0);
    for (const c of ['train', 'evaluate', 'predict', 'diagnose', 'tune', 'report']) expect(r.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const c of ['train', 'evaluate', 'predict', 'diagnose', 'tune', 'report']) {
      const h = knobs(c, '--help');
      expect(h.code, c).toBe(0);
      expect(h.out).toMatch(new RegExp(`^usage: knobs ${c} `));
      expect(h.out).toMatch(/--verbose/);
      expect(h.out).toMatch(/exit codes: 0 success, 1 .*, 2 a usage mistake/);
    }
    expect(knobs('train', '--help').out).toMatch(/--label COLUMN\s+the CSV column to predict/);
    expect(knobs('help', 'tune').out).toMatch(/--storage URL\s+journal:FILE/);
  });
  it('with no command prints the help and exits 2; --version prints the version', () => {
    const r = knobs();
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/usage: knobs COMMAND/);
    const v = knobs('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});

describe('knobs train on a CSV of real digits, then evaluate, predict, diagnose, report', () => {
  const run = join(cwd, 'runs', 'digits');
  let train: ReturnType<typeof knobs>;
  beforeAll(() => {
    train = knobs(
      'train',
      DIGITS,
      '--label',
      'digit',
      '--image',
      '8x8',
      '--layers',
      '64',
      '--epochs',
      '40',
      '--human-level-error',
      '0.01',
      '--learning-curve',
      '--out',
      'runs/digits',
    );
  });

  it('trains, diagnoses and writes the run folder', () => {
    expect(train.code, train.err).toBe(0);
    for (const f of ['model.json', 'run.json', 'report.html', 'report.txt', 'errors.png']) expect(existsSync(join(run, f)), f).toBe(true);
    const r = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(r.sets).toEqual({ train: 567, trainDev: 63, dev: 135, test: 135 });
    // an MLP on the 8x8 digits: about 95% on held-out digits
    expect(r.errors.devError).toBeLessThan(0.1);
    expect(r.errors.testError).toBeLessThan(0.1);
    expect(r.errors.humanLevelError).toBe(0.01);
    expect(r.history.loss).toHaveLength(40);
    expect(r.history.loss[39]).toBeLessThan(r.history.loss[0] / 4);
    expect(train.out).toContain(`Verdict: ${r.diagnosis.verdict}\n`);
    expect(train.out).toMatch(/per-class report on the dev set/);
    // the learning curve: fresh models on 10%, 25%, 50% and all of train
    const lc = r.report.learningCurve;
    expect(lc.points.map((q: { size: number }) => q.size)).toEqual([57, 142, 284, 567]);
    expect(lc.points[3].devError).toBeLessThan(lc.points[0].devError);
    expect(train.out).toMatch(/^learning curve: more data (helps|will not help)/m);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toMatch(/<script type="application\/json" id="knobs-data">/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="(?!data:)/); // nothing loaded from elsewhere
  });

  it('evaluate gives the accuracy of the model on the whole file', () => {
    const r = knobs('evaluate', run, DIGITS, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.examples).toBe(900);
    expect(j.accuracy).toBeGreaterThan(0.93);
    expect(j.errorRate).toBeCloseTo(1 - j.accuracy, 5);
    expect(j.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(900);
    expect(knobs('evaluate', join(run, 'model.json'), DIGITS).out).toMatch(/accuracy\s+0\.9\d+/);
  });

  it('predict writes one CSV line per example, with or without the label column', () => {
    const r = knobs('predict', run, DIGITS);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe(['prediction', ...Array.from({ length: 10 }, (_, i) => `p_${i}`)].join(','));
    expect(lines).toHaveLength(901);
    let right = 0;
    for (let i = 1; i < lines.length; i++) {
      const cells = lines[i]!.split(',').map(Number);
      const probs = cells.slice(1);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(cells[0]).toBe(probs.indexOf(Math.max(...probs)));
      if (cells[0] === digitsLabels[i - 1]) right++;
    }
    const evaluated = JSON.parse(knobs('evaluate', run, DIGITS, '--json').out);
    expect(right / 900).toBeCloseTo(evaluated.accuracy, 6);
    // the same rows without the label column: the same predictions
    const unlabeled = join(cwd, 'unlabeled.csv');
    writeFileSync(unlabeled, readFileSync(DIGITS, 'utf8').replace(/,[^,\n]*$/gm, '') + '\n');
    const u = knobs('predict', run, unlabeled);
    expect(u.code, u.err).toBe(0);
    expect(u.out).toBe(r.out);
  });

  it('train --model continues training a saved model, with its optimizer state', () => {
    const r = knobs('train', DIGITS, '--label', 'digit', '--model', run, '--epochs', '2', '--quiet', '--out', 'runs/digits-more');
    expect(r.code, r.err).toBe(0);
    const before = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).history.loss as number[];
    const after = JSON.parse(readFileSync(join(cwd, 'runs/digits-more/run.json'), 'utf8')).history.loss as number[];
    // it starts where the first run ended, not from fresh weights
    expect(after[0]).toBeLessThan(before[0]! / 3);
    expect(after[0]).toBeLessThan(before.at(-1)! * 1.5);
    expect(existsSync(join(cwd, 'runs/digits-more/errors.png'))).toBe(true); // the image shape came with the model
  });

  it('diagnose prints the diagnosis of the run; report rewrites report.html and prints its path', () => {
    const r = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    const d = knobs('diagnose', run);
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain(`Verdict: ${r.diagnosis.verdict}\n`);
    expect(d.out).toMatch(/^error rates: human level 1\.00%/);
    // against another human level, the avoidable bias changes with it
    const j = JSON.parse(knobs('diagnose', run, '--human-level-error', '0', '--json').out);
    expect(j.avoidableBias).toBeCloseTo(r.errors.trainError, 10);
    const rep = knobs('report', run);
    expect(rep.code, rep.err).toBe(0);
    expect(rep.out.trim()).toBe(join(run, 'report.html'));
    // --open hands the file to $BROWSER (here a script that writes down what it was given)
    const opened = join(cwd, 'opened.txt');
    const browser = join(cwd, 'fake-browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const o = spawnSync(process.execPath, [CLI, 'report', run, '--open'], { cwd, encoding: 'utf8', env: { ...process.env, BROWSER: browser } });
    expect(o.status, o.stderr).toBe(0);
    for (let i = 0; i < 100 && !existsSync(opened); i++) spawnSync('sleep', ['0.05']);
    expect(readFileSync(opened, 'utf8').trim()).toBe(join(run, 'report.html'));
    // a browser that cannot start: said on stderr, and the path is still printed
    const missing = spawnSync(process.execPath, [CLI, 'report', run, '--open'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, BROWSER: join(cwd, 'no-such-browser') },
    });
    expect(missing.status).toBe(0);
    expect(missing.stdout.trim()).toBe(join(run, 'report.html'));
    expect(missing.stderr).toMatch(/could not start .*no-such-browser; open .*report\.html in a browser/);
  });
});

describe('bad input: one line, a non-zero exit code, no stack trace', () => {
  it('a CSV whose label column is missing or empty', () => {
    const r = knobs('train', DIGITS, '--label', 'digits');
    expect(r.code).toBe(1);
    expectOneLine(r.err, /labelColumn "digits" is not a column/);
    const empty = join(cwd, 'empty-label.csv');
    writeFileSync(empty, 'a,b,label\n1,2,\n3,4,\n5,6,\n');
    const e = knobs('train', empty, '--label', 'label');
    expect(e.code).toBe(1);
    expectOneLine(e.err, /empty-label\.csv: .*label/);
    const none = knobs('train', DIGITS);
    expect(none.code).toBe(1);
    expectOneLine(none.err, /needs --label COLUMN/);
  });
  it('a model file that is not one', () => {
    const dir = join(cwd, 'not-a-model');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), '{"hello": "world"}');
    const r = knobs('predict', dir, DIGITS);
    expect(r.code).toBe(1);
    expectOneLine(r.err, /not-a-model: not a knobs model/);
    const csv = knobs('evaluate', DIGITS, DIGITS);
    expect(csv.code).toBe(1);
    expectOneLine(csv.err, /no model\.json there/);
  });
  it('--epochs -1, and other bad values', () => {
    const r = knobs('train', DIGITS, '--label', 'digit', '--epochs', '-1');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /--epochs must be a positive integer, got "-1"/);
    expectOneLine(knobs('train', DIGITS, '--label', 'digit', '--lr', 'fast').err, /--lr must be a positive number, got "fast"/);
    expectOneLine(knobs('train', DIGITS, '--label', 'digit', '--optimizer', 'adma').err, /--optimizer must be one of .* got "adma" \(did you mean adam\?\)/);
    expectOneLine(knobs('train', DIGITS, '--label', 'digit', '--epochs').err, /flag --epochs needs a value/);
  });
  it('an unknown flag or command, with a "did you mean"', () => {
    const r = knobs('train', DIGITS, '--label', 'digit', '--epoch', '3');
    expect(r.code).toBe(2);
    expectOneLine(r.err, /unknown flag --epoch for `knobs train` \(did you mean --epochs\?\)/);
    const c = knobs('trian', DIGITS);
    expect(c.code).toBe(2);
    expectOneLine(c.err, /unknown command "trian" \(did you mean train\?\)/);
  });
  it('a port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    // asynchronous: the blocking server must keep answering while the CLI runs
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'train', DIGITS, '--label', 'digit', '--dashboard', '--port', String(port)], { cwd });
      let err = '';
      child.stderr.on('data', (b) => (err += b));
      child.on('close', (code) => resolve({ code, err }));
    });
    blocker.close();
    expect(r.code).toBe(1);
    expectOneLine(r.err, new RegExp(`dashboard: port ${port} on 127\\.0\\.0\\.1 is in use`));
  });
  it('a run folder that does not exist; --verbose adds the stack', () => {
    const r = knobs('diagnose', 'runs/nope');
    expect(r.code).toBe(1);
    expectOneLine(r.err, /runs\/nope: no such run folder/);
    expectOneLine(knobs('report', DIGITS).err, /is a file: RUN is a folder/);
    const v = knobs('diagnose', 'runs/nope', '--verbose');
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/\n\s+at /);
  });
});

describe('knobs train mnist', () => {
  it('trains an MLP on real MNIST digits and writes the run with its error gallery', () => {
    const r = knobs('train', 'mnist', '--limit', '3000', '--epochs', '4', '--layers', '64', '--out', 'runs/mnist');
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(readFileSync(join(cwd, 'runs/mnist/run.json'), 'utf8'));
    expect(run.sets.dev).toBe(450); // under 5,000 examples the split is 70/15/15
    expect(run.errors.humanLevelError).toBe(0.002);
    expect(run.errors.devError).toBeLessThan(0.15);
    for (const f of ['model.json', 'report.html', 'errors.png']) expect(existsSync(join(cwd, 'runs/mnist', f)), f).toBe(true);
    expect(run.report.weights.items.length).toBe(64); // the 64 first-layer units drawn as 28x28 images
    const e = knobs('evaluate', 'runs/mnist', 'mnist', '--json');
    expect(e.code, e.err).toBe(0);
    expect(JSON.parse(e.out).accuracy).toBeGreaterThan(0.85);
  });
});

describe('knobs train, regression', () => {
  it('fits the diabetes progression (scaled targets), predicts numbers, and has no error ladder to diagnose', () => {
    const csv = join(root, 'test/fixtures/diabetes.csv');
    const r = knobs(
      'train',
      csv,
      '--label',
      'progression',
      '--epochs',
      '40',
      '--lr',
      '0.003',
      '--layers',
      '16',
      '--batch-size',
      '32',
      '--quiet',
      '--out',
      'runs/diabetes',
    );
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(readFileSync(join(cwd, 'runs/diabetes/run.json'), 'utf8'));
    expect(run.task).toBe('regression');
    // predicting the mean progression is off by 64 on average; a linear model by about 43
    expect(run.evaluation.dev.mae).toBeLessThan(60);
    expect(run.evaluation.test.mae).toBeLessThan(60);
    const all = JSON.parse(knobs('evaluate', 'runs/diabetes', csv, '--json').out);
    expect(all.mae).toBeLessThan(50);
    const p = knobs('predict', 'runs/diabetes', csv);
    const lines = p.out.trim().split('\n');
    expect(lines[0]).toBe('prediction');
    expect(lines).toHaveLength(443);
    const truth = readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',').at(-1)));
    const mae = lines.slice(1).reduce((s, l, i) => s + Math.abs(Number(l) - truth[i]!), 0) / truth.length;
    expect(mae).toBeCloseTo(all.mae, 2);
    const d = knobs('diagnose', 'runs/diabetes');
    expect(d.code).toBe(1);
    expectOneLine(d.err, /no error rates to diagnose \(a regression run\)/);
  });
});

describe.skipIf(!existsSync('/usr/share/datasets/fashion-mnist'))('knobs train on an IDX pair (Fashion-MNIST, when installed)', () => {
  it('reads the IDX folder, trains on two workers with augmentation', () => {
    const r = knobs(
      'train',
      '/usr/share/datasets/fashion-mnist',
      '--limit',
      '3000',
      '--epochs',
      '4',
      '--layers',
      '64',
      '--workers',
      '2',
      '--augment',
      'translate=1',
      '--quiet',
      '--out',
      'runs/fashion',
    );
    expect(r.code, r.err).toBe(0);
    const run = JSON.parse(readFileSync(join(cwd, 'runs/fashion/run.json'), 'utf8'));
    expect(run.sets.train + run.sets.trainDev + run.sets.dev + run.sets.test).toBe(3000);
    expect(run.errors.devError).toBeLessThan(0.3);
    const k = knobs('evaluate', 'runs/fashion', 'fashion-mnist', '--json');
    expect(k.code, k.err).toBe(0);
    expect(JSON.parse(k.out).accuracy).toBeGreaterThan(0.7);
    expectOneLine(knobs('train', DIGITS, '--label', 'digit', '--augment', 'rotate=5').err, /--augment works on images/);
  });
});

describe('knobs tune', () => {
  it('runs a JSON search into a journal file, refuses to start it again, and --resume continues it', () => {
    const search = join(cwd, 'digits-search.json');
    writeFileSync(
      search,
      JSON.stringify({
        data: DIGITS,
        label: 'digit',
        epochs: 4,
        space: { lr: { type: 'float', low: 1e-3, high: 3e-2, log: true }, units: { type: 'int', low: 8, high: 64, log: true } },
      }),
    );
    const a = knobs('tune', search, '--trials', '3', '--storage', 'journal:study.journal', '--seed', '1');
    expect(a.code, a.err).toBe(0);
    expect(a.out).toMatch(/^best trial \d+: value 0\.\d+ params \{"lr":/m);
    const again = knobs('tune', search, '--trials', '3', '--storage', 'journal:study.journal');
    expect(again.code).toBe(1);
    expectOneLine(again.err, /already exists in journal:study\.journal: pass --resume/);
    const b = knobs('tune', search, '--trials', '5', '--storage', 'journal:study.journal', '--resume');
    expect(b.code, b.err).toBe(0);
    expect(b.err).toMatch(/resuming study digits-search: 3 trials finished, 2 to run/);
    const report = JSON.parse(readFileSync(join(cwd, 'runs/digits-search/run.json'), 'utf8')).report;
    const finished = Object.values(report.study.counts as Record<string, number>).reduce((x, y) => x + y, 0);
    expect(finished).toBe(5);
    // every trial is in the journal file (one JSON operation per line)
    const ops = readFileSync(join(cwd, 'study.journal'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ops.filter((o) => o.op_code === 4).length).toBe(5); // CREATE_TRIAL
    // and Optuna itself (what optuna-dashboard runs on) reads the study from the journal
    if (hasOptuna) {
      const py = spawnSync(
        '/usr/bin/python3',
        [
          '-W',
          'ignore',
          '-c',
          'import optuna, sys\nfrom optuna.storages import JournalStorage\ntry:\n  from optuna.storages.journal import JournalFileBackend as B\nexcept ImportError:\n  from optuna.storages import JournalFileStorage as B\n' +
            's = optuna.load_study(study_name="digits-search", storage=JournalStorage(B("study.journal")))\nprint(len(s.trials), s.best_value)',
        ],
        { cwd, encoding: 'utf8' },
      );
      expect(py.status, py.stderr).toBe(0);
      const [n, best] = py.stdout.trim().split(' ').map(Number);
      expect(n).toBe(5);
      const ours = Math.min(...(report.study.history.points as { value: number }[]).map((q) => q.value));
      expect(best).toBeCloseTo(ours, 12);
    }
  });
  it('runs a JS search file with concurrency and writes the study report', () => {
    const search = join(cwd, 'quadratic.mjs');
    writeFileSync(
      search,
      'export const direction = "minimize";\nexport function objective(trial) { const x = trial.suggestFloat("x", -4, 4); return (x - 1) ** 2; }\n',
    );
    const r = knobs('tune', search, '--trials', '12', '--concurrency', '2', '--seed', '3');
    expect(r.code, r.err).toBe(0);
    const best = Number(/value ([\d.e-]+)/.exec(r.out)![1]);
    expect(best).toBeLessThan(1);
    expect(existsSync(join(cwd, 'runs/quadratic/report.html'))).toBe(true);
    const bad = knobs('tune', join(cwd, 'nope.json'));
    expect(bad.code).toBe(1);
    expectOneLine(bad.err, /nope\.json: no such file/);
  });
});

describe('knobs tune --dashboard', () => {
  it('serves the study live on 127.0.0.1: /data.json gains trials while the study runs', async () => {
    const search = join(cwd, 'slow.mjs');
    writeFileSync(
      search,
      'export async function objective(trial) { const x = trial.suggestFloat("x", -4, 4); await new Promise((r) => setTimeout(r, 250)); return (x - 1) ** 2; }\n',
    );
    const child = spawn(process.execPath, [CLI, 'tune', search, '--trials', '8', '--seed', '1', '--dashboard', '--out', 'runs/slow-dash'], { cwd });
    let err = '';
    child.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    let done = false;
    void exited.then(() => (done = true));
    const seen: { version: number; status: string; complete: number }[] = [];
    while (!done) {
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err)?.[1];
      if (url) {
        try {
          const j = (await (await fetch(`${url}data.json`)).json()) as {
            version: number;
            data: { status: string; study?: { counts: Record<string, number> } };
          };
          seen.push({ version: j.version, status: j.data.status, complete: j.data.study?.counts.COMPLETE ?? 0 });
        } catch {
          /* closed at the end */
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited, err).toBe(0);
    const running = seen.filter((s) => s.status === 'running');
    // polled while it ran: several versions, the trial count growing between them
    expect(new Set(running.map((s) => s.version)).size, JSON.stringify(seen)).toBeGreaterThanOrEqual(3);
    expect(running.some((s) => s.complete > 0 && s.complete < 8)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.complete).toBeGreaterThanOrEqual(seen[i - 1]!.complete);
    expect(existsSync(join(cwd, 'runs/slow-dash/report.html'))).toBe(true);
  });
});

const redisBin = redisServerBinary();
describe.skipIf(!redisBin)('knobs tune --storage redis://', () => {
  it('runs trials on a Redis server with heartbeats, exits once done (the connection closed); later processes join the study, --trials a total across them', async () => {
    const server = await RedisServer.start(redisBin!, mkdtempSync(join(tmpdir(), 'knobs-cli-redis-')));
    try {
      const search = join(cwd, 'shared.mjs');
      writeFileSync(search, 'export function objective(trial) { const x = trial.suggestFloat("x", -4, 4); return (x - 1) ** 2; }\n');
      const a = knobs('tune', search, '--trials', '4', '--storage', server.url, '--seed', '5');
      expect(a.code, a.err).toBe(0);
      expect(a.out).toMatch(new RegExp(`the study is in ${server.url.replace(/[.]/g, '\\.')}`));
      // no --resume needed on a server: a second process joins
      const b = knobs('tune', search, '--trials', '6', '--storage', server.url);
      expect(b.code, b.err).toBe(0);
      expect(b.err).toMatch(/joining study shared: 4 trials finished, 2 to run/);
      // the journal is on the server, and running trials beat (the default on redis://)
      const n = Number(await server.command('GET', ':log_number'));
      const records = await Promise.all(Array.from({ length: n + 1 }, (_, i) => server.command('GET', `:log:${i}`)));
      expect(records.filter((r) => /"op_code":\s*4/.test(String(r)))).toHaveLength(6);
      // two processes at once, one per core each: 14 finished trials in all, give or take the ones in flight
      const slow = join(cwd, 'shared-slow.mjs');
      writeFileSync(
        slow,
        'export async function objective(trial) { const x = trial.suggestFloat("x", -4, 4); await new Promise((r) => setTimeout(r, 150)); return (x - 1) ** 2; }\n',
      );
      const run = (): Promise<{ code: number | null; err: string }> =>
        new Promise((done) => {
          const c = spawn(process.execPath, [CLI, 'tune', slow, '--study-name', 'shared', '--trials', '14', '--storage', server.url, '--concurrency', 'auto'], {
            cwd,
          });
          let err = '';
          c.stderr.on('data', (d) => (err += d));
          c.on('close', (code) => done({ code, err }));
        });
      const both = await Promise.all([run(), run()]);
      for (const r of both) expect(r.code, r.err).toBe(0);
      const ran = both.map((r) => (r.err.match(/^trial \d+:/gm) ?? []).length);
      expect(Math.min(...ran), `each process ran trials: ${ran}`).toBeGreaterThan(0);
      const total = 6 + ran[0]! + ran[1]!;
      expect(total).toBeGreaterThanOrEqual(14);
      expect(total).toBeLessThanOrEqual(14 + 2 * availableParallelism());
      expect(records.some((r) => String(r).includes('knobs:heartbeat'))).toBe(true);
      expect(knobs('tune', search, '--storage', server.url, '--heartbeat', '0').err).toMatch(/--heartbeat must be a positive number/);
    } finally {
      await server.stop();
    }
  });
});
