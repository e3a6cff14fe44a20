/**
 * `knobs/onnx` (`import { exportModel } from 'knobs/onnx'`): models out to ONNX, for inference in ONNX Runtime and the runtimes that read
 * ONNX (opset 13 or newer).
 * @module
 */
export { exportModel, type OnnxExportOptions } from './export';
