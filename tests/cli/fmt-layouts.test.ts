// `regc fmt` on layouts it used to refuse with exit 70 ("formatting would
// change its meaning"), found by the fuzz campaign, and on files whose lines
// break at a lone `\r`.
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const fmt = (text: string) => runCli(['fmt', '-'], { stdin: text });

describe('regc fmt', () => {
  it('formats an own-line comment with trailing blanks', async () => {
    const r = await fmt('model M {\n  input x: f32[N, 4]\n  // note  \n  output x\n}\n');
    expect(r).toEqual({ status: 0, stdout: 'model M {\n  input x: f32[N, 4]\n  // note\n  output x\n}\n', stderr: '' });
  });

  it('formats a statement after `;` that starts with a sign', async () => {
    const r = await fmt('model M {\n  input b: f32[N, 4]\n  relu; -b\n  output b\n}\n');
    expect(r).toEqual({ status: 0, stdout: 'model M {\n  input b: f32[N, 4]\n  relu;\n  -b\n  output b\n}\n', stderr: '' });
  });

  it('formats a file whose lines break at a lone `\\r`, and reports its errors on the right lines', async () => {
    const r = await fmt('model M {\r  input x: f32[N, 4]\r  output x\r}\r');
    expect(r).toEqual({ status: 0, stdout: 'model M {\n  input x: f32[N, 4]\n  output x\n}\n', stderr: '' });
    const broken = await fmt('model M {\r  input x: f32[N, 4]\r  relu maxpool(2)\r}\r');
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(' --> <stdin>:3:8\n');
    expect(broken.stderr).toContain('3 |   relu maxpool(2)\n');
  });
});
