// The bench page for TensorFlow.js with its WebGPU backend.
import { tfjsSystem } from '../../systems/tfjs.ts';
import { runBenchPage } from '../browser-page.ts';

runBenchPage(tfjsSystem);
