// Interleaved A/B rounds of the MNIST MLP training benchmark, for changes to the worker pool.
//
//   node test/bench/ab-workers.mjs <rounds> <batch> <epochs> '<variant JSON>' ...
//
// Run `npm run bench -- workers` (or `node build/build.mjs --no-types`) first. Each variant is
// {"name": ..., "workers": n, "env": {...}, "script": path} (script: another build's
// train-knobs.js, e.g. a copy of build/dist from before a change, to compare two versions), or
// {"name": ..., "pair": true}: two one-thread trainings in separate processes at once, the
// machine's ceiling for two independent jobs. Every round runs every variant once, in an order
// that alternates between rounds, so the machine's drift hits each alike; ratios against the
// first variant are taken per round, then the median. The machine is shared, so the load
// average is printed too. KNOBS_PROFILE is on: per worker-step times and barrier waits.
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const defaultScript = join(root, 'build/dist/bench/train-knobs.js');
const [rounds, batch, epochs] = process.argv.slice(2, 5).map(Number);
const variants = process.argv.slice(5).map((s) => JSON.parse(s));
if (!(rounds > 0 && batch > 0 && epochs > 1 && variants.length > 0)) {
  console.error("usage: node test/bench/ab-workers.mjs <rounds> <batch> <epochs >= 2> '<variant JSON>' ...");
  process.exit(2);
}
const res = Object.fromEntries(variants.map((v) => [v.name, { sps: [], upd: [], fb: [], bar: [], spun: 0, slept: 0 }]));
const med = (a) => {
  const b = [...a].sort((x, y) => x - y);
  return b.length ? (b.length % 2 ? b[(b.length - 1) / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2) : NaN;
};
const last = (out) => JSON.parse(out.trim().split('\n').pop());
const loads = [];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [...variants].reverse() : variants;
  for (const v of order) {
    loads.push(loadavg()[0]);
    const R = res[v.name];
    const args = [v.script ?? defaultScript, v.workers ?? 1, batch, epochs, r + 1].map(String);
    if (v.pair) {
      const one = () =>
        new Promise((done, fail) => {
          let out = '';
          const c = spawn(process.execPath, [args[0], '1', ...args.slice(2)], { cwd: root, env: { ...process.env, ...(v.env ?? {}) } });
          c.stdout.on('data', (d) => (out += d));
          c.on('close', (code) => (code === 0 ? done(last(out).samplesPerSec) : fail(new Error(`${v.name} exited with ${code}`))));
        });
      const both = await Promise.all([one(), one()]);
      R.sps.push(both[0] + both[1]);
      process.stderr.write(`r${r} ${v.name}: ${(both[0] + both[1]).toFixed(0)} samples/s (${both.map((x) => x.toFixed(0)).join(' + ')})\n`);
      continue;
    }
    const p = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, env: { ...process.env, KNOBS_PROFILE: '1', ...(v.env ?? {}) } });
    if (p.status !== 0) throw new Error(`${v.name} failed:\n${p.stderr}`);
    const out = last(p.stdout);
    R.sps.push(out.samplesPerSec);
    let steps = 0,
      upd = 0,
      fb = 0,
      bar = 0;
    for (const m of p.stderr.matchAll(/(\d+) steps; total ms fwd\/bwd (\d+) barrier (\d+) update (\d+)/g)) {
      steps += +m[1];
      fb += +m[2];
      bar += +m[3];
      upd += +m[4];
    }
    for (const m of p.stderr.matchAll(/spun (\d+) slept (\d+)/g)) {
      R.spun += +m[1];
      R.slept += +m[2];
    }
    if (steps) {
      R.upd.push((upd / steps) * 1000);
      R.fb.push((fb / steps) * 1000);
      R.bar.push((bar / steps) * 1000);
    }
    process.stderr.write(`r${r} ${v.name}: ${out.samplesPerSec.toFixed(0)} samples/s, test accuracy ${out.testAccuracy}\n`);
  }
}
console.log(
  `load average (1 min) at the runs' starts: median ${med(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`,
);
for (const v of variants) {
  const R = res[v.name];
  const prof = R.upd.length
    ? `; per worker-step: fwd/bwd ${med(R.fb).toFixed(0)} us, update ${med(R.upd).toFixed(0)} us, barrier waits ${med(R.bar).toFixed(0)} us` +
      ` (waits caught by the spin ${R.spun}, slept ${R.slept})`
    : '';
  console.log(`${v.name}: median ${med(R.sps).toFixed(0)} samples/s [${R.sps.map((x) => x.toFixed(0)).join(' ')}]${prof}`);
}
for (const v of variants.slice(1)) {
  const ratios = res[v.name].sps.map((x, i) => x / res[variants[0].name].sps[i]);
  console.log(`${v.name} / ${variants[0].name}: median of per-round ratios ${med(ratios).toFixed(2)}x [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
}
