// `regc step SPEC --weights W --input x.npy --labels y.npy --steps K -o DIR`:
// K optimizer steps on one batch on the local device, with the spec's loss,
// penalties, clipping, optimizer and schedule, and everything torch would
// show after each, for checking a port from PyTorch.
import { paramGradOutput } from '../../compiler/autodiff/differentiate.ts';
import { optimizerStateTensor } from '../../compiler/train/optimizer-graph.ts';
import { LOSS_OUTPUT, stateOutput } from '../../compiler/train/step-graph.ts';
import { optimizerStates } from '../../runtime/train/optimizer-format.ts';
import { TrainSession } from '../../runtime/train/train-session.ts';
import { useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, UsageError } from '../command.ts';
import { prepareTrainJob, reportTrainJobError, TRAIN_JOB_INPUT_OPTIONS, TRAIN_JOB_OUTPUT_OPTIONS, wholeNumberOption } from '../train-job.ts';
import { npyFile, npyFloat64File, ResultsFolder, stateDictFile, type F32 } from '../train-results.ts';

/** More steps than a port is checked with, and few enough that the results stay small. */
export const MAX_STEPS = 10_000;

export const stepCommand = defineCommand({
  name: 'step',
  usage: '[options] SPEC',
  description: `
Runs --steps K optimizer steps of SPEC's train section on one batch, on this
machine's WebGPU device: each step a forward pass in train mode, the loss
with its penalties, the backward pass, the clipping, and the optimizer's
update at the schedule's lr, as a torch training loop does with
optimizer.step() and scheduler.step() once per step. Writes to the --output
folder:

  loss.npy                     the loss of each step, penalties included
                               (float32 [K])
  lr.npy                       the lr each step used (float64 [K])
  state_step{k}.safetensors    every weight and persistent tensor after
                               step k
  grads_step{k}.safetensors    every trainable tensor's gradient in step k
                               (after clipping)
  optimizer_state.safetensors  the optimizer's state after the last step,
                               under torch's names (<param>.momentum_buffer,
                               .exp_avg, .exp_avg_sq, .max_exp_avg_sq,
                               .square_avg, .grad_avg) and \`step\`

--grad-output g.npy in place of --labels steps on the loss sum(output * g).
The schedule's epochs are --steps-per-epoch steps long (default 1: an
epoch-based schedule then advances every step, as a scheduler stepped after
every optimizer step does); reduce_on_plateau watches the loss of the last
step of each epoch. Two runs with the same --seed write identical files.`,
  options: {
    ...TRAIN_JOB_INPUT_OPTIONS,
    'grad-output': { type: 'string', valueName: 'file', description: '.npy g: step on the loss sum(output * g) instead' },
    steps: { type: 'string', short: 'k', valueName: 'K', default: '1', description: `optimizer steps (at most ${MAX_STEPS})` },
    'steps-per-epoch': { type: 'string', valueName: 'M', default: '1', description: 'steps per epoch, for the schedule' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed of the initialisation and of every step\'s random draws' },
    ...TRAIN_JOB_OUTPUT_OPTIONS,
  },
  positionals: { name: 'SPEC', min: 1, max: 1 },
  examples: [
    { command: 'regc step specs/mlp.reg -w mlp.safetensors -i x.npy --labels y.npy -k 3 -o out', meaning: 'three steps of the spec\'s optimizer, to compare with torch' },
    { command: 'regc step two.reg -w w.safetensors -i a=a.npy -i b=b.npy --labels y.npy -o out', meaning: 'one step of a model with inputs a and b' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    if (options.output === undefined) throw new UsageError('give the folder for the results with -o DIR', undefined, 'step');
    const steps = wholeNumberOption(options.steps, '--steps', 1, MAX_STEPS, 'step');
    const stepsPerEpoch = wholeNumberOption(options['steps-per-epoch'], '--steps-per-epoch', 1, 2 ** 31 - 1, 'step');
    const seed = wholeNumberOption(options.seed, '--seed', 0, Number.MAX_SAFE_INTEGER, 'step');
    let job;
    try {
      const folder = await ResultsFolder.plan(options.output, options.force);
      job = await prepareTrainJob(
        {
          command: 'step',
          spec: positionals[0]!,
          ...(options.weights !== undefined ? { weights: options.weights } : {}),
          inputs: options.input,
          ...(options.labels !== undefined ? { labels: options.labels } : {}),
          ...(options['grad-output'] !== undefined ? { gradOutput: options['grad-output'] } : {}),
          mode: 'train',
          seed,
          ...(options.model !== undefined ? { model: options.model } : {}),
        },
        io,
        color,
      );
      if (!job) return EXIT_PROBLEMS;
      const optimizer = job.section!.optimizer;
      const session = new TrainSession(job.bundle, { seed, stepsPerEpoch });
      const losses: number[] = [];
      const lrs: number[] = [];
      const { graph } = job;
      let last: Record<string, F32> = {};
      for (let k = 1; k <= steps; k++) {
        // reduce_on_plateau watches the loss of each epoch's last step.
        if (k > 1 && (k - 1) % stepsPerEpoch === 0) session.epochEnd(session.needsMetric ? losses[losses.length - 1] : undefined);
        const { lr, outputs: out } = await session.step(job.feed);
        losses.push(out[LOSS_OUTPUT]!.data[0]!);
        lrs.push(lr);
        folder.add(`grads_step${k}.safetensors`, stateDictFile(new Map(graph.params.map((p) => [p, out[paramGradOutput(p)]!]))));
        const state = new Map<string, F32>();
        for (const [name, t] of job.initial) state.set(name, out[stateOutput(name)] ?? t);
        folder.add(`state_step${k}.safetensors`, stateDictFile(state));
        last = out;
      }
      folder.add('loss.npy', npyFile({ shape: [steps], data: Float32Array.from(losses) }));
      folder.add('lr.npy', npyFloat64File(lrs));
      const optimizerState = new Map<string, F32>();
      for (const p of graph.params) {
        for (const s of optimizerStates(optimizer)) {
          const t = last[stateOutput(optimizerStateTensor(p, s))];
          if (t) optimizerState.set(optimizerStateTensor(p, s), t);
        }
      }
      optimizerState.set('step', { shape: [], data: Float32Array.of(steps) });
      folder.add('optimizer_state.safetensors', stateDictFile(optimizerState));
      await folder.write({ command: 'step', steps });
      io.stderr.write(`ran ${steps} step${steps === 1 ? '' : 's'}: loss ${losses[0]!.toPrecision(6)} -> ${losses[losses.length - 1]!.toPrecision(6)}; wrote ${options.output}\n`);
      return EXIT_OK;
    } catch (e) {
      if (reportTrainJobError(e, io, color)) return EXIT_PROBLEMS;
      throw e;
    } finally {
      job?.bundle.destroy();
    }
  },
});
