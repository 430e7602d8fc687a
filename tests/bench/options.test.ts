import { describe, expect, it } from 'vitest';
import { DEFAULT_BROWSER_MODELS, parseOptions } from '../../bench/peers/options.ts';

describe('run.ts options', () => {
  it('defaults: every model and system in Node, two models in Chromium, 3 warm-up and 10 timed runs', () => {
    const o = parseOptions([], true);
    expect(o.models).toEqual(['mlp', 'cnn', 'resnet', 'transformer']);
    expect(o.systems).toEqual(['regc', 'tfjs-webgpu', 'ort-web-webgpu', 'ort-node-cpu']);
    expect(o.browserModels).toEqual(DEFAULT_BROWSER_MODELS);
    expect(o.browserSystems).toEqual(['regc', 'tfjs-webgpu', 'ort-web-webgpu']);
    expect(o).toMatchObject({ node: true, browser: true, warmup: 3, runs: 10, coldLaunches: 3, atLaunchLaunches: 3, write: true });
  });

  it('selects models and systems, and turns the browser off without Chromium', () => {
    const o = parseOptions(['--models', 'cnn,mlp', '--systems', 'regc', '--browser-models', 'all', '--runs', '12', '--no-write'], false);
    expect(o.models).toEqual(['cnn', 'mlp']);
    expect(o.systems).toEqual(['regc']);
    expect(o.browserModels).toEqual(['mlp', 'cnn', 'resnet', 'transformer']);
    expect(o).toMatchObject({ browser: false, runs: 12, write: false });
  });

  it('rejects unknown names, CPU-only systems in the browser and too few runs', () => {
    expect(() => parseOptions(['--models', 'vgg'], true)).toThrow(/unknown model vgg/);
    expect(() => parseOptions(['--browser-systems', 'ort-node-cpu'], true)).toThrow(/does not run in a browser/);
    expect(() => parseOptions(['--runs', '0'], true)).toThrow(/--runs/);
    expect(() => parseOptions(['--cold-launches', '0'], true)).toThrow(/--cold-launches/);
    expect(parseOptions(['--at-launch-launches', '0'], true).atLaunchLaunches).toBe(0);
    expect(() => parseOptions(['--at-launch-launches', '-1'], true)).toThrow(/--at-launch-launches/);
    expect(() => parseOptions(['--bogus'], true)).toThrow();
  });
});
