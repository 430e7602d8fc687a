// Writes bundle files to a folder atomically: everything goes to a sibling
// temporary folder first, which then replaces the target, so an interrupted
// compile never leaves half a bundle behind. What may be replaced follows the
// policy in output-path.ts: only a regc bundle, never a symbolic link.
import type { BundleFiles } from './bundle-files.ts';
import { planFolderOutput, writeFolderOutput } from './output-path.ts';

export async function writeBundleFolder(folder: string, files: BundleFiles, options: { force?: boolean } = {}): Promise<void> {
  await writeFolderOutput(await planFolderOutput(folder, options), files);
}
