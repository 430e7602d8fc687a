// `regc run DIR`: load a bundle on the local WebGPU device and run it once.
import { folderSource } from '../../runtime/bundle/bundle-source-node.ts';
import { loadBundleFrom, type LoadedBundle, type PipelineChoice } from '../../runtime/bundle/load-bundle.ts';
import { RunTimeoutError } from '../../runtime/bundle/run-stop.ts';
import { BundleError } from '../../runtime/bundle/validate-manifest.ts';
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import { readNpyFile, writeNpyFile } from '../../runtime/io/tensor-files-node.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, UsageError } from '../command.ts';
import { describeFsError } from '../read-source.ts';
import { renderError } from '../report.ts';
import { randomInputs } from '../random-input.ts';
import { checkInputDtype, checkInputShapes, type RunInput } from '../../runtime/bundle/input-shapes.ts';

export const runCommand = defineCommand({
  name: 'run',
  usage: '[options] DIR',
  description: `
Loads the bundle in DIR (made by \`regc compile\`) on this machine's WebGPU
device (Dawn; SwiftShader when there is no GPU) and runs it on the given
input. Inputs and outputs are .npy files; --random makes a standard-normal
input of the batch size given with --batch. --timeout bounds how long the
run may take; a bundle that would launch more work than the work cap (2^34
invocations) or allocate more than the memory cap (8 GiB) is refused before
it runs, unless --max-invocations or --max-memory raise them.`,
  options: {
    input: { type: 'string', short: 'i', valueName: 'file', description: '.npy input; NAME=FILE when the model has several inputs (comma-separated)' },
    output: { type: 'string', short: 'o', valueName: 'file', description: '.npy file for the output (NAME=FILE,... for several)' },
    random: { type: 'boolean', description: 'run on a random standard-normal input instead of --input' },
    batch: { type: 'string', valueName: 'n', default: '1', description: 'batch size for --random' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed for --random' },
    pipelines: {
      type: 'string',
      valueName: 'choice',
      choices: ['tiered', 'fast', 'quick'],
      default: 'tiered',
      description: 'tiered: start on the quick-compiling kernels; fast: compile the fast ones first; quick: only the quick ones',
    },
    'allow-non-finite': { type: 'boolean', description: 'run even when weights hold NaN or Inf (refused by default)' },
    timeout: { type: 'string', valueName: 'seconds', description: 'stop the run with an error if it takes longer (default: no limit)' },
    'max-invocations': { type: 'string', valueName: 'n', description: 'the work cap: invocations one run may launch (default 2^34)' },
    'max-memory': { type: 'string', valueName: 'gib', description: 'the memory cap: GiB of GPU buffers the bundle may hold (default 8)' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'DIR', min: 1, max: 1 },
  examples: [
    { command: 'regc run out/fashion --random --batch 4', meaning: 'a quick look at the outputs' },
    { command: 'regc run out/fashion -i x.npy -o logits.npy', meaning: 'run on real data' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    if (!options.random && !options.input) throw new UsageError('give an input with --input FILE.npy, or use --random', undefined, 'run');
    const batch = Number(options.batch);
    if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`--batch must be a positive integer, got \`${options.batch}\``, undefined, 'run');
    const timeout = positiveNumber(options.timeout, '--timeout', 'a positive number of seconds');
    const maxInvocations = positiveNumber(options['max-invocations'], '--max-invocations', 'a positive whole number');
    if (maxInvocations !== undefined && !Number.isInteger(maxInvocations)) throw new UsageError(`--max-invocations must be a positive whole number, got \`${options['max-invocations']}\``, undefined, 'run');
    const maxMemoryGib = positiveNumber(options['max-memory'], '--max-memory', 'a positive number of GiB');
    let bundle: LoadedBundle | undefined;
    try {
      const { device, adapterInfo, backend } = await requestNodeDevice();
      const t0 = performance.now();
      bundle = await loadBundleFrom(folderSource(positionals[0]!), device, {
        pipelines: options.pipelines as PipelineChoice,
        allowNonFinite: options['allow-non-finite'],
        ...(timeout === undefined ? {} : { timeout }),
        ...(maxInvocations === undefined ? {} : { maxInvocations }),
        ...(maxMemoryGib === undefined ? {} : { maxMemoryBytes: Math.floor(maxMemoryGib * 2 ** 30) }),
      });
      const loadMs = performance.now() - t0;
      const manifest = bundle.manifest;
      // Null-prototype records: a port may be named `__proto__`.
      const inputs: Record<string, RunInput> = Object.create(null) as Record<string, RunInput>;
      if (options.random) {
        for (const [name, t] of Object.entries(randomInputs(manifest, batch, Number(options.seed)))) inputs[name] = t.data;
      } else {
        const files = namedFiles(options.input!, manifest.inputs.map((p) => p.name));
        // Every input's dtype and shape is checked against the manifest, all problems at once.
        const problems: string[] = [];
        const shapes = new Map<string, readonly number[]>();
        for (const [name, path] of files) {
          let tensor: Awaited<ReturnType<typeof readNpyFile>>;
          try {
            tensor = await readNpyFile(path);
          } catch (e) {
            if (e instanceof TensorFileError) throw e;
            io.stderr.write(renderError(`cannot read input file \`${path}\`: ${describeFsError(e)}`, {}, color));
            bundle.destroy();
            return EXIT_PROBLEMS;
          }
          shapes.set(name, tensor.shape);
          const dtypeProblem = checkInputDtype(name, tensor.dtype);
          if (dtypeProblem || !(tensor.data instanceof Float32Array)) {
            problems.push(`${path}: ${dtypeProblem ?? `input \`${name}\` holds ${tensor.dtype}; the model takes float32`}`);
            continue;
          }
          inputs[name] = { data: tensor.data, shape: tensor.shape };
        }
        const checked = checkInputShapes(manifest.inputs, shapes);
        problems.push(...checked.problems);
        if (problems.length > 0) {
          const declared = manifest.inputs.map((p) => `${p.name}: f32[${p.shape.join(', ')}]`).join(', ');
          io.stderr.write(
            renderError(`the input${files.size === 1 ? ' does' : 's do'} not fit ${manifest.model}`, { notes: problems, help: `the model takes ${declared}; N is the batch size, the same for every input` }, color),
          );
          bundle.destroy();
          return EXIT_PROBLEMS;
        }
      }
      const t1 = performance.now();
      const outputs = await bundle.run(inputs);
      const runMs = performance.now() - t1;
      io.stderr.write(`${manifest.model} on ${backend} (${adapterInfo.description || adapterInfo.device || 'WebGPU'}): load ${loadMs.toFixed(0)} ms, first run ${runMs.toFixed(1)} ms (with the pipeline compiles it waited for)\n`);
      const outFiles = options.output ? namedFiles(options.output, manifest.outputs.map((p) => p.name)) : new Map<string, string>();
      for (const [name, out] of Object.entries(outputs)) {
        const path = outFiles.get(name);
        if (path) {
          await writeNpyFile(path, { dtype: 'F32', shape: out.shape, data: out.data });
          io.stderr.write(`wrote ${name} [${out.shape.join(', ')}] to ${path}\n`);
        } else io.stdout.write(describeOutput(name, out.shape, out.data));
      }
      bundle.destroy();
      return EXIT_OK;
    } catch (e) {
      // A stopped run's work may still be on the device; nothing here waits for it.
      bundle?.destroy();
      if (e instanceof RunTimeoutError) {
        // One line, without the runtime's note about later runs: this command makes none.
        io.stderr.write(renderError(`run stopped after ${e.seconds} s (--timeout ${options.timeout}): ${e.model}: ${e.detail}; raise --timeout, or run a smaller --batch`, {}, color));
        return EXIT_PROBLEMS;
      }
      if (e instanceof BundleError || e instanceof TensorFileError) {
        io.stderr.write(renderError(e.message, {}, color));
        return EXIT_PROBLEMS;
      }
      throw e;
    }
  },
});

/** An option's value as a positive number, or undefined when it was not given. */
function positiveNumber(value: string | undefined, option: string, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${option} must be ${what}, got \`${value}\``, undefined, 'run');
  return n;
}

/** `x.npy` for a single port, or `a=x.npy,b=y.npy`. */
function namedFiles(spec: string, ports: readonly string[]): Map<string, string> {
  const parts = spec.split(',').filter(Boolean);
  if (parts.length === 1 && !parts[0]!.includes('=')) {
    if (ports.length !== 1) throw new UsageError(`the model has ${ports.length} ports (${ports.join(', ')}); name them: NAME=FILE,...`, undefined, 'run');
    return new Map([[ports[0]!, parts[0]!]]);
  }
  const map = new Map<string, string>();
  for (const part of parts) {
    const [name, path] = part.split('=', 2) as [string, string | undefined];
    if (!path || !ports.includes(name)) throw new UsageError(`\`${part}\` does not name a port; ports: ${ports.join(', ')}`, undefined, 'run');
    map.set(name, path);
  }
  return map;
}

function describeOutput(name: string, shape: readonly number[], data: Float32Array): string {
  const lines = [`${name}: f32[${shape.join(', ')}]`];
  const rows = shape.length >= 2 ? shape[0]! : 1;
  const perRow = data.length / rows;
  for (let r = 0; r < Math.min(rows, 8); r++) {
    const row = Array.from(data.subarray(r * perRow, (r + 1) * perRow));
    const shown = row.slice(0, 10).map((v) => v.toFixed(4)).join(' ');
    // Math.max is NaN when any value is: say so rather than print `argmax -1`.
    const nan = row.some((v) => Number.isNaN(v));
    const argmax = nan ? 'n/a (NaN in output)' : String(row.indexOf(Math.max(...row)));
    lines.push(`  [${r}] ${shown}${row.length > 10 ? ' ...' : ''}${shape.length === 2 ? `  argmax ${argmax}` : ''}`);
  }
  if (rows > 8) lines.push(`  ... ${rows - 8} more`);
  return lines.join('\n') + '\n';
}
