// The yardstick of the kernel bench: a textbook WGSL matmul written for this
// bench, not taken from any library. Each invocation computes one 4x4 tile of
// the output held in four vec4 registers, stepping through k four at a time
// (four vec4 loads of each operand per step, 64 multiply-adds); workgroups of
// 8x8 invocations, no workgroup memory, no barriers. Shapes are baked into
// the WGSL as constants.
//
//   NN: c[z][m, n] = a[z][m, k] @ b[z][k, n]     (matmul; 1x1 conv as W @ X[z])
//   NT: c[m, n] = a[m, k] @ b[n, k]^T             (linear, W kept as [out, in])
// plus an optional bias per output column (linear) or per output row (conv).
// It has no 3x3 convolution: those problems show no yardstick.
import type { ProblemShape } from './problems.ts';
import { elementCount, outputShape } from './problems.ts';
import { readBuffer, storageBuffer, type KernelSystem, type OpRunner } from './system.ts';

export interface RefGemm {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeB: boolean;
  readonly bias: 'none' | 'column' | 'row';
  /** Independent products (z); a is shared by all when `sharedA`. */
  readonly batch: number;
  readonly sharedA: boolean;
}

const WG = 8;

export function refGemmWgsl(g: RefGemm): string {
  if (g.m % 4 || g.k % 4 || g.n % 4) throw new Error('the reference GEMM needs m, k and n divisible by 4');
  const [k4, n4] = [g.k / 4, g.n / 4];
  const aStride = g.sharedA ? 0 : (g.m * g.k) / 4;
  const bStride = (g.k * g.n) / 4;
  const cStride = (g.m * g.n) / 4;
  // b's four vec4s for this k step, and how a row of a meets them.
  const loadB = g.transposeB
    ? [0, 1, 2, 3].map((j) => `    let b${j} = b[bBase + ${j}u * K4 + t];`)
    : [0, 1, 2, 3].map((j) => `    let b${j} = b[bBase + (t * 4u + ${j}u) * N4];`);
  const step = (i: number): string =>
    g.transposeB
      ? `    acc${i} += vec4<f32>(dot(a${i}, b0), dot(a${i}, b1), dot(a${i}, b2), dot(a${i}, b3));`
      : `    acc${i} += a${i}.x * b0 + a${i}.y * b1 + a${i}.z * b2 + a${i}.w * b3;`;
  const biasBinding = g.bias === 'none' ? '' : '@group(0) @binding(3) var<storage, read> bias: array<f32>;';
  const biasTerm = (i: number): string => {
    if (g.bias === 'column') return ' + vec4<f32>(bias[col4 * 4u], bias[col4 * 4u + 1u], bias[col4 * 4u + 2u], bias[col4 * 4u + 3u])';
    if (g.bias === 'row') return ` + vec4<f32>(bias[row + ${i}u])`;
    return '';
  };
  const rows = [0, 1, 2, 3];
  return `// reference 4x4 register-blocked vec4 GEMM (${g.transposeB ? 'NT' : 'NN'}), bench yardstick
const M = ${g.m}u;
const K4 = ${k4}u;
const N4 = ${n4}u;

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
${biasBinding}

@compute @workgroup_size(${WG}, ${WG}, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col4 = gid.x;
  let row = gid.y * 4u;
  if (col4 >= N4 || row >= M) {
    return;
  }
  let z = gid.z;
  let aBase = z * ${aStride}u + row * K4;
  let bBase = z * ${bStride}u + ${g.transposeB ? 'col4 * 4u * K4' : 'col4'};
${rows.map((i) => `  var acc${i} = vec4<f32>(0.0);`).join('\n')}
  for (var t = 0u; t < K4; t++) {
${rows.map((i) => `    let a${i} = a[aBase + ${i}u * K4 + t];`).join('\n')}
${loadB.join('\n')}
${rows.map(step).join('\n')}
  }
  let cBase = z * ${cStride}u + row * N4 + col4;
${rows.map((i) => `  c[cBase + ${i}u * N4] = acc${i}${biasTerm(i)};`).join('\n')}
}
`;
}

export function refGemmFor(p: ProblemShape): RefGemm | null {
  switch (p.kind) {
    case 'matmul':
      return { m: p.m, k: p.k, n: p.n, transposeB: false, bias: 'none', batch: 1, sharedA: false };
    case 'linear':
      return { m: p.m, k: p.k, n: p.n, transposeB: true, bias: 'column', batch: 1, sharedA: false };
    case 'conv':
      // A 1x1 convolution without padding is W[cout, cin] @ X[n][cin, h*w] per image.
      if (p.kernel !== 1 || p.pad !== 0) return null;
      return { m: p.cout, k: p.cin, n: p.h * p.w, transposeB: false, bias: 'row', batch: p.batch, sharedA: true };
  }
}

export async function wgslRefSystem(gpu: GPU): Promise<KernelSystem> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  return {
    id: 'wgsl-ref',
    describe(p) {
      const g = refGemmFor(p);
      if (!g) return null;
      const what = p.kind === 'conv' ? 'W @ X per image' : g.transposeB ? 'x @ W^T' : 'a @ b';
      return `reference ${g.transposeB ? 'NT' : 'NN'} GEMM, ${what}${g.bias === 'none' ? '' : ' + bias'}, 1 kernel`;
    },
    async prepare(p, data): Promise<OpRunner> {
      const g = refGemmFor(p);
      if (!g) throw new Error('the reference kernel has no form for this problem');
      // Conv inputs are [x, w, bias] but the GEMM's a is w and its b is x.
      const [aData, bData, biasData] = p.kind === 'conv' ? [data[1]!, data[0]!, data[2]] : [data[0]!, data[1]!, data[2]];
      const a = storageBuffer(device, aData);
      const b = storageBuffer(device, bData);
      const bias = biasData ? storageBuffer(device, biasData) : undefined;
      const outputElements = elementCount(outputShape(p));
      const c = storageBuffer(device, outputElements);
      const module = device.createShaderModule({ code: refGemmWgsl(g) });
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === 'error');
      if (errors.length > 0) throw new Error(`reference WGSL does not compile: ${errors.map((e) => e.message).join('; ')}`);
      const pipeline = await device.createComputePipelineAsync({ label: 'reference_gemm', layout: 'auto', compute: { module, entryPoint: 'main' } });
      const entries: GPUBindGroupEntry[] = [a, b, c, ...(bias ? [bias] : [])].map((buffer, binding) => ({ binding, resource: { buffer } }));
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      const groups: [number, number, number] = [Math.ceil(g.n / 4 / WG), Math.ceil(g.m / 4 / WG), g.batch];
      return {
        device,
        async run(count) {
          for (let i = 0; i < count; i++) {
            const encoder = device.createCommandEncoder();
            const pass = encoder.beginComputePass();
            pass.setPipeline(pipeline);
            pass.setBindGroup(0, bindGroup);
            pass.dispatchWorkgroups(...groups);
            pass.end();
            device.queue.submit([encoder.finish()]);
          }
          await device.queue.onSubmittedWorkDone();
        },
        read: () => readBuffer(device, c, outputElements),
        dispose() {
          for (const buffer of [a, b, c, bias]) buffer?.destroy();
        },
      };
    },
    close: () => device.destroy(),
  };
}
