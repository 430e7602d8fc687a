// A fuzz worker process (started by pool.ts): told its kind of case once,
// it makes and runs the cases it is sent, one at a time, and answers each
// with its CaseResult. Spec workers need nothing else; bundle workers take a
// GPU device, compile the base bundles, lay out the canaries and check that
// every base bundle loads and runs cleanly before the first case.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requestNodeDevice } from '../../runtime/device/webgpu-node.ts';
import { baseBundles } from './bundle-bases.ts';
import { bundleCase } from './bundle-mutator.ts';
import { runBundleCase, type BundleContext } from './bundle-oracle.ts';
import type { BundlePlan } from './bundle-plan.ts';
import { makeCanaries, type Canaries } from './canaries.ts';
import { watchDevice } from './gpu-watch.ts';
import { describeError, type CaseResult } from './outcomes.ts';
import type { Job } from './pool.ts';
import { specCase } from './spec-cases.ts';
import { runSpecCase, specInputFromRepro } from './spec-oracle.ts';

export interface WorkerInit {
  /** 'probe' runs no real case: it does what the job says (tests of the pool's hang, crash and memory handling). */
  readonly kind: 'spec' | 'bundle' | 'probe';
  readonly seed: number;
  /** A scratch folder of this campaign (bundle workers make their cases and canaries in it). */
  readonly scratch: string;
}

type Runner = (job: Job) => Promise<CaseResult> | CaseResult;

function specRunner(init: WorkerInit): Runner {
  return (job) => runSpecCase(job.repro ? specInputFromRepro(job.repro as Parameters<typeof specInputFromRepro>[0], job.index) : specCase(init.seed, job.index));
}

async function bundleRunner(init: WorkerInit): Promise<Runner> {
  const { device } = await requestNodeDevice({ label: 'regc-fuzz' });
  const watch = watchDevice(device);
  const own = join(init.scratch, `worker-${process.pid}`);
  const token = `CANARY${process.pid.toString(36)}${Date.now().toString(36)}`;
  const canaries = new Map<string, Canaries>();
  for (const base of baseBundles()) canaries.set(base.name, makeCanaries(join(own, 'outside', base.name), base, token));
  const context: BundleContext = {
    device,
    watch,
    casesFolder: join(own, 'cases'),
    canariesFor: (base) => canaries.get(base)!,
  };
  mkdirSync(context.casesFolder, { recursive: true });
  // The unmutated bases must load, run and pass every check: otherwise the
  // campaign's oracle, not the runtime, is what is wrong.
  for (const base of baseBundles()) {
    for (const source of ['folder', 'memory'] as const) {
      const plan: BundlePlan = { base: base.name, family: 'none', mutations: [], entries: [], source, pipelines: 'tiered', batch: 2, secrets: [], shaderTextChanged: false };
      const result = await runBundleCase(-1, plan, context);
      if (result.outcome !== 'accepted' || result.failures.length > 0) {
        throw new Error(`the unmutated ${base.name} bundle (${source}) does not pass: ${result.outcome} ${result.codes.join()} ${result.failures.map((f) => f.detail).join('; ')}`);
      }
    }
  }
  return async (job) => {
    const plan = job.repro ? (job.repro as { plan: BundlePlan }).plan : bundleCase(init.seed, job.index);
    const result = await runBundleCase(job.index, plan, context);
    const tampered = [...canaries.values()].flatMap((c) => c.tampering());
    if (tampered.length > 0) throw new Error(`the canaries were changed: ${tampered.join(', ')}`);
    if (watch.lost) setTimeout(() => process.exit(3), 10); // a fresh worker gets a fresh device
    return result;
  };
}

/** What a probe job does: answer, loop for ever, exit, or hold memory and then loop. */
export type ProbeJob = { readonly answer: true } | { readonly loop: true } | { readonly exit: number } | { readonly holdMb: number };

function probeRunner(): Runner {
  const held: Uint8Array[] = [];
  return (job) => {
    const probe = job.repro as ProbeJob;
    if ('loop' in probe) for (;;);
    if ('exit' in probe) process.exit(probe.exit);
    if ('holdMb' in probe) {
      for (let i = 0; i < probe.holdMb; i++) held.push(new Uint8Array(2 ** 20).fill(1));
      for (;;);
    }
    return { index: job.index, outcome: 'answered', codes: [], ms: 0, origin: 'probe', failures: [] };
  };
}

let runner: Runner | undefined;

// Deep enough to reach our own frame below a dependency's recursion (a stack overflow in chevrotain).
Error.stackTraceLimit = 200;

process.on('message', async (message: { type: string; init?: WorkerInit; job?: Job }) => {
  if (message.type === 'init') {
    try {
      const init = message.init!;
      runner = init.kind === 'spec' ? specRunner(init) : init.kind === 'probe' ? probeRunner() : await bundleRunner(init);
      process.send!({ type: 'ready' });
    } catch (error) {
      process.send!({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    return;
  }
  if (message.type === 'case') {
    const job = message.job!;
    let result: CaseResult;
    try {
      result = await runner!(job);
    } catch (error) {
      // A bug of the campaign itself: reported as a failure so it cannot pass unseen.
      result = { index: job.index, outcome: 'harness-error', codes: [], ms: 0, origin: 'harness', failures: [{ type: 'escaped-exception', detail: describeError('harness', error) }] };
    }
    process.send!({ type: 'result', result });
  }
});

// Nothing may end this process but the pool.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in a fuzz worker: ${String(reason)}\n`);
});
process.on('disconnect', () => process.exit(0));
