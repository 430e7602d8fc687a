// `regc golden record|check`: golden-output tests for a compiled bundle.
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom } from '../../runtime/bundle/load-bundle.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import { checkGolden, GoldenError, recordGolden } from '../../runtime/golden/golden-node.ts';
import { readNpyFile } from '../../runtime/io/tensor-files-node.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, UsageError } from '../command.ts';
import { renderError } from '../report.ts';
import { randomInputs } from '../random-input.ts';

export const goldenCommand = defineCommand({
  name: 'golden',
  usage: 'record|check [options] BUNDLE GOLDEN_DIR',
  description: `
record: runs BUNDLE on the inputs given with --input (or a seeded random
input with --random) and writes the inputs and outputs as .npy files plus
golden.json to GOLDEN_DIR.

check: runs BUNDLE on the recorded inputs and compares every output with the
recorded one: |actual - expected| <= atol + rtol * |expected|. Exit status 1
when an output differs. Use it in CI after recompiling a spec.`,
  options: {
    input: { type: 'string', short: 'i', valueName: 'NAME=FILE,...', description: 'record: .npy inputs (a plain FILE when the model has one input)' },
    random: { type: 'boolean', description: 'record: a seeded standard-normal input' },
    batch: { type: 'string', valueName: 'n', default: '2', description: 'record: batch size for --random' },
    atol: { type: 'string', valueName: 'x', description: 'absolute tolerance (default 1e-4, or the recorded one)' },
    rtol: { type: 'string', valueName: 'x', description: 'relative tolerance (default 1e-4, or the recorded one)' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'ARG', min: 3, max: 3 },
  examples: [
    { command: 'regc golden record out/fashion tests/golden/fashion --random --batch 4', meaning: 'record outputs once' },
    { command: 'regc golden check out/fashion tests/golden/fashion', meaning: 'fail if a rebuilt bundle drifts' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    const [action, bundleDir, goldenDir] = positionals as [string, string, string];
    if (action !== 'record' && action !== 'check') throw new UsageError(`unknown action \`${action}\`; use \`record\` or \`check\``, undefined, 'golden');
    const number = (name: 'atol' | 'rtol') => {
      const v = options[name];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!(n >= 0)) throw new UsageError(`--${name} must be a non-negative number, got \`${v}\``, undefined, 'golden');
      return n;
    };
    try {
      const { device } = await requestNodeDevice();
      const bundle = await loadBundleFrom(folderSource(bundleDir), device);
      if (action === 'check') {
        const atol = number('atol');
        const rtol = number('rtol');
        const result = await checkGolden(bundle, goldenDir, { ...(atol !== undefined ? { atol } : {}), ...(rtol !== undefined ? { rtol } : {}) });
        (result.ok ? io.stdout : io.stderr).write(result.report + '\n');
        return result.ok ? EXIT_OK : EXIT_PROBLEMS;
      }
      const inputs: Record<string, { data: Float32Array; shape: number[] }> = {};
      if (options.random) {
        const batch = Number(options.batch);
        if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a positive integer`, undefined, 'golden');
        Object.assign(inputs, randomInputs(bundle.manifest, batch, 12345));
      } else {
        if (!options.input) throw new UsageError('record needs --input or --random', undefined, 'golden');
        const ports = bundle.manifest.inputs.map((p) => p.name);
        const pairs = options.input.includes('=') ? options.input.split(',').map((s) => s.split('=', 2) as [string, string]) : [[ports[0]!, options.input] as [string, string]];
        for (const [name, file] of pairs) {
          if (!ports.includes(name)) throw new UsageError(`\`${name}\` is not an input of the model; inputs: ${ports.join(', ')}`, undefined, 'golden');
          const t = await readNpyFile(file);
          if (!(t.data instanceof Float32Array)) throw new TensorFileError('npy', `${file} holds ${t.dtype}; the model takes float32`);
          inputs[name] = { data: t.data, shape: [...t.shape] };
        }
      }
      const atol = number('atol') ?? 1e-4;
      const rtol = number('rtol') ?? 1e-4;
      const index = await recordGolden(bundle, inputs, goldenDir, { atol, rtol });
      io.stderr.write(`recorded ${Object.keys(index.outputs).length} output(s) of ${index.model} in ${goldenDir}\n`);
      return EXIT_OK;
    } catch (e) {
      if (e instanceof BundleError || e instanceof TensorFileError || e instanceof GoldenError) {
        io.stderr.write(renderError(e.message, {}, color));
        return EXIT_PROBLEMS;
      }
      throw e;
    }
  },
});
