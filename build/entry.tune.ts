// The package export 'knobs/tune' outside Node (browsers, Deno/Bun web builds, edge hosts):
// hyperparameter studies, samplers, pruners, storages (in memory, IndexedDB, custom journals).
// A subpath of its own, like Optuna and KerasTuner beside their trainers: the tuner is a
// separate concern, and a fifth of the core bundle (84 KB minified, 27 KB gzip) for the apps
// that only train. It holds no engine: objectives train with 'knobs', and babysit() restores
// checkpoints through the model's own class. Bundled by build/build.mjs into
// build/dist/browser/tune.js.
export * from '../src/tune/index';
