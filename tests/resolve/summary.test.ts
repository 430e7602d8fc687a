// Parameter names of models: labels, automatic names, block prefixes,
// repeat indices, attachments, and the sketch models against PyTorch.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_LAYER_INSTANCES } from '../../compiler/resolve/model-summary.ts';
import { check, expectClean, fixture, model, parameters } from './helpers.ts';

describe('automatic names', () => {
  it('numbers every application of the body, labelled or not, in source order', () => {
    const text = model('  normalize(mean=[0.5], std=[0.5])\n  c1: conv2d(4, 3)\n  relu\n  conv2d(4, 3) -> batchnorm -> relu -> flatten -> linear(2)');
    expect(parameters(text)).toEqual([
      'c1.weight',
      'c1.bias',
      'conv2d_3.weight',
      'conv2d_3.bias',
      'batchnorm_4.weight',
      'batchnorm_4.bias',
      'batchnorm_4.running_mean',
      'batchnorm_4.running_var',
      'batchnorm_4.num_batches_tracked',
      'linear_7.weight',
      'linear_7.bias',
    ]);
  });

  it('counts layers nested in arguments and in outputs, but not arithmetic', () => {
    const text = 'model M {\n  input x: f32[N, 4]\n  let h = x -> linear(4)\n  relu(h + linear(4))\n  output linear(2)\n}';
    expect(parameters(text)).toEqual(['linear_0.weight', 'linear_0.bias', 'linear_2.weight', 'linear_2.bias', 'linear_3.weight', 'linear_3.bias']);
  });

  it('follows the arguments that decide the stored tensors', () => {
    const text = model('  conv2d(4, 3, bias=false)\n  batchnorm(affine=false)\n  instancenorm(affine=true)\n  layernorm(affine=false)');
    expect(parameters(text)).toEqual([
      'conv2d_0.weight',
      'batchnorm_1.running_mean',
      'batchnorm_1.running_var',
      'batchnorm_1.num_batches_tracked',
      'instancenorm_2.weight',
      'instancenorm_2.bias',
    ]);
  });

  it('gives roles to stored tensors', () => {
    const summary = expectClean(model('  bn: batchnorm\n  fc: linear(2) with spectralnorm')).models.get('M')!;
    expect(summary.parameters.map((p) => `${p.name} ${p.role} ${p.layer} ${p.op}`)).toEqual([
      'bn.weight trainable bn batchnorm',
      'bn.bias trainable bn batchnorm',
      'bn.running_mean running bn batchnorm',
      'bn.running_var running bn batchnorm',
      'bn.num_batches_tracked state bn batchnorm',
      'fc.bias trainable fc linear',
      'fc.weight_orig trainable fc linear',
      'fc.weight_u state fc linear',
      'fc.weight_v state fc linear',
    ]);
  });

  it('renames the weight under weightnorm', () => {
    expect(parameters(model('  fc: linear(2) with weightnorm, dropconnect(0.1)'))).toEqual(['fc.bias', 'fc.weight_g', 'fc.weight_v']);
  });

  it('names attention parameters as torch does', () => {
    expect(parameters(model('  flatten -> reshape([4, 48]) -> attn: multihead_attention(heads=4)'))).toEqual([
      'attn.in_proj_weight',
      'attn.in_proj_bias',
      'attn.out_proj.weight',
      'attn.out_proj.bias',
    ]);
  });
});

