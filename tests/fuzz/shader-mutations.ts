// Changes to a bundle's WGSL text. The runtime does not parse WGSL (the
// device's shader compiler does), so most of these end in the device
// refusing the module or the pipeline; the campaign counts those apart
// (see bundle-oracle.ts), and still requires a BundleError with a message.
// Infinite loops are not generated: a valid shader that runs forever is out
// of scope (docs/security.md).
import type { Rng } from './prng.ts';

type ShaderMutation = (rng: Rng, code: string) => string;

function lines(code: string): string[] {
  return code.split('\n');
}

export const SHADER_MUTATIONS: readonly (readonly [string, ShaderMutation, number])[] = [
  ['delete-line', (rng, code) => {
    const l = lines(code);
    l.splice(rng.int(0, l.length - 1), 1);
    return l.join('\n');
  }, 4],
  ['duplicate-line', (rng, code) => {
    const l = lines(code);
    const i = rng.int(0, l.length - 1);
    l.splice(i, 0, l[i]!);
    return l.join('\n');
  }, 2],
  ['swap-lines', (rng, code) => {
    const l = lines(code);
    const i = rng.int(0, l.length - 1);
    const j = rng.int(0, l.length - 1);
    [l[i], l[j]] = [l[j]!, l[i]!];
    return l.join('\n');
  }, 2],
  ['binding-number', (rng, code) => code.replace(/@binding\((\d+)\)/, () => `@binding(${rng.pick([0, 1, 7, 8, 99, 4294967295])})`), 3],
  ['access-mode', (_rng, code) => (code.includes('read_write>') ? code.replace('read_write>', 'read>') : code.replace('read>', 'read_write>')), 3],
  ['entry-point', (rng, code) => code.replace(/fn main\(/, `fn ${rng.pick(['mian', 'main2', '_'])}(`), 2],
  ['workgroup-size', (rng, code) => code.replace(/@workgroup_size\((\d+)\)/, `@workgroup_size(${rng.pick([0, 1, 63, 256, 1024, 1025, 65536])})`), 3],
  ['number-literal', (rng, code) => code.replace(/\b\d+u\b/, rng.pick(['0u', '4294967295u', '4294967296u', '1', '-1', '1.5'])), 3],
  ['element-type', (_rng, code) => code.replace('array<f32>', 'array<vec4<f32>>'), 3],
  ['extra-binding', (rng, code) => `@group(0) @binding(${rng.pick([6, 7, 9])}) var<storage, read_write> extra: array<f32>;\n${code.replace(/(fn main\([^)]*\)[^{]*\{)/, '$1\n  extra[0] = 1.0;')}`, 2],
  ['uniform-struct', (_rng, code) => code.replace(/struct Dims \{ /, 'struct Dims { more: vec4<u32>, '), 2],
  ['truncate', (rng, code) => code.slice(0, rng.int(0, code.length - 1)), 3],
  ['garbage', (rng, code) => {
    const at = rng.int(0, code.length);
    return code.slice(0, at) + rng.pick(['@', '\u0000', '\ud800', '/*', '}', 'fn', '"', 'é', '\u202e', '#include <x>']) + code.slice(at);
  }, 3],
  ['empty', () => '', 1],
  ['enable-extension', (rng, code) => `enable ${rng.pick(['f16', 'subgroups', 'chromium_experimental_foo', 'nonsense'])};\n${code}`, 1],
  ['huge-array', (_rng, code) => code.replace(/var<storage, read_write> (\w+): array<f32>;/, 'var<storage, read_write> $1: array<f32, 268435456>;'), 1],
];

export function mutateShaderText(rng: Rng, code: string): { code: string; name: string } {
  const [name, mutate] = rng.weighted(SHADER_MUTATIONS.map((m) => [m, m[2]] as const));
  return { code: mutate(rng, code), name };
}
