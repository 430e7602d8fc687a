// The commands through main(), in this process: argument handling, help for
// every registered command, fmt --write, stdin and color.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.ts';
import { runCli } from './run-cli.ts';

const CLEAN = 'model M {\n  input x: f32[N, 4]\n  output y\n  fc: linear(2)\n}\n';
const UNFORMATTED = 'model M {\n    input x: f32[N,4] ; output   y\n fc:linear( 2 )\n}\n';
const BROKEN = 'model M {\n  fc: linear(10 20)\n}\n';

function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'regc-cmd-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('every registered command', () => {
  for (const entry of COMMANDS) {
    it(`${entry.name} loads and has complete help`, async () => {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      const r = await runCli([entry.name, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: regc ${entry.name} `);
      expect(r.stdout).toContain('Options:\n');
      expect(r.stdout).toContain('-h, --help');
      expect(r.stdout).toMatch(/Examples?:\n  regc /);
      expect(await runCli(['help', entry.name])).toEqual(r);
      expect(await runCli([entry.name, '-h'])).toEqual(r);
      for (const name of Object.keys(command.options)) expect(r.stdout).toContain(`--${name}`);
      for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    });
  }
});

describe('argument errors', () => {
  const usage = async (args: string[], message: string) => {
    const r = await runCli(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  };

  it('names the problem and exits 2', async () => {
    await usage(['--verison'], 'unknown option `--verison`');
    await usage(['--verison'], '`--version`');
    await usage(['check'], '`regc check` needs a FILE');
    await usage(['check', '--strict=yes', 'a.reg'], 'option `--strict` does not take a value');
    await usage(['check', 'a.reg', '--format'], 'option `--format` needs a value: text, json');
    await usage(['check', '--format', 'jsno', 'a.reg'], 'there is a value with a similar name: `json`');
    await usage(['check', '-x', 'a.reg'], 'unknown option `-x` for `regc check`');
    await usage(['fmt', '--check', '--write', 'a.reg'], '`--check` and `--write` cannot be used together');
    await usage(['fmt', 'a.reg', 'b.reg'], 'printing the formatted text takes exactly one FILE');
    await usage(['fmt', '--write', '-'], '`--write` cannot rewrite standard input');
    await usage(['explain', 'E0103', 'E0104'], '`regc explain` takes at most 1 CODE argument');
    await usage(['explain', 'E9999'], 'no diagnostic has the code `E9999`');
    await usage(['help', 'fnt'], 'there is a command with a similar name: `fmt`');
    await usage(['chek', 'x.reg'], 'there is a command with a similar name: `check`');
    await usage(['compile', 'x.reg', '--ouput', 'o'], 'unknown option `--ouput` for `regc compile`');
    await usage(['compile', 'x.reg', '--ouput', 'o'], 'there is an option with a similar name: `--output`');
    await usage(['compile', 'x.reg', '--ouput=o'], 'there is an option with a similar name: `--output`');
    await usage(['compile', 'x.reg', '-o'], 'option `--output` needs a value <dir>');
    await usage(['compile', 'x.reg', '--format', 'es'], 'invalid value `es` for `--format`');
    await usage(['compile', 'x.reg', '--format', 'es'], 'there is a value with a similar name: `esm`');
    await usage(['run', 'out', '--pipelines=slow'], 'possible values: tiered, fast, quick');
  });

  it('shows help even when the rest of the line is incomplete', async () => {
    const r = await runCli(['fmt', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: regc fmt');
    const mistaken = await runCli(['compile', '--ouput', '--format', 'zip', '--help']);
    expect(mistaken).toEqual({ status: 0, stdout: (await runCli(['compile', '--help'])).stdout, stderr: '' });
  });
});

describe('regc check', () => {
  it('reads standard input for -', async () => {
    const r = await runCli(['check', '-'], { stdin: BROKEN });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(' --> <stdin>:2:17');
  });

  it('colors only when asked, or on a terminal without NO_COLOR', async () => {
    const dir = tempFiles({ 'broken.reg': BROKEN });
    const file = join(dir, 'broken.reg');
    expect((await runCli(['check', file])).stderr).not.toContain('\x1b[');
    expect((await runCli(['check', '--color', 'always', file])).stderr).toContain('\x1b[1;31merror[E0103]');
    expect((await runCli(['check', file], { tty: true })).stderr).toContain('\x1b[');
    expect((await runCli(['check', file], { tty: true, env: { NO_COLOR: '1' } })).stderr).not.toContain('\x1b[');
    expect((await runCli(['check', '--color', 'never', file], { tty: true })).stderr).not.toContain('\x1b[');
  });

  it('passes a file with only warnings, unless --strict', async () => {
    const dir = tempFiles({ 'warn.reg': 'block B(c: int) {\n  input a\n  output a\n}\n' });
    const file = join(dir, 'warn.reg');
    const lenient = await runCli(['check', file]);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toContain('warning[W0202]');
    expect(lenient.stderr).toMatch(/\nwarning: 1 warning in .*warn\.reg\n$/);
    const strict = await runCli(['check', '--strict', file]);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toBe(lenient.stderr);
  });

  it('prints an empty JSON array for clean files', async () => {
    const dir = tempFiles({ 'clean.reg': CLEAN });
    expect(await runCli(['check', '--format', 'json', join(dir, 'clean.reg')])).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('regc fmt', () => {
  it('--write rewrites only the files that change', async () => {
    const dir = tempFiles({ 'clean.reg': CLEAN, 'unformatted.reg': UNFORMATTED });
    const cleanTime = statSync(join(dir, 'clean.reg')).mtimeMs;
    const r = await runCli(['fmt', '--write', join(dir, 'clean.reg'), join(dir, 'unformatted.reg')]);
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(readFileSync(join(dir, 'unformatted.reg'), 'utf8')).toBe(CLEAN);
    expect(statSync(join(dir, 'clean.reg')).mtimeMs).toBe(cleanTime);
  });

  it('refuses a file with syntax errors: diagnostics, exit 1, file untouched, others still formatted', async () => {
    const dir = tempFiles({ 'broken.reg': BROKEN, 'unformatted.reg': UNFORMATTED });
    const r = await runCli(['fmt', '--write', join(dir, 'broken.reg'), join(dir, 'unformatted.reg')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[E0103]');
    expect(r.stderr).toMatch(/error: 1 error in .*broken\.reg; not formatted\n$/);
    expect(readFileSync(join(dir, 'broken.reg'), 'utf8')).toBe(BROKEN);
    expect(readFileSync(join(dir, 'unformatted.reg'), 'utf8')).toBe(CLEAN);
  });

  it('--check reports syntax errors too', async () => {
    const dir = tempFiles({ 'broken.reg': BROKEN });
    const r = await runCli(['fmt', '--check', join(dir, 'broken.reg')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[E0103]');
  });

  it('an unreadable file gives exit status 2', async () => {
    const r = await runCli(['fmt', '--check', join(tmpdir(), 'regc-no-such-dir', 'x.reg')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read `.*x\.reg`: no such file\n$/);
  });
});
