// `regc grad SPEC --weights W --input x.npy (--labels y.npy | --grad-output g.npy) -o DIR`:
// one forward and backward pass on the local device, no update, written as
// torch would give them, for checking a port from PyTorch.
import { inputGradOutput, paramGradOutput } from '../../compiler/autodiff/differentiate.ts';
import { LOSS_OUTPUT, stateOutput } from '../../compiler/train/step-graph.ts';
import { RNG_INPUT, rngWords } from '../../runtime/train/rng-state.ts';
import { useColor } from '../color.ts';
import { defineCommand, EXIT_OK, EXIT_PROBLEMS, UsageError } from '../command.ts';
import { prepareTrainJob, reportTrainJobError, TRAIN_JOB_INPUT_OPTIONS, TRAIN_JOB_OUTPUT_OPTIONS, wholeNumberOption } from '../train-job.ts';
import { npyFile, ResultsFolder, stateDictFile, type F32 } from '../train-results.ts';

export const gradCommand = defineCommand({
  name: 'grad',
  usage: '[options] SPEC',
  description: `
Runs one forward and one backward pass of SPEC's model on this machine's
WebGPU device, with the weights of --weights (a torch state_dict as
safetensors; the spec's initialisation when omitted), and writes to the
--output folder:

  output.npy          the model's output
  loss.npy            with --labels: the train section's loss, penalties
                      included
  grads.safetensors   the gradient of every trainable tensor, by state_dict
                      name
  grad_input.npy      the gradient with respect to the input
                      (grad_input.NAME.npy for each input of a model with
                      several)
  state.safetensors   every persistent tensor after the pass: running
                      statistics, num_batches_tracked, spectral norm's u, v

--labels gives the spec's loss its targets (class indices for cross_entropy
and nll, targets of the output's shape for bce_with_logits and mse);
--grad-output seeds the backward pass with that cotangent of the output
instead, as torch.autograd.backward(output, g) does. Nothing is updated.
--mode train (the default) runs the forward pass as model.train() does:
batch statistics, running statistics updated, dropout drawn from --seed;
--mode eval as model.eval() does.

The output folder is created, or replaced when it holds the results of an
earlier regc grad or regc step; anything else there is refused.`,
  options: {
    ...TRAIN_JOB_INPUT_OPTIONS,
    'grad-output': { type: 'string', valueName: 'file', description: '.npy cotangent of the output, instead of a loss' },
    mode: { type: 'string', valueName: 'mode', choices: ['train', 'eval'], default: 'train', description: 'the forward pass\'s semantics' },
    seed: { type: 'string', valueName: 'n', default: '0', description: 'seed of the initialisation and of the pass\'s random draws' },
    ...TRAIN_JOB_OUTPUT_OPTIONS,
  },
  positionals: { name: 'SPEC', min: 1, max: 1 },
  examples: [
    { command: 'regc grad specs/mlp.reg -w mlp.safetensors -i x.npy --labels y.npy -o grads', meaning: 'the loss and gradients of one batch' },
    { command: 'regc grad n.reg -w w.safetensors -i x.npy --grad-output g.npy --mode eval -o g', meaning: 'as torch.autograd.backward(model.eval()(x), g)' },
  ],

  async run({ options, positionals }, io) {
    const color = useColor(options.color, io.stderr, io.env);
    if (options.output === undefined) throw new UsageError('give the folder for the results with -o DIR', undefined, 'grad');
    const seed = wholeNumberOption(options.seed, '--seed', 0, Number.MAX_SAFE_INTEGER, 'grad');
    let job;
    try {
      const folder = await ResultsFolder.plan(options.output, options.force);
      job = await prepareTrainJob(
        {
          command: 'grad',
          spec: positionals[0]!,
          ...(options.weights !== undefined ? { weights: options.weights } : {}),
          inputs: options.input,
          ...(options.labels !== undefined ? { labels: options.labels } : {}),
          ...(options['grad-output'] !== undefined ? { gradOutput: options['grad-output'] } : {}),
          mode: options.mode as 'train' | 'eval',
          seed,
          ...(options.model !== undefined ? { model: options.model } : {}),
        },
        io,
        color,
      );
      if (!job) return EXIT_PROBLEMS;
      // Train mode's random draws (dropout and the like) are those of step 1 of `regc step` with this seed.
      const usesRng = job.bundle.manifest.inputs.some((p) => p.name === RNG_INPUT);
      const out = await job.bundle.run(usesRng ? { ...job.feed, [RNG_INPUT]: rngWords(seed, 0) } : job.feed);
      const { graph } = job;
      folder.add('output.npy', npyFile(out[graph.output]!));
      if (options.labels !== undefined) folder.add('loss.npy', npyFile({ shape: [], data: out[LOSS_OUTPUT]!.data }));
      const grads = new Map<string, F32>(graph.params.map((p) => [p, out[paramGradOutput(p)]!]));
      folder.add('grads.safetensors', stateDictFile(grads));
      for (const name of graph.inputs) folder.add(graph.inputs.length === 1 ? 'grad_input.npy' : `grad_input.${name}.npy`, npyFile(out[inputGradOutput(name)]!));
      const state = new Map<string, F32>();
      for (const [name, t] of job.initial) {
        if (graph.params.includes(name)) continue;
        state.set(name, out[stateOutput(name)] ?? t);
      }
      folder.add('state.safetensors', stateDictFile(state));
      await folder.write({ command: 'grad', mode: options.mode });
      io.stderr.write(`wrote ${graph.output}, ${grads.size} gradients${options.labels !== undefined ? ` and the loss ${out[LOSS_OUTPUT]!.data[0]!.toPrecision(6)}` : ''} to ${options.output}\n`);
      return EXIT_OK;
    } catch (e) {
      if (reportTrainJobError(e, io, color)) return EXIT_PROBLEMS;
      throw e;
    } finally {
      job?.bundle.destroy();
    }
  },
});
