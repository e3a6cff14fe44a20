// The package export 'knobs/onnx': models out to ONNX. A subpath of its own, so that the core
// bundles do not carry protobufjs for the users who never export. The exporter reads a model
// through its public methods only (no instanceof, no engine state), so a model built with
// 'knobs' exports from this separate bundle. Bundled by build/build.mjs into
// build/dist/{node,browser}/onnx.js.
export { exportModel, type OnnxExportOptions } from '../src/onnx/index';
