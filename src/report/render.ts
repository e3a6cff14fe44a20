/**
 * Renders a {@link ReportData} into a page element: the report's sections with uPlot charts.
 * The same code draws `report.html` (bundled into the file), the live dashboard, and, from the
 * subpath 'knobs/report' in a page, any element the page gives it (`report.render(element, data)`).
 *
 * uPlot is the charting library: 50 KB minified with no dependency (so the report stays one
 * offline file), canvas-drawn, and made for large time series (it draws 100,000 points in a few
 * milliseconds, where SVG libraries slow to seconds), which the per-batch loss needs.
 * @module
 */
import uPlot from 'uplot';
import type { ReportData, ReportGallery } from './data';

/** A drawn chart: which section, how many data points it holds (per series, summed). */
export interface ChartInfo {
  id: string;
  section: string;
  points: number;
}

/** What {@link renderReport} returns. */
export interface RenderedReport {
  /** Redraws with new data (the dashboard calls it on each update), keeping the page's settings. */
  update(data: ReportData): void;
  /** The charts on the page now. */
  charts(): ChartInfo[];
  /** How many times the report was drawn (1 after the first). */
  readonly renders: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const pct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(100 * v).toFixed(digits)}%`;

/**
 * The bias-corrected exponentially weighted average of the lecture: v_t = beta v_{t-1} +
 * (1 - beta) x_t from v_0 = 0, divided by 1 - beta^t so the first values are not pulled to 0.
 */
export function ewma(values: ArrayLike<number>, beta: number): Float64Array {
  const out = new Float64Array(values.length);
  let v = 0,
    pow = 1;
  for (let t = 0; t < values.length; t++) {
    v = beta * v + (1 - beta) * values[t]!;
    pow *= beta;
    out[t] = pow < 1 ? v / (1 - pow) : values[t]!;
  }
  return out;
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** The stylesheet of the report (uPlot's own CSS is added next to it). */
export const REPORT_CSS = `
.knobs-report{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:1100px;margin:0 auto;padding:12px}
.knobs-report h1{font-size:22px;margin:4px 0 8px}.knobs-report h2{font-size:17px;margin:0 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.knobs-report section{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:12px 14px;margin:12px 0}
.knobs-report .status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;background:#ddf4ff;margin-left:8px}
.knobs-report .status.running{background:#fff8c5}
.knobs-report table{border-collapse:collapse;font-variant-numeric:tabular-nums}.knobs-report td,.knobs-report th{padding:3px 7px;border:1px solid #e1e4e8;text-align:right}
.knobs-report th{background:#f6f8fa}.knobs-report .grid{display:flex;flex-wrap:wrap;gap:8px}
.knobs-report figure{margin:0;text-align:center;font-size:11px;max-width:150px}.knobs-report figure img{image-rendering:pixelated;display:block;margin:0 auto;border:1px solid #ccc}
.knobs-report .verdict{font-size:16px;font-weight:600;margin:6px 0}.knobs-report pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}
.knobs-report .note{color:#57606a;font-size:12px}.knobs-report .charts{display:flex;flex-wrap:wrap;gap:12px}
.knobs-report .flag{color:#9a6700}.knobs-report label{font-size:13px}
`;

interface Ctx {
  charts: ChartInfo[];
  plots: uPlot[];
  beta: number;
  width: number;
}

function chart(ctx: Ctx, parent: HTMLElement, section: string, id: string, opts: Partial<uPlot.Options>, data: uPlot.AlignedData): uPlot {
  const box = h('div', { class: 'chart', 'data-chart': id });
  parent.append(box);
  let points = 0;
  for (let s = 1; s < data.length; s++) {
    const ys = data[s]! as ArrayLike<number | null | undefined>;
    for (let i = 0; i < ys.length; i++) if (typeof ys[i] === 'number' && Number.isFinite(ys[i])) points++;
  }
  box.setAttribute('data-points', String(points));
  const plot = new uPlot({ width: ctx.width, height: 260, ...opts, series: opts.series ?? [{}] } as uPlot.Options, data, box);
  ctx.plots.push(plot);
  ctx.charts.push({ id, section, points });
  return plot;
}

function section(root: HTMLElement, id: string, title: string): HTMLElement {
  const s = h('section', { id: `knobs-${id}`, 'data-section': id }, h('h2', {}, title));
  root.append(s);
  return s;
}

const line = (label: string, i: number, extra: Partial<uPlot.Series> = {}): uPlot.Series => ({
  label,
  stroke: COLORS[i % COLORS.length],
  width: 1.5,
  ...extra,
});
const dots = (label: string, i: number): uPlot.Series => ({ label, stroke: COLORS[i % COLORS.length], paths: () => null, points: { show: true, size: 6 } });
const bars = (label: string, i: number): uPlot.Series => ({
  label,
  stroke: COLORS[i % COLORS.length],
  fill: COLORS[i % COLORS.length] + '99',
  paths: uPlot.paths.bars!({ size: [0.6, 80] }),
  points: { show: false },
});
/** Nudges equal x values apart by a hair: uPlot's x values must increase strictly. */
function strictlyIncreasing(pts: { x: number }[]): void {
  for (let i = 1; i < pts.length; i++) if (pts[i]!.x <= pts[i - 1]!.x) pts[i]!.x = pts[i - 1]!.x + Math.max(Math.abs(pts[i - 1]!.x) * 1e-9, 1e-12);
}
const categoryAxis = (names: string[]): uPlot.Axis => ({ values: (_u, ticks) => ticks.map((t) => names[t] ?? ''), incrs: [1], space: 10 });

function curves(ctx: Ctx, root: HTMLElement, d: ReportData): void {
  if (!d.epochs && !d.batches) return;
  const s = section(root, 'curves', 'training curves');
  const row = h('div', { class: 'charts' });
  s.append(row);
  if (d.epochs && d.epochs.epoch.length) {
    const x = d.epochs.epoch.map((e) => e + 1);
    const names = Object.keys(d.epochs.series);
    const groups: [string, (n: string) => boolean][] = [
      ['loss', (n) => /loss$/.test(n)],
      ['accuracy and other metrics', (n) => !/loss$/.test(n) && n !== 'lr'],
      ['learning rate', (n) => n === 'lr'],
    ];
    for (const [title, test] of groups) {
      const sel = names.filter(test);
      if (!sel.length) continue;
      chart(
        ctx,
        row,
        'curves',
        `epochs-${title.split(' ')[0]}`,
        {
          title: `${title} per epoch`,
          width: Math.min(ctx.width, 520),
          series: [{ label: 'epoch' }, ...sel.map((n, i) => line(n, i))],
          scales: { x: { time: false } },
        },
        [x, ...sel.map((n) => d.epochs!.series[n]!)],
      );
    }
  }
  if (d.batches && d.batches.loss.length) {
    const loss = d.batches.loss;
    const x = Float64Array.from({ length: loss.length }, (_, i) => i + 1);
    const wrap = h('div', {});
    const input = h('input', { type: 'range', min: '0', max: '0.999', step: '0.001', value: String(ctx.beta), 'data-beta': '' });
    const shown = h('span', {}, ctx.beta.toFixed(3));
    wrap.append(h('label', {}, 'EWMA beta (bias-corrected; averages about 1/(1-beta) batches): ', input, ' ', shown));
    s.append(wrap);
    const plot = chart(
      ctx,
      s,
      'curves',
      'batch-loss',
      {
        title: `loss per batch (${loss.length} batches) and its bias-corrected EWMA`,
        series: [{ label: 'batch' }, line('batch loss', 7, { width: 1, stroke: '#9aa4ae' }), line('EWMA', 3, { width: 2 })],
        scales: { x: { time: false } },
      },
      [x, Float64Array.from(loss), ewma(loss, ctx.beta)],
    );
    input.addEventListener('input', () => {
      ctx.beta = Number(input.value);
      shown.textContent = ctx.beta.toFixed(3);
      plot.setData([x, Float64Array.from(loss), ewma(loss, ctx.beta)]);
    });
  }
}

function ladder(ctx: Ctx, root: HTMLElement, d: ReportData): void {
  const l = d.ladder;
  if (!l) return;
  const s = section(root, 'ladder', 'error ladder and diagnosis');
  const steps: [string, number | undefined][] = [
    ['human level', l.humanLevelError],
    ['train', l.trainError],
    ['train-dev', l.trainDevError],
    ['dev', l.devError],
    ['test', l.testError],
  ];
  const shown = steps.filter(([, v]) => v !== undefined) as [string, number][];
  chart(
    ctx,
    s,
    'ladder',
    'ladder',
    {
      title: 'error rates from human level to test',
      width: Math.min(ctx.width, 560),
      series: [{ label: 'set' }, { ...bars('error', 3), value: (_u, v) => pct(v) }],
      scales: { x: { time: false, range: [-0.5, shown.length - 0.5] }, y: { range: (_u, _lo, hi) => [0, Math.max(hi * 1.15, 0.01)] } },
      axes: [categoryAxis(shown.map(([n]) => n)), { values: (_u, t) => t.map((v) => pct(v, 1)) }],
    },
    [shown.map((_, i) => i), shown.map(([, v]) => v)],
  );
  const gaps = h('table', {});
  gaps.append(h('tr', {}, h('th', {}, 'gap'), h('th', {}, 'between'), h('th', {}, 'size')));
  const rows: [string, string, number | null][] = [
    ['avoidable bias', 'train - human level', l.avoidableBias],
    ['variance', 'train-dev (or dev) - train', l.variance],
    ['data mismatch', 'dev - train-dev', l.dataMismatch],
    ['dev overfitting', 'test - dev', l.devOverfit],
  ];
  for (const [n, b, v] of rows) gaps.append(h('tr', { 'data-gap': n }, h('td', {}, n), h('td', {}, b), h('td', {}, pct(v))));
  s.append(gaps, h('p', { class: 'verdict', 'data-verdict': '' }, `Verdict: ${l.verdict}`));
  if (l.knobs.length) {
    const ul = h('ol', {});
    for (const k of l.knobs) ul.append(h('li', {}, h('b', {}, k.knob), ': ', h('code', {}, k.option), h('div', { class: 'note' }, k.why)));
    s.append(h('div', {}, `knobs to turn (focus: ${l.focus}), most effective first:`), ul);
  }
  for (const n of l.notes) s.append(h('p', { class: 'note' }, n));
}

function heat(counts: number[][], labels: string[], normalized: boolean): HTMLTableElement {
  const t = h('table', { class: 'heatmap', 'data-normalized': String(normalized) });
  t.append(h('tr', {}, h('th', {}, 'true \\ predicted'), ...labels.map((l) => h('th', {}, l))));
  counts.forEach((row, i) => {
    const sum = row.reduce((a, b) => a + b, 0) || 1;
    const max = Math.max(...counts.flat(), 1);
    const tr = h('tr', {}, h('th', {}, labels[i] ?? String(i)));
    row.forEach((c, j) => {
      const v = normalized ? c / sum : c / max;
      const color = i === j ? `rgba(31,119,180,${0.1 + 0.9 * v})` : `rgba(214,39,40,${c ? 0.1 + 0.9 * Math.sqrt(v) : 0})`;
      tr.append(h('td', { style: `background:${color};color:${v > 0.6 ? '#fff' : '#111'}` }, normalized ? (c / sum).toFixed(2) : String(c)));
    });
    t.append(tr);
  });
  return t;
}

function confusion(root: HTMLElement, d: ReportData): void {
  if (!d.confusion) return;
  const s = section(root, 'confusion', 'confusion matrix and per-class rates');
  if (d.accuracy !== undefined) s.append(h('p', {}, `accuracy ${pct(d.accuracy)} (error ${pct(1 - d.accuracy)})`));
  const { counts, labels } = d.confusion;
  const row = h('div', { class: 'charts' });
  row.append(
    h('div', {}, h('div', {}, 'counts'), heat(counts, labels, false)),
    h('div', {}, h('div', {}, 'row-normalized (share of each true class)'), heat(counts, labels, true)),
  );
  s.append(row);
  if (d.perClass) {
    const t = h('table', { class: 'per-class' });
    t.append(h('tr', {}, ...['class', 'support', 'precision', 'recall (TPR)', 'F1', 'FPR', 'FNR', 'specificity'].map((c) => h('th', {}, c))));
    for (const r of d.perClass)
      t.append(
        h(
          'tr',
          {},
          h('td', {}, r.label),
          h('td', {}, String(r.support)),
          ...[r.precision, r.recall, r.f1, r.fpr, r.fnr, r.specificity].map((v) => h('td', {}, v.toFixed(3))),
        ),
      );
    s.append(h('p', {}, ''), t);
  }
}

function gallery(root: HTMLElement | HTMLElement, g: ReportGallery): void {
  root.append(h('h3', {}, g.title));
  if (g.note) root.append(h('div', { class: 'note' }, g.note));
  const grid = h('div', { class: 'grid' });
  for (const it of g.items) grid.append(h('figure', {}, h('img', { src: it.src, alt: it.caption }), h('figcaption', {}, it.caption)));
  if (!g.items.length) grid.append(h('div', { class: 'note' }, 'none'));
  root.append(grid);
}

function galleries(root: HTMLElement, d: ReportData): void {
  if (!d.galleries?.length) return;
  const s = section(root, 'galleries', 'errors to look at');
  for (const g of d.galleries) gallery(s, g);
}

function health(ctx: Ctx, root: HTMLElement, d: ReportData): void {
  const hh = d.health;
  if (!hh) return;
  const s = section(root, 'health', 'training health');
  for (const f of hh.flags) s.append(h('p', { class: 'flag' }, f));
  if (!hh.flags.length) s.append(h('p', { class: 'note' }, 'no problem flagged: gradients neither vanish nor explode, units alive'));
  const row = h('div', { class: 'charts' });
  s.append(row);
  const x = hh.steps;
  chart(
    ctx,
    row,
    'health',
    'grad-norm',
    {
      title: 'gradient norm per layer',
      width: Math.min(ctx.width, 520),
      series: [{ label: 'step' }, ...hh.layers.map((l, i) => line(l.name, i))],
      scales: { x: { time: false }, y: { distr: 3 } },
    },
    [x, ...hh.layers.map((l) => l.gradNorm.map((v) => (v > 0 ? v : null)))],
  );
  const fr = hh.layers.flatMap((l, i) => [
    ...(l.deadReluFraction ? [{ name: `${l.name} dead`, v: l.deadReluFraction, i }] : []),
    ...(l.saturatedFraction ? [{ name: `${l.name} saturated`, v: l.saturatedFraction, i }] : []),
  ]);
  if (fr.length)
    chart(
      ctx,
      row,
      'health',
      'dead-saturated',
      {
        title: 'dead ReLU and saturated units (share)',
        width: Math.min(ctx.width, 520),
        series: [{ label: 'step' }, ...fr.map((f) => line(f.name, f.i))],
        scales: { x: { time: false }, y: { range: [0, 1] } },
      },
      [x, ...fr.map((f) => f.v)],
    );
}

function weights(root: HTMLElement, d: ReportData): void {
  if (!d.weights) return;
  const s = section(root, 'weights', 'what the first layer responds to');
  gallery(s, d.weights);
}

function learning(ctx: Ctx, root: HTMLElement, d: ReportData): void {
  const lc = d.learningCurve;
  if (!lc) return;
  const s = section(root, 'learning-curve', 'learning curve');
  chart(
    ctx,
    s,
    'learning-curve',
    'learning-curve',
    {
      title: 'error against training-set size',
      series: [{ label: 'examples' }, line('train error', 0, { value: (_u, v) => pct(v) }), line('dev error', 1, { value: (_u, v) => pct(v) })],
      scales: { x: { time: false } },
    },
    [lc.points.map((p) => p.size), lc.points.map((p) => p.trainError), lc.points.map((p) => p.devError)],
  );
  s.append(h('p', { class: 'verdict' }, lc.verdict), h('p', { class: 'note' }, lc.explanation));
}

function study(ctx: Ctx, root: HTMLElement, d: ReportData): void {
  const st = d.study;
  if (!st) return;
  const s = section(root, 'study', `study ${st.name}`);
  s.append(
    h(
      'p',
      {},
      Object.entries(st.counts)
        .map(([k, v]) => `${v} ${k.toLowerCase()}`)
        .join(', ') || 'no trials yet',
    ),
  );
  const row = h('div', { class: 'charts' });
  s.append(row);
  const w = Math.min(ctx.width, 520);
  if (st.history && st.history.points.length) {
    const p = st.history.points;
    chart(
      ctx,
      row,
      'study',
      'optimization-history',
      {
        title: 'optimization history',
        width: w,
        series: [{ label: 'trial' }, dots(st.history.targetName, 0), line('best value', 3)],
        scales: { x: { time: false } },
      },
      [p.map((q) => q.number), p.map((q) => q.value), p.map((q) => q.best)],
    );
  }
  if (st.intermediate.length) {
    const steps = [...new Set(st.intermediate.flatMap((c) => c.steps))].sort((a, b) => a - b);
    const at = new Map(steps.map((v, i) => [v, i]));
    const series = st.intermediate.map((c) => {
      const ys: (number | null)[] = steps.map(() => null);
      c.steps.forEach((stp, i) => (ys[at.get(stp)!] = c.values[i]!));
      return ys;
    });
    chart(
      ctx,
      row,
      'study',
      'intermediate-values',
      {
        title: 'intermediate values (pruned trials dashed red)',
        width: w,
        legend: { show: false },
        series: [
          { label: 'step' },
          ...st.intermediate.map((c, i) => ({
            ...line(`#${c.number} ${c.state.toLowerCase()}`, i),
            spanGaps: true,
            ...(c.state === 'PRUNED' ? { stroke: '#d62728', dash: [4, 3] } : {}),
          })),
        ],
        scales: { x: { time: false } },
      },
      [steps, ...series],
    );
  }
  if (st.parallel && st.parallel.numbers.length) {
    const axes = st.parallel.axes;
    const norm = (a: (typeof axes)[number], v: unknown): number | null => {
      if (v === null || v === undefined) return null;
      if (a.scale === 'categorical') {
        const n = a.categories?.length ?? 1;
        return n > 1 ? (a.categories ?? []).indexOf(v as never) / (n - 1) : 0.5;
      }
      const [lo, hi] = a.range ?? [0, 1];
      const f = a.scale === 'log' ? (x: number) => Math.log(x) : (x: number) => x;
      return hi > lo ? (f(v as number) - f(lo)) / (f(hi) - f(lo)) : 0.5;
    };
    chart(
      ctx,
      s,
      'study',
      'parallel-coordinates',
      {
        title: 'parallel coordinates (each axis scaled to its range)',
        legend: { show: false },
        series: [{ label: 'axis' }, ...st.parallel.numbers.map((n, i) => line(`#${n}`, i, { width: 1 }))],
        scales: { x: { time: false, range: [-0.1, axes.length - 0.9] }, y: { range: [-0.05, 1.05] } },
        axes: [categoryAxis(axes.map((a) => a.name)), {}],
      },
      [axes.map((_, i) => i), ...st.parallel.numbers.map((_, t) => axes.map((a) => norm(a, a.values[t])))],
    );
  }
  if (st.importances.length)
    chart(
      ctx,
      row,
      'study',
      'importances',
      {
        title: 'parameter importances',
        width: w,
        series: [{ label: 'parameter' }, bars('importance', 2)],
        scales: { x: { time: false, range: [-0.5, st.importances.length - 0.5] }, y: { range: [0, 1] } },
        axes: [categoryAxis(st.importances.map((i) => i.name)), {}],
      },
      [st.importances.map((_, i) => i), st.importances.map((i) => i.importance)],
    );
  for (const [name, sl] of Object.entries(st.slices)) {
    const cats = sl.scale === 'categorical' ? [...new Set(sl.points.map((p) => String(p.x)))] : [];
    const pts = sl.points.map((p) => ({ x: sl.scale === 'categorical' ? cats.indexOf(String(p.x)) : Number(p.x), y: p.y })).sort((a, b) => a.x - b.x);
    // uPlot's x values must increase strictly: spread the trials of one category over its slot,
    // and nudge equal numeric values apart by a hair
    if (cats.length) {
      const per = cats.map((_, c) => pts.filter((q) => q.x === c).length);
      const seen = cats.map(() => 0);
      for (const q of pts) q.x = q.x - 0.25 + (0.5 * (seen[q.x]! + 0.5)) / per[q.x]! + 0 * seen[q.x]++;
    } else strictlyIncreasing(pts);
    chart(
      ctx,
      row,
      'study',
      `slice-${name}`,
      {
        title: `slice: ${name}`,
        width: Math.min(w, 340),
        height: 220,
        series: [{ label: name }, dots('objective', 4)],
        scales: { x: { time: false, ...(sl.scale === 'log' ? { distr: 3 } : {}) } },
        ...(cats.length ? { axes: [categoryAxis(cats), {}], scales: { x: { time: false, range: [-0.5, cats.length - 0.5] } } } : {}),
      },
      [pts.map((p) => p.x), pts.map((p) => p.y)],
    );
  }
  if (st.pareto && st.directions.length >= 2) {
    const all = [...st.pareto.best.map((p) => ({ ...p, best: true })), ...st.pareto.others.map((p) => ({ ...p, best: false }))].sort(
      (a, b) => a.values[0]! - b.values[0]!,
    );
    const xs = all.map((p) => ({ x: p.values[0]! }));
    strictlyIncreasing(xs);
    chart(
      ctx,
      row,
      'study',
      'pareto-front',
      {
        title: 'Pareto front (objective 0 against objective 1)',
        width: w,
        series: [{ label: 'objective 0' }, dots('Pareto front', 3), dots('other trials', 7)],
        scales: { x: { time: false } },
      },
      [xs.map((p) => p.x), all.map((p) => (p.best ? p.values[1]! : null)), all.map((p) => (p.best ? null : p.values[1]!))],
    );
  }
}

