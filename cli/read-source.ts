// Reads the files named on the command line; `-` is standard input.
import { readFile } from 'node:fs/promises';
import { SourceFile } from '../grammar/source.ts';
import type { CliIo } from './command.ts';

export const STDIN_PATH = '<stdin>';

export type ReadResult = { readonly ok: true; readonly source: SourceFile } | { readonly ok: false; readonly message: string };

/** The path is kept as written so diagnostics point where the user looks. */
export async function readSource(path: string, io: CliIo): Promise<ReadResult> {
  if (path === '-') return { ok: true, source: new SourceFile(STDIN_PATH, await io.readStdin()) };
  try {
    return { ok: true, source: new SourceFile(path, stripBom(await readFile(path, 'utf8'))) };
  } catch (error) {
    return { ok: false, message: `cannot read \`${path}\`: ${describeFsError(error)}` };
  }
}

/** Editors on some systems write a byte order mark; it is not part of the spec. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
