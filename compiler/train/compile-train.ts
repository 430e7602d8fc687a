// The train bundle of a compiled spec: one training step of its train
// section (forward in train mode, loss and penalties, backward, clipping,
// the optimizer's update) as WGSL, with the optimizer and schedule as
// manifest data, so the runtime's TrainSession runs it with no compiler
// code. It reads back the loss and the model's output.
import { generateBundle, type GeneratedBundle } from '../codegen/generate.ts';
import type { CompileResult } from '../compile.ts';
import { OPTIMIZER_FORMAT_VERSION } from '../../runtime/train/optimizer-format.ts';
import { pickTrainSection } from './bound-values.ts';
import { trainSchedule } from './schedule-data.ts';
import { stepGraph } from './step-graph.ts';
import { trainSectionData } from './train-section.ts';

export interface TrainBundleOptions {
  readonly model?: string;
  readonly generator: string;
  readonly maxBatch?: number;
}

/** Throws TrainSectionChoiceError when the model has no train section, StepGraphError and kin when it cannot train yet. */
export function trainBundle(compiled: CompileResult, options: TrainBundleOptions): GeneratedBundle {
  const { program, trainGraph } = compiled;
  if (!program || !trainGraph) throw new Error('trainBundle needs a compile result without errors');
  const decl = pickTrainSection(program, options.model);
  const trainable = [...trainGraph.tensors.values()].filter((t) => t.role === 'trainable').map((t) => t.name);
  const section = trainSectionData(decl, trainable);
  const { graph } = stepGraph(trainGraph, {
    mode: 'train',
    loss: section.loss,
    penalties: section.penalties,
    noise: section.noise,
    ...(section.clip ? { clip: section.clip } : {}),
    optimizer: section.optimizer,
    outputs: 'training',
  });
  return generateBundle(graph, {
    model: decl.model.name,
    generator: options.generator,
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    training: { optimizer: { version: OPTIMIZER_FORMAT_VERSION, ...section.optimizer }, schedule: trainSchedule(program, options.model).data },
  });
}
