// The edge build's library (build/dist/edge/knobs-edge.js): the browser entry, whose kernel
// loader takes the module the host compiled. Its default export (not re-exported by the hosts'
// `export *`) is how the small per-host entries that build/build.mjs writes (workerd.js,
// edge-light.js) hand that module over.
export * from './entry.browser';
export { setEdgeKernels as default } from '../src/engine/wasm-source.edge';
