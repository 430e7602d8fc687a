// Prints, as JSON, the device requestNodeDevice() gets in a fresh process, so
// tests can check driver selection under a chosen environment.
import { releaseNodeDevices, requestNodeDevice } from '../../runtime/device/webgpu-node.ts';

try {
  const { backend, adapterInfo } = await requestNodeDevice();
  console.log(JSON.stringify({ backend, adapterInfo, icd: process.env.VK_ICD_FILENAMES ?? null }));
  await releaseNodeDevices();
} catch (error) {
  console.log(JSON.stringify({ error: (error as Error).message }));
}