/**
 * Draws a report into `el` (its content is replaced), and returns a handle to update it.
 *
 * @example
 * ```ts
 * const view = report.render(document.getElementById('report')!, report.reportData({ model, history }));
 * view.update(report.reportData({ model, history: laterHistory }));
 * ```
 */
export function renderReport(el: HTMLElement, data: ReportData, options: { beta?: number } = {}): RenderedReport {
  const ctx: Ctx = { charts: [], plots: [], beta: options.beta ?? 0.98, width: 900 };
  let renders = 0;
  const draw = (d: ReportData): void => {
    for (const p of ctx.plots) p.destroy();
    ctx.plots = [];
    ctx.charts = [];
    ctx.width = Math.max(320, Math.min(1060, (el.clientWidth || 1000) - 40));
    const root = h('div', { class: 'knobs-report', 'data-status': d.status });
    // attached before the charts are drawn: uPlot measures its canvas in the document
    el.replaceChildren(root);
    const head = h('header', { id: 'knobs-overview', 'data-section': 'overview' });
    head.append(h('h1', {}, d.title, h('span', { class: `status ${d.status}` }, d.status === 'running' ? 'running (live)' : 'done')));
    for (const n of d.notes) head.append(h('div', { class: 'note' }, n));
    head.append(h('div', { class: 'note' }, `written ${d.createdAt}`));
    root.append(head);
    curves(ctx, root, d);
    ladder(ctx, root, d);
    confusion(root, d);
    galleries(root, d);
    health(ctx, root, d);
    weights(root, d);
    learning(ctx, root, d);
    study(ctx, root, d);
    if (d.model) {
      const s = section(root, 'model', `model (${d.model.params.toLocaleString('en')} parameters)`);
      s.append(h('pre', {}, d.model.summary));
    }
    renders++;
    el.setAttribute('data-renders', String(renders));
  };
  draw(data);
  return {
    update: draw,
    charts: () => ctx.charts.map((c) => ({ ...c })),
    get renders() {
      return renders;
    },
  };
}
