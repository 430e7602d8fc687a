#!/usr/bin/env node
// The `regc` command. In a clone (the TypeScript sources sit next to this
// file) it runs cli/bin.ts through tsx, a dev dependency, so no build step is
// needed and an edit shows at once. In the installed package there are no
// sources, only the build: it runs dist/cli/bin.js on plain Node.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./bin.ts', import.meta.url))) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('./bin.ts', import.meta.url);
} else {
  await import('../dist/cli/bin.js');
}
