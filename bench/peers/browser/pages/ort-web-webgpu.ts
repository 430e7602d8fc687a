// The bench page for ONNX Runtime Web with its WebGPU execution provider.
import * as ort from 'onnxruntime-web/webgpu';
import { ortWebSystem } from '../../systems/ort-web.ts';
import { runBenchPage } from '../browser-page.ts';

// The page is not next to ORT's WASM; the bench server has it under /ort/.
ort.env.wasm.wasmPaths = new URL('/ort/', location.href).href;
runBenchPage(ortWebSystem);
