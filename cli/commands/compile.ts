// `regc compile SPEC -o DIR`: spec -> bundle (manifest, WGSL, weights).
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostics, renderSummary } from '../../diagnostics/render.ts';
import { bundleFiles } from '../../compiler/bundle/bundle-files.ts';
import { OutputPathError, TRAIN_BUNDLE_FOLDER, planFolderOutput, planModuleOutput, writeFolderOutput, writeModuleOutput, type FolderPlan, type ModulePlan } from '../../compiler/bundle/output-path.ts';
import { COMPILER_NAME, compileSource, ModelChoiceError } from '../../compiler/compile.ts';
import { NoGradientRuleError } from '../../compiler/autodiff/vjp.ts';
import { TrainSectionChoiceError } from '../../compiler/train/bound-values.ts';
import { ClipGraphError } from '../../compiler/train/clip-graph.ts';
import { trainBundle } from '../../compiler/train/compile-train.ts';
import { LossShapeError } from '../../compiler/train/loss-graph.ts';
import { StepGraphError } from '../../compiler/train/step-graph.ts';
import { WeightFileError } from '../../compiler/lower/weight-source.ts';
import { printGraph } from '../../compiler/ir/print.ts';
import type { GivenTensor } from '../../compiler/lower/weight-source.ts';
import { EVAL_PIPELINE } from '../../compiler/passes/index.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError } from '../command.ts';
import { readSource } from '../read-source.ts';
import { readWeightsFile } from '../weights-file.ts';
import { renderError } from '../report.ts';
import { suggest } from '../../compiler/registry/suggest.ts';

const PASS_NAMES = EVAL_PIPELINE.map((p) => p.name);

