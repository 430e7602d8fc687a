// The workgroup size a shader's text declares for its entry point. The work
// cap (run-limits.ts) counts invocations with the manifest's workgroupSize,
// so a shader that declares more than its manifest says would launch more
// than was checked: each shader's text is read for its @workgroup_size and
// must agree with the manifest, and fit the device, before its module is made.
//
// Only integer literals are read (the compiler writes nothing else); a size
// given by an override or a const expression is refused rather than guessed.
import type { ShaderSpec } from './manifest.ts';
import type { BundleDeviceLimits } from './run-limits.ts';
import { integerLiteral, withoutComments } from './wgsl-text.ts';

/** `[x, y, z]` as declared on `entryPoint`, or why it cannot be read. */
export function declaredWorkgroupSize(code: string, entryPoint: string): { readonly size: readonly [number, number, number] } | { readonly problem: string } {
  const text = withoutComments(code);
  const name = entryPoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const fn = new RegExp(`(^|[^\\w])fn\\s+${name}\\s*\\(`).exec(text);
  if (!fn) return { problem: `has no function ${JSON.stringify(entryPoint)}, the manifest's entryPoint` };
  // The entry point's attributes come after the previous declaration ends.
  const before = text.slice(0, fn.index + fn[1]!.length);
  const attributes = before.slice(Math.max(before.lastIndexOf(';'), before.lastIndexOf('}'), before.lastIndexOf('{')) + 1);
  const attribute = /@\s*workgroup_size\s*\(([^)]*)\)/.exec(attributes);
  if (!attribute) return { problem: `declares no @workgroup_size on its entry point ${JSON.stringify(entryPoint)}` };
  const args = attribute[1]!.split(',').map((a) => a.trim());
  if (args.length > 1 && args[args.length - 1] === '') args.pop();
  if (args.length < 1 || args.length > 3 || !args.every((a) => integerLiteral(a) !== undefined)) {
    return { problem: `declares @workgroup_size(${attribute[1]!.trim()}); the runtime reads only integer literals there, to bound the work it launches` };
  }
  const [x = 1, y = 1, z = 1] = args.map((a) => integerLiteral(a)!);
  return { size: [x, y, z] };
}

/** What is wrong with the workgroup size `code` declares for `shader`: against the manifest and the device. */
export function workgroupSizeProblems(shader: ShaderSpec, code: string, limits: BundleDeviceLimits): string[] {
  const at = `${shader.file} (shader ${JSON.stringify(shader.id)})`;
  const declared = declaredWorkgroupSize(code, shader.entryPoint);
  if ('problem' in declared) return [`${at}: ${declared.problem}`];
  const [x, y, z] = declared.size;
  const written = `@workgroup_size(${x}, ${y}, ${z})`;
  const problems: string[] = [];
  if (x * y * z !== shader.workgroupSize) {
    problems.push(`${at}: declares ${written}, ${x * y * z} invocations per workgroup, but the manifest says workgroupSize ${shader.workgroupSize}; the bundle is inconsistent: compile it again`);
  }
  const axes: [number, keyof BundleDeviceLimits][] = [
    [x, 'maxComputeWorkgroupSizeX'],
    [y, 'maxComputeWorkgroupSizeY'],
    [z, 'maxComputeWorkgroupSizeZ'],
  ];
  for (const [value, limit] of axes) {
    if (value > limits[limit]) problems.push(`${at}: declares ${written}, more than this device's ${limit} of ${limits[limit]}`);
  }
  if (x * y * z > limits.maxComputeInvocationsPerWorkgroup) {
    problems.push(`${at}: declares ${written}, ${x * y * z} invocations per workgroup, more than this device's maxComputeInvocationsPerWorkgroup of ${limits.maxComputeInvocationsPerWorkgroup}`);
  }
  return problems;
}
