// Runs the CLI two ways: as a real process (`node cli/bin.mjs`), and in this
// process through main() with captured output, for the many small cases.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.ts';
import type { CliIo } from '../../cli/command.ts';

export const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnCli(args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export async function runCli(
  args: readonly string[],
  options: { stdin?: string; tty?: boolean; env?: Record<string, string> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.tty ?? false },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
    readStdin: async () => options.stdin ?? '',
  };
  const status = await main(args, io);
  return { status, stdout, stderr };
}