export const compileCommand = defineCommand({
  name: 'compile',
  usage: '[options] SPEC',
  description: `
Compiles SPEC to a deployable bundle: manifest.json, one WGSL file per
kernel, and weights.safetensors. Without --weights, parameters get PyTorch's
default initialisers (seeded, so the output is reproducible).

The eval pipeline removes dropout and noise, materialises weight/spectral
norm, folds BatchNorm into the preceding conv/linear and fuses activations;
--no-opt keeps only the passes eval semantics need. The passes, in order:
${PASS_NAMES.map((p) => `  ${p}`).join('\n')}`,
  options: {
    output: { type: 'string', short: 'o', valueName: 'dir', description: 'where to write the bundle (a folder, or a .js file with --format esm)' },
    weights: { type: 'string', short: 'w', valueName: 'file', description: 'safetensors file with the model\'s parameters (PyTorch state_dict names)' },
    model: { type: 'string', valueName: 'name', description: 'which model to compile when the file has several' },
    format: { type: 'string', valueName: 'format', choices: ['folder', 'esm'], default: 'folder', description: 'folder: manifest + files; esm: one importable JavaScript module' },
    force: { type: 'boolean', description: 'replace an existing regc bundle at --output even when it holds other files (never anything else)' },
    'no-opt': { type: 'boolean', description: 'skip the optimising passes (folding, fusion)' },
    'disable-pass': { type: 'string', valueName: 'names', description: 'comma-separated passes to skip' },
    'no-quick-kernels': { type: 'boolean', description: 'leave out the quick-compiling twins of matmul/conv kernels (smaller bundle, slower first run)' },
    'no-subgroup-kernels': { type: 'boolean', description: 'leave out the matmul/conv kernels that share loads through subgroup operations' },
    'dump-ir': { type: 'boolean', description: 'print the IR after lowering and after each pass to stdout' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed for initial weights when --weights is not given' },
    'max-batch': { type: 'string', valueName: 'n', default: '4096', description: 'largest batch size the bundle accepts' },
    'allow-non-finite': { type: 'boolean', description: 'accept --weights tensors that hold NaN or Inf (refused by default)' },
    train: { type: 'boolean', description: 'also write the train bundle (one step of the train section) to DIR/train' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'SPEC', min: 1, max: 1 },
  examples: [
    { command: 'regc compile specs/fashion.reg -o out/fashion', meaning: 'compile with initial weights' },
    { command: 'regc compile specs/fashion.reg -w fashion.safetensors -o out/fashion', meaning: 'compile with trained weights' },
    { command: 'regc compile specs/mlp.reg --format esm -o web/mlp.js', meaning: 'one module a web page can import' },
    { command: 'regc compile specs/resnet.reg --dump-ir --no-opt -o out/resnet', meaning: 'inspect the IR without optimisations' },
    { command: 'regc compile specs/mlp.reg --train -o out/mlp', meaning: 'the eval bundle, and the train bundle in out/mlp/train' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    const started = performance.now();
    const progress = (stage: string) => io.stderr.write(`  ${stage} (${(performance.now() - started).toFixed(0)} ms)\n`);
    if (!options.output && !options['dump-ir']) throw new UsageError('missing --output', 'give a folder with `-o DIR`', 'compile');
    const disabled = new Set((options['disable-pass'] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    for (const name of disabled) {
      if (!PASS_NAMES.includes(name)) {
        const close = suggest(name, PASS_NAMES);
        throw new UsageError(`unknown pass \`${name}\``, close.length > 0 ? `there is a pass with a similar name: \`${close[0]}\`` : `passes: ${PASS_NAMES.join(', ')}`, 'compile');
      }
    }
    const seed = Number(options.seed);
    const maxBatch = Number(options['max-batch']);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got \`${options.seed}\``, undefined, 'compile');
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new UsageError(`--max-batch must be a positive integer, got \`${options['max-batch']}\``, undefined, 'compile');

    // Check the output path before compiling: a refused path fails fast, and
    // nothing is created until the bundle is written.
    let plan: FolderPlan | ModulePlan | undefined;
    if (options.output) {
      try {
        plan = options.format === 'esm' ? await planModuleOutput(options.output) : await planFolderOutput(options.output, { force: options.force });
      } catch (e) {
        return reportOutputError(e, options.output, io, color);
      }
    }

    const read = await readSource(positionals[0]!, io);
    if (!read.ok) {
      io.stderr.write(renderError(read.message, {}, color));
      return EXIT_USAGE;
    }
    let weights: Map<string, GivenTensor> | undefined;
    if (options.weights) {
      const read = await readWeightsFile(options.weights);
      if (!(read instanceof Map)) {
        io.stderr.write(renderError(read.problem, {}, color));
        return EXIT_PROBLEMS;
      }
      weights = read;
    }
    let result: ReturnType<typeof compileSource>;
    try {
      result = compileSource(read.source.text, read.source.path, {
      ...(options.model ? { model: options.model } : {}),
      ...(weights ? { weights, weightsPath: options.weights, allowNonFinite: options['allow-non-finite'] } : {}),
      seed,
      maxBatch,
      noOpt: options['no-opt'],
      disabledPasses: disabled,
      quickKernels: !options['no-quick-kernels'],
      subgroupKernels: !options['no-subgroup-kernels'],
      ...(options['dump-ir'] ? { onGraph: (stage: string, graph: Parameters<typeof printGraph>[0]) => io.stdout.write(`;; after ${stage}\n${printGraph(graph)}\n`) } : {}),
      });
    } catch (e) {
      if (e instanceof WeightFileError) {
        io.stderr.write(renderError(`weights in ${e.path} do not match the spec`, { notes: e.problems, help: 'tensor names follow the spec\'s layer names, as PyTorch state_dict names do' }, color));
        return EXIT_PROBLEMS;
      }
      if (e instanceof ModelChoiceError) {
        io.stderr.write(renderError(e.message, {}, color));
        return EXIT_PROBLEMS;
      }
      throw e;
    }
    if (result.diagnostics.length > 0) {
      io.stderr.write(renderDiagnostics(result.diagnostics, new Map([[read.source.path, read.source]]), { color }));
      const summary = renderSummary(result.diagnostics, { color });
      if (summary !== undefined) io.stderr.write(`\n${summary}\n`);
    }
    if (hasErrors(result.diagnostics) || !result.bundle) return EXIT_PROBLEMS;
    progress(`compiled ${result.bundle.manifest.model}: ${result.bundle.manifest.dispatches.length} dispatches, ${result.bundle.shaders.size} shaders, ${result.bundle.weights.size} weight tensors`);
    if (!plan || !options.output) return EXIT_OK;
    const files = new Map(bundleFiles(result.bundle));
    if (options.train) {
      if (plan.kind === 'module') throw new UsageError('--train writes a folder beside the bundle; it does not go with --format esm', undefined, 'compile');
      let train;
      try {
        train = trainBundle(result, { ...(options.model ? { model: options.model } : {}), generator: COMPILER_NAME, maxBatch });
      } catch (e) {
        if (e instanceof TrainSectionChoiceError || e instanceof NoGradientRuleError || e instanceof StepGraphError || e instanceof LossShapeError || e instanceof ClipGraphError) {
          io.stderr.write(renderError(`cannot make the train bundle: ${e.message}`, {}, color));
          return EXIT_PROBLEMS;
        }
        throw e;
      }
      for (const [path, contents] of bundleFiles(train)) files.set(`${TRAIN_BUNDLE_FOLDER}/${path}`, contents);
      progress(`made the train bundle: ${train.manifest.dispatches.length} dispatches, ${train.manifest.train!.assigns.length} tensors updated per step`);
    }
    try {
      if (plan.kind === 'module') {
        const { esmModule } = await import('../../compiler/bundle/esm-module.ts');
        await writeModuleOutput(plan, await esmModule(files));
      } else {
        await writeFolderOutput(plan, files);
      }
    } catch (e) {
      return reportOutputError(e, options.output, io, color);
    }
    progress(`wrote ${options.output}`);
    return EXIT_OK;
  },
});

/** Renders a refused or failed write of the output path; exit status 1. */
function reportOutputError(e: unknown, path: string, io: { stderr: { write(text: string): void } }, color: boolean): number {
  if (e instanceof OutputPathError) {
    io.stderr.write(renderError(e.message, { help: e.help }, color));
    return EXIT_PROBLEMS;
  }
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') {
    io.stderr.write(renderError(`cannot write \`${path}\`: ${(e as Error).message}`, {}, color));
    return EXIT_PROBLEMS;
  }
  throw e;
}
