// A `.wasm` import as edge hosts (workerd, Vercel's edge runtime) resolve it: a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
