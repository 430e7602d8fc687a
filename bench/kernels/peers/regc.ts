// regc's kernels for one op, outside any bundle: a one-node IR graph through
// `generateKernels`, each kernel's pipeline and bind group made on a given
// device, and the op's whole sequence (a conv's weight reorder included)
// encoded as compute passes. Shared by compute-kernels.ts and peer-kernels.ts.
import { GraphBuilder } from '../../../compiler/ir/builder.ts';
import type { OpAttrs, OpName } from '../../../compiler/ir/ops.ts';
import type { Dim } from '../../../compiler/ir/types.ts';
import { evalAffine, foldWorkgroups, type Kernel } from '../../../compiler/codegen/kernel.ts';
import { generateKernels } from '../../../compiler/codegen/kernels/index.ts';
import type { Tiling } from '../../../compiler/codegen/kernels/tiling.ts';

type BindingSource = Kernel['bindings'][number]['source'];

export interface RegcOpSpec {
  readonly op: OpName;
  readonly attrs: OpAttrs[OpName];
  /** Input shapes; 'N' marks the batch dimension, run at `batch`. */
  readonly inputs: readonly (readonly Dim[])[];
  readonly batch: number;
}

export const convAttrs = (stride: number, padding: number, groups: number): OpAttrs['conv'] => ({
  spatial: 2, stride: [stride, stride], padding: [padding, padding], dilation: [1, 1], groups, epilogue: [],
});

export interface RegcKernels {
  readonly kernels: readonly Kernel[];
  /** The output shape with the batch filled in. */
  readonly outputShape: readonly number[];
}

export function regcKernels(spec: RegcOpSpec, tiling: Tiling = 'fast'): RegcKernels {
  const b = new GraphBuilder('eval');
  const ids = spec.inputs.map((shape, i) => b.input(`in${i}`, { dtype: 'f32', shape }));
  const id = b.add(spec.op, ids, spec.attrs as never);
  const graph = b.finish();
  const node = graph.nodes[id]!;
  const kernels = generateKernels(node, node.inputs.map((i) => graph.nodes[i]!.type), tiling);
  return { kernels, outputShape: resolveShape(node.type.shape, spec.batch) };
}

export const resolveShape = (shape: readonly Dim[], batch: number): number[] =>
  shape.map((d) => (d === 'N' ? batch : (d as number)));

export interface RegcStep {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number];
}

export interface PreparedRegcOp {
  readonly steps: readonly RegcStep[];
  /** One compute pass per kernel, in order. */
  encode(encoder: GPUCommandEncoder): void;
  /** Destroys the scratch and uniform buffers made here (not the inputs or the output). */
  destroy(): void;
}

/** Pipelines and bind groups for `kernels` on `device`; scratch buffers shared by id, as the runtime shares them. */
export async function prepareRegcOp(
  device: GPUDevice,
  kernels: readonly Kernel[],
  inputs: readonly GPUBuffer[],
  output: GPUBuffer,
  batch: number,
): Promise<PreparedRegcOp> {
  const dims = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(dims, 0, new Uint32Array([batch, 0, 0, 0]));
  const scratch = new Map<string, GPUBuffer>();
  const bufferFor = (source: BindingSource): GPUBuffer => {
    if (source.kind === 'input') return inputs[source.index]!;
    if (source.kind === 'output') return output;
    const made = scratch.get(source.id) ?? device.createBuffer({ size: Math.max(16, evalAffine(source.elements, batch) * 4), usage: GPUBufferUsage.STORAGE });
    scratch.set(source.id, made);
    return made;
  };
  const steps: RegcStep[] = [];
  for (const k of kernels) {
    const pipeline = await device.createComputePipelineAsync({
      label: k.name,
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: k.wgsl }), entryPoint: k.entryPoint },
    });
    const entries: GPUBindGroupEntry[] = k.bindings.map((binding, i) => ({ binding: i, resource: { buffer: bufferFor(binding.source) } }));
    if (k.usesBatch) entries.push({ binding: k.bindings.length, resource: { buffer: dims } });
    const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    steps.push({ pipeline, bindGroup, workgroups: foldWorkgroups(Math.ceil(evalAffine(k.groups, batch) / k.groupsDivisor)) });
  }
  return {
    steps,
    encode(encoder) {
      for (const s of steps) {
        const pass = encoder.beginComputePass();
        pass.setPipeline(s.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(s.workgroups[0], s.workgroups[1]);
        pass.end();
      }
    },
    destroy() {
      dims.destroy();
      for (const buffer of scratch.values()) buffer.destroy();
    },
  };
}
