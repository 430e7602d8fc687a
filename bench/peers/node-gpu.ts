// navigator.gpu in Node, for the systems written for the browser (TF.js and
// ONNX Runtime Web look it up there) and for regc alike, so that every system
// gets its adapter from one Dawn instance chosen the way regc's runtime
// chooses it: SwiftShader when the machine has no Vulkan GPU driver, or when
// the installed drivers find no GPU.
import { loadWebGpu } from '../../runtime/device/webgpu-node.ts';
import { explainNoAdapter, planVulkanDrivers, selectSwiftShader } from '../../runtime/device/vulkan-drivers-node.ts';

export async function installNavigatorGpu(): Promise<GPU> {
  const plan = planVulkanDrivers();
  if (plan.kind === 'swiftshader-only') selectSwiftShader();
  const { create } = await loadWebGpu(); // also puts GPUBufferUsage, GPUDevice, ... on globalThis
  let gpu = create([]);
  if (!(await gpu.requestAdapter())) {
    if (plan.kind !== 'system-then-swiftshader') throw new Error(explainNoAdapter(plan));
    // The Vulkan loader reads VK_ICD_FILENAMES again when a new instance is created.
    selectSwiftShader();
    gpu = create([]);
    if (!(await gpu.requestAdapter())) throw new Error(explainNoAdapter(plan));
  }
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing) Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}
