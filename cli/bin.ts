#!/usr/bin/env node
// The `regc` command: runs main() on this process's streams and arguments.
// The package's bin is this file built (dist/cli/bin.js, plain Node); in a
// clone, cli/bin.mjs runs it from the sources through tsx.
import type { CliIo } from './command.ts';
import { main } from './main.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const io: CliIo = {
  stdout: { write: (text) => void process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) },
  stderr: { write: (text) => void process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY) },
  env: process.env,
  readStdin,
};

let code: number;
try {
  code = await main(process.argv.slice(2), io);
} catch (error) {
  // Anything that is not a usage error or a diagnostic is a bug in regc.
  process.stderr.write(`error: internal error in regc, please report it\n${error instanceof Error ? error.stack : String(error)}\n`);
  code = 70;
}
// Exit once the streams are flushed, without waiting for GPU work still
// queued in Dawn (a run stopped by --timeout leaves some behind).
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
