/**
 * The HTML of the browser demo (served by `src/demo-web/server.ts`); its script is
 * `src/demo-web/app.ts`, bundled to build/dist/browser/demo-web.js.
 * @module
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>knobs: train a digit classifier in your browser</title><link rel="icon" href="data:,">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1b1f24}
main{max-width:1100px;margin:0 auto;padding:12px}
.panel{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:12px 14px;margin:12px 0}
#isolation.warn{color:#9a6700}
#pad{border:1px solid #888;background:#000;touch-action:none;cursor:crosshair}
#probs div{display:flex;gap:6px;align-items:center;font-variant-numeric:tabular-nums}
#probs span.bar{display:inline-block;height:10px;background:#1f77b4}
button,select{font:inherit;padding:3px 10px}
</style></head><body><main>
<h1>knobs in the browser: train, diagnose, draw</h1>
<div class="panel">
  <div id="isolation">checking isolation...</div>
  <label>data <select id="dataset"></select></label>
  <label>examples <select id="count"><option>2000</option><option selected>5000</option><option>10000</option></select></label>
  <label>epochs <select id="epochs"><option>1</option><option>2</option><option selected>5</option><option>10</option></select></label>
  <label>workers <select id="workers"><option>1</option><option selected>2</option><option>4</option></select></label>
  <button id="train">train</button>
  <span id="status" data-state="idle">idle</span>
</div>
<div class="panel">
  <b>draw a digit</b> (white on black, like MNIST)<br>
  <canvas id="pad" width="280" height="280"></canvas>
  <div><button id="predict">predict</button> <button id="clear">clear</button> <span id="prediction" data-label=""></span></div>
  <div id="probs"></div>
</div>
<div class="panel">
  <button id="save">save to IndexedDB</button> <button id="load">load from IndexedDB</button> <span id="store"></span>
</div>
<div id="report"></div>
</main>
<script type="module" src="knobs/demo-web.js"></script>
</body></html>
`;
