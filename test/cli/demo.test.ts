// npm start: the demo trains on real MNIST digits and writes its report and model.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start', () => {
  it('trains the demo model, prints the diagnosis and writes runs/mnist-mlp', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'knobs-demo-'));
    symlinkSync(join(root, 'node_modules'), join(cwd, 'node_modules'));
    const r = spawnSync(process.execPath, [join(root, 'build/dist/demo.js')], { cwd, encoding: 'utf8', timeout: 180_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/error rates \(human-level error on MNIST is about 0\.2%\)/);
    expect(r.stdout).toMatch(/Verdict: /);
    expect(r.stdout).toMatch(/per-class report on the test set/);
    expect(r.stdout).toMatch(/top confusions/);
    const out = join(cwd, 'runs', 'mnist-mlp');
    for (const f of ['model.json', 'report.txt', 'report.json', 'report.html', 'augmentation.png', 'errors.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    // the HTML report holds the same verdict and a loss per batch of every epoch run
    const html = JSON.parse(/<script type="application\/json" id="knobs-data">([^]*?)<\/script>/.exec(readFileSync(join(out, 'report.html'), 'utf8'))![1]!);
    expect(html.ladder.verdict).toBe(report.diagnosis.verdict);
    expect(html.batches.loss.length).toBe(report.history.loss.length * Math.ceil(report.sets.train / 64));
    expect(report.testAccuracy).toBeGreaterThan(0.96);
    // the report's diagnosis is the one printed, with a focus of the method and its knobs
    expect(['bias', 'variance', 'dataMismatch', 'devOverfit', 'dataQuality', 'none']).toContain(report.diagnosis.focus);
    expect(r.stdout).toContain(`Verdict: ${report.diagnosis.verdict}\n`);
    for (const k of report.diagnosis.knobs as { knob: string; option: string }[]) expect(r.stdout).toContain(`  - ${k.knob}: ${k.option}\n`);
  });
});
