// Choosing a Vulkan driver for Dawn in Node on Linux.
//
// Dawn reaches the GPU through the Vulkan loader (libvulkan.so.1), which reads
// driver manifests ("ICDs") from a few directories, or only the ones listed in
// VK_ICD_FILENAMES / VK_DRIVER_FILES. Machines without a GPU (this one, CI)
// have no manifest at all, but Debian's chromium ships SwiftShader, a CPU
// Vulkan driver, with a manifest we can point the loader at.
//
// What we found with the `webgpu` package (Dawn) and Debian's loader 1.3.239:
// the loader reads the environment on every vkCreateInstance, which Dawn calls
// in `create()`, not when the module is imported. So setting VK_ICD_FILENAMES
// in-process and calling `create()` again after a first attempt found no
// adapter does pick SwiftShader up. A failed first attempt prints loader
// warnings ("Found no drivers!") to stderr, though, so:
//   1. if the user chose drivers through the environment, we leave them alone;
//   2. if no manifest exists in any loader search directory, we select
//      SwiftShader before the first `create()` (quiet, and the common CI case);
//   3. otherwise we try the system drivers first and fall back to SwiftShader
//      only if they yield no adapter (a manifest can exist without its GPU,
//      e.g. in a container).
// The variable is set on process.env, so child processes inherit the choice.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Variables through which a user selects Vulkan drivers themselves. */
export const DRIVER_SELECTION_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES'] as const;

export type DriverPlan =
  | { readonly kind: 'not-linux' }
  | { readonly kind: 'user-selected'; readonly variable: string; readonly value: string }
  | { readonly kind: 'swiftshader-only' }
  | { readonly kind: 'system-then-swiftshader'; readonly manifests: readonly string[] }
  | { readonly kind: 'system-only'; readonly manifests: readonly string[] };

type Env = Readonly<Record<string, string | undefined>>;

/** The directories the Linux Vulkan loader searches for driver manifests. */
export function driverManifestDirectories(env: Env = process.env): string[] {
  const home = env.HOME ?? homedir();
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const roots = [configHome, ...configDirs, '/etc', dataHome, ...dataDirs].filter((d) => d.length > 0);
  return [...new Set(roots.map((root) => join(root, 'vulkan', 'icd.d')))];
}

export function installedDriverManifests(env: Env = process.env): string[] {
  const manifests: string[] = [];
  for (const dir of driverManifestDirectories(env)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.json')) manifests.push(join(dir, name));
  }
  return manifests;
}

export function planVulkanDrivers(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  swiftShaderPresent: boolean = existsSync(SWIFTSHADER_ICD),
): DriverPlan {
  if (platform !== 'linux') return { kind: 'not-linux' };
  for (const variable of DRIVER_SELECTION_VARIABLES) {
    const value = env[variable];
    if (value) return { kind: 'user-selected', variable, value };
  }
  const manifests = installedDriverManifests(env);
  if (!swiftShaderPresent) return { kind: 'system-only', manifests };
  if (manifests.length === 0) return { kind: 'swiftshader-only' };
  return { kind: 'system-then-swiftshader', manifests };
}

export function selectSwiftShader(): void {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

/** Why no adapter was found, phrased as what to do about it. */
export function explainNoAdapter(plan: DriverPlan): string {
  switch (plan.kind) {
    case 'not-linux':
      return 'Dawn found no WebGPU adapter on this machine';
    case 'user-selected':
      return `no WebGPU adapter with the Vulkan drivers selected by ${plan.variable}=${plan.value}`;
    case 'swiftshader-only':
    case 'system-then-swiftshader':
      return `no WebGPU adapter, not even SwiftShader (${SWIFTSHADER_ICD}); check that the Vulkan loader (Debian package libvulkan1) is installed`;
    case 'system-only':
      return (
        `no WebGPU adapter: ${plan.manifests.length === 0 ? 'no Vulkan driver is installed' : `the Vulkan drivers ${plan.manifests.join(', ')} found no usable GPU`}, ` +
        `and SwiftShader (${SWIFTSHADER_ICD}, Debian package chromium) is absent; install chromium and libvulkan1 to run on the CPU`
      );
  }
}
