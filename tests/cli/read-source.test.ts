// regc check on files that are not UTF-8 .reg text: each gets one clear
// message (exit 2), never the file's bytes, and nothing hangs or throws.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_BYTES } from '../../cli/read-source.ts';
import { runCli } from './run-cli.ts';

const CLEAN = 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n';
const SECRET = 'model Secret {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n';
const dir = mkdtempSync(join(tmpdir(), 'regc-read-'));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function utf16(text: string, endian: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
}

async function checkFails(path: string, reason: string | RegExp): Promise<string> {
  const r = await runCli(['check', path]);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  if (typeof reason === 'string') expect(r.stderr).toContain(reason);
  else expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toContain('Secret');
  expect(r.stderr.split('\n').filter((l) => l.trim() !== '').length).toBe(1);
  return r.stderr;
}

describe('regc check on files that are not UTF-8 specs', () => {
  it('still reads UTF-8, with or without a byte order mark', async () => {
    expect((await runCli(['check', file('plain.reg', CLEAN)])).status).toBe(0);
    expect((await runCli(['check', file('bom.reg', '\ufeff' + CLEAN)])).status).toBe(0);
    expect((await runCli(['check', file('utf8.reg', '// héllo ✓\n' + CLEAN)])).status).toBe(0);
  });

  it('names UTF-16 with a byte order mark', async () => {
    await checkFails(file('le-bom.reg', utf16(SECRET, 'le', true)), 'the file is UTF-16 (little-endian); save it as UTF-8');
    await checkFails(file('be-bom.reg', utf16(SECRET, 'be', true)), 'the file is UTF-16 (big-endian); save it as UTF-8');
  });

  it('names UTF-16 without a byte order mark', async () => {
    await checkFails(file('le.reg', utf16(SECRET, 'le', false)), 'the file is UTF-16 (little-endian); save it as UTF-8');
    await checkFails(file('be.reg', utf16(SECRET, 'be', false)), 'the file is UTF-16 (big-endian); save it as UTF-8');
  });

  it('says where a NUL byte is and that the file looks binary', async () => {
    const bytes = Buffer.concat([Buffer.from(SECRET + 'ab'), Buffer.from([0, 1, 2, 0xff]), Buffer.from('more')]);
    const err = await checkFails(file('nul.reg', bytes), 'the file holds NUL bytes at line 6 col 3; it looks like a binary file, not a .reg spec');
    expect(err).toContain('nul.reg');
  });

  it('says where bytes stop being UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(SECRET), Buffer.from([0x2f, 0x2f, 0x20, 0xe9, 0x74, 0xe9, 0x0a])]);
    const offset = Buffer.byteLength(SECRET) + 3;
    await checkFails(file('latin1.reg', bytes), `the file is not valid UTF-8 at byte offset ${offset} (line 6)`);
    // A truncated sequence at the end, after a BOM: offsets count from the file's start.
    const tail = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('x'), Buffer.from([0xe2, 0x9c])]);
    await checkFails(file('tail.reg', tail), 'not valid UTF-8 at byte offset 4 (line 1)');
    // An encoded surrogate is not UTF-8 either.
    await checkFails(file('surrogate.reg', Buffer.from([0x61, 0xed, 0xa0, 0x80])), 'not valid UTF-8 at byte offset 1 (line 1)');
  });

  it('refuses a file over the size limit without reading it', async () => {
    const path = file('huge.reg', '');
    truncateSync(path, MAX_SOURCE_BYTES + 1);
    await checkFails(path, `the file is ${MAX_SOURCE_BYTES + 1} bytes, more than the 16 MiB a spec may have`);
  });

  it('refuses a directory', async () => {
    const path = join(dir, 'a-directory.reg');
    mkdirSync(path);
    await checkFails(path, 'it is a directory');
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO instead of waiting on it', async () => {
    const path = join(dir, 'fifo.reg');
    execFileSync('mkfifo', [path]);
    await checkFails(path, 'it is a named pipe (FIFO), not a regular file');
  }, 5000);

  it('still reports a missing file and reads `-` from stdin', async () => {
    await checkFails(join(dir, 'missing.reg'), 'no such file');
    expect((await runCli(['check', '-'], { stdin: CLEAN })).status).toBe(0);
  });

  it('checks the other files after one that cannot be read', async () => {
    const r = await runCli(['check', file('le2.reg', utf16(SECRET, 'le', true)), file('ok.reg', CLEAN)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('UTF-16');
  });
});
