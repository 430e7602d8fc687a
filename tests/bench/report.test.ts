// RESULTS.md rendering from raw results: the rows, regc's ratios, failures,
// and replacing only this benchmark's section of the file.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../bench/peers/measure.ts';
import { formatError, formatRatio, renderSection, replaceSection, SECTION_HEADING, type BenchRun } from '../../bench/peers/report.ts';

function ok(system: RunRecord['system'], model: RunRecord['model'], latency: number, extra: Partial<Extract<RunRecord, { ok: true }>> = {}): RunRecord {
  return {
    system,
    model,
    environment: 'node',
    ok: true,
    coldStartMs: 1000,
    loadStartMs: 100,
    loadMs: 500,
    firstRunMs: 100,
    settledMs: 1000,
    latencyMs: { median: latency, min: latency, max: latency, samples: [latency] },
    warmup: 1,
    maxAbsError: 1e-6,
    maxAbsExpected: 3,
    peakGpuBytes: system === 'ort-node-cpu' ? null : 2 * 2 ** 20,
    gpuBuffersCreated: system === 'ort-node-cpu' ? null : 4,
    peakRssBytes: 200 * 2 ** 20,
    adapter: 'test adapter',
    ...extra,
  };
}

const run: BenchRun = {
  meta: {
    date: '2026-01-01 00:00 UTC',
    command: 'npx tsx bench/peers/run.ts',
    machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, loadAverage: { start: [1, 1, 1], end: [2, 2, 2] } },
    node: '20.0.0',
    chromium: null,
    versions: { 'onnxruntime-web': '1.0.0' },
    warmup: 1,
    runs: 10,
    wallSeconds: 12,
  },
  compile: [{ model: 'mlp', ok: true, firstMs: 40, medianMs: 5, repeats: 3, shaders: 3, dispatches: 3 }],
  records: [
    ok('regc', 'mlp', 50),
    ok('tfjs-webgpu', 'mlp', 200),
    ok('ort-node-cpu', 'mlp', 5),
    { system: 'ort-web-webgpu', model: 'mlp', environment: 'node', ok: false, error: 'session failed\nstack line' },
  ],
};

describe('report', () => {
  it('formats ratios as regc over peer, and a dash where one side is missing', () => {
    expect(formatRatio(50, 200)).toBe('0.25×');
    expect(formatRatio(50, 5)).toBe('10×');
    expect(formatRatio(3, 2)).toBe('1.5×');
    expect(formatRatio(null, 2)).toBe('—');
    expect(formatRatio(2, undefined)).toBe('—');
    expect(formatRatio(2, 0)).toBe('—');
    expect(formatError(Infinity)).toBe('wrong shape or NaN');
    expect(formatError(0)).toBe('0');
  });

  it('renders a row per model with each system and regc\'s ratio to each peer', () => {
    const section = renderSection(run, ['a note']);
    expect(section.startsWith(SECTION_HEADING)).toBe(true);
    expect(section).toContain('| model | regc | TF.js webgpu | ORT-web webgpu | ORT-node cpu | regc ÷ TF.js webgpu | regc ÷ ORT-web webgpu | regc ÷ ORT-node cpu |');
    expect(section).toContain('| mlp | 50.0 | 200 | failed | 5.00 | 0.25× | — | 10× |');
    // GPU memory: the CPU system has none.
    expect(section).toContain('| mlp | 2.00 | 2.00 | failed | n/a | 1.0× | — | — |');
    expect(section).toContain('- ORT-web webgpu on mlp (Node (Dawn)): session failed');
    expect(section).not.toContain('stack line');
    expect(section).toContain('| mlp | 40.0 | 5.00 | 3 | 3 | 3 |');
    expect(section).toContain('- a note');
    expect(section).not.toContain('headless Chromium:');
    expect(section).toContain('Adapter: test adapter.');
  });

  it("gives a cold start measured over several launches as their median, with their range", () => {
    const launched: BenchRun = {
      ...run,
      meta: { ...run.meta, coldLaunches: 3 },
      records: [ok('regc', 'mlp', 50, { coldStartMs: 1400, coldStartLaunchesMs: [1400, 900, 1000] }), ok('tfjs-webgpu', 'mlp', 200, { coldStartMs: 5000 })],
    };
    const section = renderSection(launched, []);
    expect(section).toContain('| mlp | 1000 (900-1400) | 5000 | 0.20× |');
    expect(section).toContain('Chromium cold starts from 3 launches each');
    const oneFailed: BenchRun = { ...launched, records: [ok('regc', 'mlp', 50, { coldStartLaunchesMs: [1400, 900] }), ok('tfjs-webgpu', 'mlp', 200)] };
    expect(renderSection(oneFailed, [])).toContain('(900-1400, 2 of 3 launches)');
  });

  it('gives the cold starts of pages opened right after launch as a Chromium-only figure beside the settled one', () => {
    const chromium = (system: RunRecord['system'], extra: Partial<Extract<RunRecord, { ok: true }>>): RunRecord => ({ ...ok(system, 'cnn', 50, extra), environment: 'chromium' });
    const both: BenchRun = {
      ...run,
      meta: { ...run.meta, coldLaunches: 3, atLaunchLaunches: 2 },
      records: [
        ok('regc', 'mlp', 50),
        chromium('regc', { coldStartLaunchesMs: [700, 600, 650], coldStartAtLaunchMs: [1100, 1300], browserSettleMs: 1620 }),
        chromium('tfjs-webgpu', { coldStartLaunchesMs: [3000, 3200, 3100], coldStartAtLaunchMs: [6000], browserSettleMs: 1870 }),
      ],
    };
    const section = renderSection(both, []);
    const atLaunch = section.slice(section.indexOf('### Cold start right after launch'), section.indexOf('### Full speed'));
    expect(atLaunch).not.toContain('Node (Dawn):');
    // One launch of two left: its value alone, no range.
    expect(atLaunch).toContain('| cnn | 1200 (1100-1300) | 6000 | 0.20× |');
    const settled = section.slice(section.indexOf('### Cold start\n'), section.indexOf('### Cold start right after launch'));
    expect(settled).toContain('| cnn | 650 (600-700) | 3100 (3000-3200) | 0.21× |');
    expect(section).toContain('and 2 more opening the page right after launch');
    expect(section).toContain('; the browsers settled 1.6-1.9 s after launch;');
    // A run with no Chromium has no such figure at all.
    expect(renderSection(run, [])).not.toContain('right after launch');
  });

  it('replaces its own section and leaves the others as they were', () => {
    const before = '# Benchmark results\n\nIntro.\n\n## Parse and check\n\nParse table.\n';
    const first = replaceSection(before, `${SECTION_HEADING}\n\nold numbers\n`);
    expect(first).toBe(`${before}\n${SECTION_HEADING}\n\nold numbers\n`);
    const withLater = `${first}\n## Later section\n\nKept.\n`;
    const second = replaceSection(withLater, `${SECTION_HEADING}\n\nnew numbers\n`);
    expect(second).toContain('## Parse and check\n\nParse table.\n');
    expect(second).toContain('new numbers');
    expect(second).not.toContain('old numbers');
    expect(second).toContain('\n## Later section\n\nKept.\n');
    expect(replaceSection(second, `${SECTION_HEADING}\n\nnew numbers\n`)).toBe(second);
  });
});
