// The CLI as users run it: a process, its exit status and its two streams.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from './run-cli.ts';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const dir = mkdtempSync(join(tmpdir(), 'regc-cli-'));
const CLEAN = 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n';
const UNFORMATTED = 'model M {\n    input x: f32[N,4] ; output   y\n fc:linear( 2 )\n}\n';
const BROKEN = 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(10 20)\n  relu(\n}\n';
writeFileSync(join(dir, 'clean.reg'), CLEAN);
writeFileSync(join(dir, 'unformatted.reg'), UNFORMATTED);
writeFileSync(join(dir, 'broken.reg'), BROKEN);

describe.concurrent('regc as a process', () => {
  it('prints its version from package.json', async () => {
    const r = await spawnCli(['--version']);
    expect(r).toMatchObject({ status: 0, stdout: `regc ${version}\n`, stderr: '' });
  });

  it('prints top-level help listing the commands', async () => {
    const r = await spawnCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^regc .*\n\nUsage: regc <command>/);
    for (const command of ['check', 'fmt', 'explain']) expect(r.stdout).toMatch(new RegExp(`\\n  ${command} +\\S`));
  });

  it('prints help for a command with options, defaults and an example', async () => {
    const r = await spawnCli(['check', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: regc check [options] FILE...');
    expect(r.stdout).toContain('--format <text|json>');
    expect(r.stdout).toContain('(default: text)');
    expect(r.stdout).toContain('Examples:\n  regc check specs/fashion.reg');
    expect(r.stderr).toBe('');
  });

  it('rejects an unknown command with a suggestion and exit status 2', async () => {
    const r = await spawnCli(['chek', 'x.reg']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: unknown command `chek`');
    expect(r.stderr).toContain('there is a command with a similar name: `check`');
  });

  it('rejects an unknown option with a suggestion and exit status 2', async () => {
    // The whole of both streams: the parser writes nothing of its own.
    const r = await spawnCli(['check', '--fromat', 'json', 'x.reg']);
    expect(r).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'error: unknown option `--fromat` for `regc check`\n' +
        '  = help: there is an option with a similar name: `--format`\n' +
        '  = note: run `regc check --help` for usage\n',
    });
  });

  it('with no command, prints help to stderr and exits 2', async () => {
    const r = await spawnCli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: regc <command>');
  });

  it('check: exit 0 and silence for a clean file', async () => {
    expect(await spawnCli(['check', 'clean.reg'], { cwd: dir })).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('check: exit 1 and every error rendered on stderr, paths as given', async () => {
    const r = await spawnCli(['check', 'clean.reg', 'broken.reg'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[E0103]: expected `,` or `)`, found `20`\n --> broken.reg:4:17\n');
    expect(r.stderr).toContain('4 |   fc: linear(10 20)\n  |                 ^^');
    expect(r.stderr).toMatch(/\nerror: \d+ errors? in broken\.reg\n$/);
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('check --format json: an array of diagnostics on stdout', async () => {
    const r = await spawnCli(['check', '--format', 'json', 'broken.reg', 'clean.reg'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout) as { code: string; file: string; span: { start: { line: number; column: number } } }[];
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list[0]).toMatchObject({ code: 'E0103', file: 'broken.reg', span: { start: { line: 4, column: 17 } } });
  });

  it('check: an unreadable file is a clear error with exit status 2', async () => {
    const r = await spawnCli(['check', 'missing.reg', 'clean.reg'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('error: cannot read `missing.reg`: no such file\n');
  });

  it('fmt --check lists the files that would change, exits 1 and writes nothing', async () => {
    const r = await spawnCli(['fmt', '--check', 'clean.reg', 'unformatted.reg'], { cwd: dir });
    expect(r).toEqual({ status: 1, stdout: 'unformatted.reg\n', stderr: '' });
    expect(readFileSync(join(dir, 'unformatted.reg'), 'utf8')).toBe(UNFORMATTED);
  });

  it('fmt --check exits 0 when everything is formatted', async () => {
    expect(await spawnCli(['fmt', '--check', 'clean.reg'], { cwd: dir })).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('fmt prints the formatted text of one file, reading stdin for -', async () => {
    const r = await spawnCli(['fmt', '-'], { input: UNFORMATTED });
    expect(r).toEqual({ status: 0, stdout: CLEAN, stderr: '' });
  });

  it('explain prints a catalogue entry', async () => {
    const r = await spawnCli(['explain', 'E0103']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^E0103: unexpected token\n/);
    expect(r.stdout).toContain('    error[E0103]');
  });
});
