// `regc schedule SPEC --steps-per-epoch M [--epochs E | --steps K] -o lr.npy`:
// the lr of every optimizer step of a whole run, as the runtime's training
// loop would use them (runtime/train/schedule.ts), written as a float64 .npy
// and drawn in the terminal.
import { hasErrors } from '../../diagnostics/diagnostic.ts';
import { renderDiagnostics, renderSummary } from '../../diagnostics/render.ts';
import { parse } from '../../grammar/parse.ts';
import { TrainSectionChoiceError, trainSchedule, type TrainSchedule } from '../../compiler/train/schedule-data.ts';
import { writeNpyFloat64File } from '../../runtime/io/tensor-files-node.ts';
import { TensorFileError } from '../../runtime/io/tensor-file-error.ts';
import { validateScheduleData } from '../../runtime/train/schedule-format.ts';
import { lrCurve, MetricNeededError } from '../../runtime/train/schedule.ts';
import { analyse } from '../analyse.ts';
import { COLOR_OPTION, useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, UsageError } from '../command.ts';
import { lrChart } from '../lr-chart.ts';
import { MetricFileError, readMetricValues } from '../metric-values.ts';
import { readSource } from '../read-source.ts';
import { renderError } from '../report.ts';

/** The longest run computed: far beyond real runs (90 epochs of ImageNet are 450k steps); 80 MB of lr. */
export const MAX_SCHEDULE_STEPS = 10_000_000;

