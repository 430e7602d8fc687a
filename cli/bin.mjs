#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so `npx regc` works from
// a fresh clone with no build step.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('./main.ts', import.meta.url);

/** @type {import('./command.ts').Output} */
const stdout = { write: (text) => process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) };
const stderr = { write: (text) => process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY) };

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  process.exitCode = await main(process.argv.slice(2), { stdout, stderr, env: process.env, readStdin });
} catch (error) {
  // Anything that is not a usage error or a diagnostic is a bug in regc.
  process.stderr.write(`error: internal error in regc, please report it\n${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 70;
}
