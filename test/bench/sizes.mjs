// Where a bundle's bytes go: `node test/bench/sizes.mjs [build/dist/browser/knobs.js ...]` after
// `node build/build.mjs`. Attributes each character of the minified bundle to its source file
// through the bundle's source map (esbuild's mappings cover every emitted token), groups the
// files (src/<dir>, workers, node_modules/<package>), and prints per group: minified bytes,
// gzip -9 of the group's characters alone, and what the bundle's gzip would lose without them
// (gzip of the whole minus gzip of the rest: the figure a cut would save). Unmapped characters
// (esbuild's glue) form their own group.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { decode } from '@jridgewell/sourcemap-codec';

const gz = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;

function group(source) {
  const p = source.replace(/^(\.\.\/)+/, '');
  let m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
  if (m) return m[1];
  m = /^src\/([^/]+)\//.exec(p);
  if (m) return `src/${m[1]}`;
  m = /^(src|workers|build|assembly)\//.exec(p);
  return m ? `${m[1]}/${p.slice(m[0].length).split('/')[0]}` : p;
}

function breakdown(file) {
  const js = readFileSync(file, 'utf8');
  const map = JSON.parse(readFileSync(file + '.map', 'utf8'));
  const lines = js.split('\n');
  const decoded = decode(map.mappings);
  const parts = new Map(); // group -> array of strings
  const add = (g, s) => {
    if (!s) return;
    if (!parts.has(g)) parts.set(g, []);
    parts.get(g).push(s);
  };
  // per character owner, to build "everything but group" strings in order
  const owners = [];
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li];
    const segs = decoded[li] ?? [];
    const own = new Array(line.length + 1).fill('(esbuild glue)');
    for (let si = 0; si < segs.length; si++) {
      const [col, src] = segs[si];
      const end = si + 1 < segs.length ? segs[si + 1][0] : line.length;
      const g = src === undefined ? '(esbuild glue)' : group(map.sources[src]);
      for (let c = col; c < end; c++) own[c] = g;
    }
    own[line.length] = own[line.length - 1] ?? '(esbuild glue)'; // the newline
    owners.push(own);
  }
  const text = js;
  const flat = [];
  for (let li = 0; li < lines.length; li++) for (let c = 0; c <= lines[li].length && flat.length < text.length; c++) flat.push(owners[li][c]);
  for (let i = 0; i < text.length; i++) add(flat[i], text[i]);
  const total = gz(text);
  const rows = [];
  for (const [g, chars] of parts) {
    let rest = '';
    for (let i = 0; i < text.length; i++) if (flat[i] !== g) rest += text[i];
    rows.push([g, chars.length, gz(chars.join('')), total - gz(rest)]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  console.log(`\n${file}: ${text.length} B minified, ${total} B gzip -9`);
  console.log('| group | minified B | gzip alone B | gzip saved without it B |\n|---|---|---|---|');
  for (const r of rows) if (r[1] >= 500) console.log(`| ${r[0]} | ${r[1]} | ${r[2]} | ${r[3]} |`);
  const small = rows.filter((r) => r[1] < 500);
  if (small.length) console.log(`| ${small.length} groups under 500 B | ${small.reduce((s, r) => s + r[1], 0)} | | |`);
}

const files = process.argv.slice(2);
for (const f of files.length ? files : ['build/dist/browser/knobs.js', 'build/dist/browser/ops.js']) breakdown(f);