describe('blocks', () => {
  const block = 'block Unit(ch: int, bias: bool = true) {\n  input x\n  c: conv2d(ch, 3, bias=bias)\n  bn: batchnorm\n}\n';

  it('prefixes a block instance\'s layers with its name', () => {
    expect(parameters(`${block}${model('  u: Unit(4, bias=false)')}`)).toEqual([
      'u.c.weight',
      'u.bn.weight',
      'u.bn.bias',
      'u.bn.running_mean',
      'u.bn.running_var',
      'u.bn.num_batches_tracked',
    ]);
  });

  it('gives an unlabelled instance an automatic name', () => {
    expect(parameters(`${block}${model('  relu\n  Unit(4) -> Unit(2, false)')}`).filter((n) => n.endsWith('.c.weight'))).toEqual([
      'Unit_1.c.weight',
      'Unit_2.c.weight',
    ]);
  });

  it('numbers repeat instances and nests blocks', () => {
    const stage = 'block Stage(n: int, ch: int) {\n  input x\n  units: repeat n Unit(ch)\n  head: conv2d(ch, 1)\n}\n';
    const names = parameters(`${block}${stage}${model('  s: Stage(2, 4)')}`);
    expect(names.filter((n) => n.endsWith('weight') && !n.includes('bn'))).toEqual([
      's.units.0.c.weight',
      's.units.1.c.weight',
      's.head.weight',
    ]);
    expect(names).toContain('s.units.1.c.bias');
  });

  it('expands each distinct instance with its own arguments', () => {
    const names = parameters(`${block}${model('  a: Unit(4, bias=false)\n  b: Unit(4)\n  c: Unit(4, bias=false)')}`);
    expect(names.filter((n) => n.includes('.c.'))).toEqual(['a.c.weight', 'b.c.weight', 'b.c.bias', 'c.c.weight']);
  });

  it('still lists parameters when the model has errors elsewhere', () => {
    const result = check(model('  fc: linear(2)\n  relu(undefined_value)'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['E0202']);
    expect(result.models.get('M')!.parameters.map((p) => p.name)).toEqual(['fc.weight', 'fc.bias']);
  });
});

describe('the cap on expanded layers', () => {
  const unit = 'block U() {\n  input x\n  fc: linear(4)\n}\n';

  it('reports a repeat past MAX_LAYER_INSTANCES instead of expanding it', () => {
    // 1e300 once made Array.from throw a RangeError; expanding 100,000 copies took 28 s to compile.
    for (const count of ['1e300', String(MAX_LAYER_INSTANCES)]) {
      const started = performance.now();
      const result = check(`${unit}${model(`  r: repeat ${count} U`, 'f32[N, 4]')}`);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.message}`)).toEqual([
        `E0217 8:3 more than 4,096 (2^12) layers once blocks and repeats are expanded`,
      ]);
    }
  });

  it('counts repeats nested in blocks by their product, and reports it once, where it passes the cap', () => {
    const nested = `${unit}block B() {\n  input x\n  r: repeat 10 U\n}\nblock A() {\n  input x\n  r: repeat 300 B\n}\n`;
    const result = check(`${nested}${model('  a: repeat 100 A\n  b: repeat 100 A', 'f32[N, 4]')}`);
    expect(result.diagnostics.map((d) => `${d.code} ${d.span.start.line}:${d.span.start.column} ${d.label}`)).toEqual([
      'E0217 11:3 `r` expands to 6,300 layers', // 300 x (B itself + 10 x (U + its linear))
    ]);
  });

  it('allows a model just under the cap', () => {
    // Each copy of U is the block application and its linear: two instances.
    const names = parameters(`${unit}${model(`  r: repeat ${MAX_LAYER_INSTANCES / 2} U`, 'f32[N, 4]')}`);
    expect(names).toHaveLength(MAX_LAYER_INSTANCES);
  });
});

describe('the sketch models', () => {
  const torch = JSON.parse(readFileSync(new URL('./fixtures/sketch-state-dicts.json', import.meta.url), 'utf8')) as Record<string, string[]>;

  it('name the Fashion classifier\'s parameters as torch names the same modules', () => {
    const result = expectClean(fixture('sketch-fashion.reg'));
    const fashion = result.models.get('Fashion')!;
    expect(fashion.inputs).toEqual(['image']);
    expect(fashion.outputs).toEqual(['logits']);
    expect(fashion.parameters.map((p) => p.name)).toEqual(torch['Fashion']);
  });

  it('name Tiny\'s parameters, block instances included, as torch does', () => {
    const tiny = expectClean(fixture('sketch-resnet.reg')).models.get('Tiny')!;
    expect(tiny.parameters.map((p) => p.name)).toEqual(torch['Tiny']);
  });
});
