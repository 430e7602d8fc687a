// regc in the kernel bench: the kernels its compiler generates for a
// one-node graph (regc.ts), on a device of the shared adapter requested the
// way regc's runtime requests one. One command buffer per op, holding every
// kernel of the op's sequence.
import { requestDeviceFromAdapter } from '../../../runtime/device/request-device.ts';
import { quadsAreConsecutive } from '../../../runtime/bundle/quad-probe.ts';
import type { Tiling } from '../../../compiler/codegen/kernels/tiling.ts';
import type { ProblemShape } from './problems.ts';
import { elementCount } from './problems.ts';
import { convAttrs, prepareRegcOp, regcKernels, type RegcOpSpec } from './regc.ts';
import { readBuffer, storageBuffer, type KernelSystem, type OpRunner } from './system.ts';

export function regcSpec(p: ProblemShape): RegcOpSpec {
  switch (p.kind) {
    case 'matmul':
      return { op: 'matmul', attrs: { epilogue: [] }, inputs: [[p.m, p.k], [p.k, p.n]], batch: 1 };
    case 'linear':
      return { op: 'linear', attrs: { epilogue: [] }, inputs: [['N', p.k], [p.n, p.k], [p.n]], batch: p.m };
    case 'conv':
      return {
        op: 'conv',
        attrs: convAttrs(1, p.pad, 1),
        inputs: [['N', p.cin, p.h, p.w], [p.cout, p.cin, p.kernel, p.kernel], [p.cout]],
        batch: p.batch,
      };
  }
}

export async function regcSystem(gpu: GPU): Promise<KernelSystem> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const { device } = await requestDeviceFromAdapter(adapter, { optionalFeatures: ['timestamp-query'] });
  // The kernels a bundle's runtime would pick on this device.
  const tiling: Tiling = (await quadsAreConsecutive(device)) ? 'fast-subgroups' : 'fast';
  return {
    id: 'regc',
    describe(p) {
      const { kernels } = regcKernels(regcSpec(p), tiling);
      const shared = kernels.some((k) => k.features?.includes('subgroups'));
      return `${kernels.length} kernel${kernels.length > 1 ? 's' : ''}${p.kind === 'conv' ? ', NCHW' : ''}${shared ? ', quad-shared loads' : ''}`;
    },
    async prepare(p, data): Promise<OpRunner> {
      const spec = regcSpec(p);
      const { kernels, outputShape } = regcKernels(spec, tiling);
      const inputs = data.map((d) => storageBuffer(device, d));
      const outputElements = elementCount(outputShape);
      const output = storageBuffer(device, outputElements);
      const op = await prepareRegcOp(device, kernels, inputs, output, spec.batch);
      return {
        device,
        async run(count) {
          for (let i = 0; i < count; i++) {
            const encoder = device.createCommandEncoder();
            op.encode(encoder);
            device.queue.submit([encoder.finish()]);
          }
          await device.queue.onSubmittedWorkDone();
        },
        read: () => readBuffer(device, output, outputElements),
        dispose() {
          op.destroy();
          for (const b of [...inputs, output]) b.destroy();
        },
      };
    },
    close: () => device.destroy(),
  };
}