export const scheduleCommand = defineCommand({
  name: 'schedule',
  usage: '[options] SPEC',
  description: `
Computes the learning rate of every optimizer step of a whole run of SPEC's
train section (its optimizer's lr, scaled by its \`schedule\`), as PyTorch's
lr_scheduler computes it, writes them to the --output file as a float64 .npy
of shape [steps], and draws the curve on standard output. Only the schedule is
computed: no training step runs.

The run has --steps-per-epoch M steps per epoch and lasts --epochs E (E * M
steps) or --steps K (the last epoch may then be partial); without either, the
train section's \`steps\` or \`epochs\` setting. A spec without a \`schedule\` keeps
the optimizer's lr throughout.

reduce_on_plateau needs the value of its monitor at the end of every epoch
that another epoch follows: give them with --metric FILE, epoch 1's value
first, as a 1-d float64 or float32 .npy, a JSON array (\`[0.9, 0.7, "nan"]\`),
or numbers separated by whitespace or commas (as np.savetxt writes them).

Exit status: 0 when the lr file is written, 1 when the spec has errors or the
run cannot be computed (no train section, too few metric values), 2 on a
usage error or an unreadable spec.`,
  options: {
    'steps-per-epoch': { type: 'string', valueName: 'M', description: 'optimizer steps per epoch (required)' },
    epochs: { type: 'string', valueName: 'E', description: 'the run lasts E epochs (default: the train section\'s `epochs`)' },
    steps: { type: 'string', valueName: 'K', description: 'the run lasts K optimizer steps (default: the train section\'s `steps`)' },
    metric: { type: 'string', valueName: 'file', description: 'the monitored value at the end of each epoch, for reduce_on_plateau' },
    model: { type: 'string', valueName: 'name', description: 'the model whose train section to use, when the file trains several' },
    output: { type: 'string', short: 'o', valueName: 'file', description: 'the .npy file for the lr of every step (float64, shape [steps])' },
    color: COLOR_OPTION,
  },
  positionals: { name: 'SPEC', min: 1, max: 1 },
  examples: [
    { command: 'regc schedule specs/fashion.reg --steps-per-epoch 844 -o lr.npy', meaning: 'the whole run, for the section\'s `epochs 20`' },
    { command: 'regc schedule specs/mlp.reg --steps-per-epoch 469 --steps 2000 -o lr.npy', meaning: 'the first 2000 steps' },
    { command: 'regc schedule run.reg --steps-per-epoch 50 --metric loss.npy -o lr.npy', meaning: 'reduce_on_plateau fed with the recorded losses of each epoch' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    const m = wholeNumber(options['steps-per-epoch'], '--steps-per-epoch');
    if (m === undefined) throw new UsageError('give the steps per epoch with --steps-per-epoch M', 'M is the number of optimizer steps in one epoch (batches per pass over the data)', 'schedule');
    if (options.epochs !== undefined && options.steps !== undefined) {
      throw new UsageError('give either --epochs or --steps, not both', 'a run is E epochs of M steps, or K steps', 'schedule');
    }
    const cliEpochs = wholeNumber(options.epochs, '--epochs');
    const cliSteps = wholeNumber(options.steps, '--steps');
    if (options.output === undefined) throw new UsageError('give the file for the lr with -o FILE.npy', undefined, 'schedule');

    const path = positionals[0]!;
    const read = await readSource(path, io);
    if (!read.ok) {
      io.stderr.write(renderError(read.message, {}, color));
      return EXIT_USAGE;
    }
    const diagnostics = analyse(read.source);
    if (diagnostics.length > 0) {
      io.stderr.write(renderDiagnostics(diagnostics, new Map([[read.source.path, read.source]]), { color }));
      const summary = renderSummary(diagnostics, { color });
      if (summary !== undefined) io.stderr.write(`\n${summary}\n`);
    }
    if (hasErrors(diagnostics)) return EXIT_PROBLEMS;

    let train: TrainSchedule;
    try {
      train = trainSchedule(parse(read.source).program, options.model);
    } catch (e) {
      if (!(e instanceof TrainSectionChoiceError)) throw e;
      io.stderr.write(renderError(`${path}: ${e.message}`, {}, color));
      return EXIT_PROBLEMS;
    }
    const steps = runSteps(m, cliEpochs, cliSteps, train);
    // The compiler's data goes through the runtime's validator, as a bundle's would.
    const data = validateScheduleData(JSON.parse(JSON.stringify(train.data)) as unknown);
    const plateau = data.phases.find((p) => p.kind === 'reduce_on_plateau');

    let metrics: number[] | undefined;
    if (options.metric !== undefined) {
      try {
        metrics = await readMetricValues(options.metric);
      } catch (e) {
        if (!(e instanceof MetricFileError)) throw e;
        io.stderr.write(renderError(e.message, {}, color));
        return EXIT_PROBLEMS;
      }
    }

    let lrs: Float64Array;
    try {
      lrs = lrCurve(data, { stepsPerEpoch: m, steps, ...(metrics === undefined ? {} : { metrics }) });
    } catch (e) {
      if (!(e instanceof MetricNeededError)) throw e;
      const needed = Math.floor((steps - 1) / m);
      const help = `the run has ${Math.ceil(steps / m)} epochs; reduce_on_plateau reads the value of each epoch that another follows, ${needed} values, epoch 1's first`;
      const message =
        metrics === undefined
          ? `the schedule's reduce_on_plateau watches ${e.monitor}: give its value at the end of each epoch with --metric FILE`
          : `${options.metric} holds ${metrics.length} value${metrics.length === 1 ? '' : 's'}, but reduce_on_plateau needs the value of ${e.monitor} at the end of epoch ${e.epoch + 1}`;
      io.stderr.write(renderError(message, { help }, color));
      return EXIT_PROBLEMS;
    }

    try {
      await writeNpyFloat64File(options.output, { shape: [steps], data: lrs });
    } catch (e) {
      if (!(e instanceof TensorFileError)) throw e;
      io.stderr.write(renderError(e.message, {}, color));
      return EXIT_PROBLEMS;
    }

    const epochs = Math.ceil(steps / m);
    const [low, high] = lrs.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
    io.stdout.write(
      `lr of ${train.model}: ${steps} steps, ${epochs} epoch${epochs === 1 ? '' : 's'} of ${m}${steps % m === 0 ? '' : ' (the last partial)'}; ` +
        `min ${formatLr(low)}, max ${formatLr(high)}\n`,
    );
    io.stdout.write(lrChart(lrs));
    if (metrics !== undefined && plateau === undefined) io.stderr.write('note: --metric is not used: the schedule has no reduce_on_plateau\n');
    else if (metrics !== undefined && metrics.length > epochs) io.stderr.write(`note: ${options.metric} holds ${metrics.length} values; the run has ${epochs} epochs, so the last ${metrics.length - epochs} are not used\n`);
    if (!train.written) io.stderr.write('note: the train section has no `schedule`, so the lr is the optimizer\'s throughout\n');
    io.stderr.write(`wrote the lr of ${steps} steps to ${options.output}\n`);
    return EXIT_OK;
  },
});

function formatLr(lr: number): string {
  return Number(lr.toPrecision(6)).toString();
}

/** An option's value as a whole number of at least 1, or undefined when it was not given. */
function wholeNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number of at least 1, got \`${value}\``, undefined, 'schedule');
  return n;
}

/** The run's length in steps: from the command line, else from the train section. */
function runSteps(m: number, epochs: number | undefined, steps: number | undefined, train: TrainSchedule): number {
  let total: number;
  let source: string;
  if (epochs !== undefined) [total, source] = [epochs * m, `--epochs ${epochs} of ${m} steps`];
  else if (steps !== undefined) [total, source] = [steps, `--steps ${steps}`];
  else if (train.steps !== undefined && train.epochs !== undefined) {
    throw new UsageError(
      `the train section for ${train.model} gives both \`epochs ${train.epochs}\` and \`steps ${train.steps}\`; choose the run's length with --epochs or --steps`,
      undefined,
      'schedule',
    );
  } else if (train.steps !== undefined) [total, source] = [train.steps, `the train section's \`steps ${train.steps}\``];
  else if (train.epochs !== undefined) [total, source] = [train.epochs * m, `the train section's \`epochs ${train.epochs}\` of ${m} steps`];
  else {
    throw new UsageError(
      `give the run's length with --epochs E or --steps K`,
      `the train section for ${train.model} has neither \`epochs\` nor \`steps\``,
      'schedule',
    );
  }
  if (total > MAX_SCHEDULE_STEPS) throw new UsageError(`${source} make ${total} steps, more than the ${MAX_SCHEDULE_STEPS} this command computes`, undefined, 'schedule');
  return total;
}
