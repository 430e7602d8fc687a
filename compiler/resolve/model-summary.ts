// The stored tensors of a model, named as lowering names them and as torch's
// state_dict would: a layer's name, then its tensor's suffix; a block
// instance prefixes its layers with its own name (`b.c1.weight`), and
// `repeat` with the instance number (`layer1.0.c1.weight`).
//
// A block body is checked once on its own with symbolic parameters; each
// distinct set of argument values it is used with is checked again with real
// values, since ranges and owned tensors (`bias=false`) depend on them. The
// second check's diagnostics are kept where no diagnostic of the same code
// already points at the same place, with a label at the use that supplied
// the values; so one mistake inside a block is reported once, not once per
// instance.
//
// Expansion multiplies: `repeat 100 B` of a B that repeats 100 C is 10,000
// instances, and a few such levels would take the checker hours and all
// memory, or past 2^32 instances a RangeError. So a body expands to at most
// MAX_LAYER_INSTANCES layers, counted before anything is built (E0217).
import { describeCount } from '../../diagnostics/describe-count.ts';
import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { Span } from '../../grammar/source.ts';
import type { OwnedRole } from '../registry/owned-tensors.ts';
import type { Value } from '../registry/types.ts';
import type { BlockSignature } from './block-signature.ts';
import type { Application } from './application-names.ts';
import { checkBody } from './body-checker.ts';
import { DiagnosticSink } from './diagnostic-sink.ts';
import type { ProgramIndex } from './program-index.ts';

export interface ParameterSummary {
  /** Full name, e.g. `layer1.0.c1.weight`. */
  readonly name: string;
  readonly role: OwnedRole;
  /** The layer that owns it, e.g. `layer1.0.c1`. */
  readonly layer: string;
  /** The registry op of that layer, e.g. `conv2d`. */
  readonly op: string;
}

export interface ModelSummary {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Every stored tensor, in source order of the layers that own them. */
  readonly parameters: readonly ParameterSummary[];
}

/**
 * Layer and block applications one model may have once blocks and repeats
 * are expanded: twice those of a ResNet-152 or a 48-layer transformer, and
 * as many as a model within the stored-tensor cap (2^24 values,
 * compiler/lower/size-limits.ts) has any use for. Every application becomes
 * kernels, weights and dispatches, so the cap keeps `regc check` and `regc
 * compile` of any spec under a second (the fuzz campaign's budget, on 2
 * cores: 1024 convolutions with spectral norm, 2^24 weights in all, take
 * about 0.6 s of processor time). Without it, `repeat 100000` took 28 s, and
 * a few nested repeats hours and all memory.
 */
export const MAX_LAYER_INSTANCES = 2 ** 12;

/** A body's parameters, and how many applications it expands to (capped; see MAX_LAYER_INSTANCES). */
interface Expansion {
  readonly parameters: readonly ParameterSummary[];
  readonly instances: number;
  /** Stopped at the cap, which has been reported. */
  readonly truncated: boolean;
}

/** Expands block applications into parameter lists, one check per distinct instance. */
export class InstanceExpander {
  private readonly memo = new Map<string, Expansion>();
  private readonly active = new Set<string>();
  private readonly reported = new Set<string>();
  private reportedUpTo = 0;
  /** Where E0217 was reported. */
  private readonly cappedAt = new Set<number>();

  constructor(
    private readonly index: ProgramIndex,
    /** Blocks on a call cycle: never expanded. */
    private readonly cyclic: ReadonlySet<string>,
    private readonly sink: DiagnosticSink,
  ) {}

  /** The parameters of a body's applications; stops, reported, at MAX_LAYER_INSTANCES. */
  parameters(applications: readonly Application[]): readonly ParameterSummary[] {
    return this.expand(applications).parameters;
  }

  private expand(applications: readonly Application[]): Expansion {
    const out: ParameterSummary[] = [];
    let instances = 0;
    for (const app of applications) {
      const layer = app.name;
      for (const tensor of app.tensors) out.push({ name: `${layer}.${tensor.suffix}`, role: tensor.role, layer, op: app.op });
      const inner = app.block === undefined ? undefined : this.instance(app.block, app.args, app.span);
      if (inner?.truncated) return { parameters: out, instances, truncated: true };
      // A block's copies are each its own application plus what it expands to.
      const added = inner === undefined ? 1 : (app.repeat ?? 1) * (1 + inner.instances);
      if (instances + added > MAX_LAYER_INSTANCES) {
        this.reportTooMany(app, added);
        return { parameters: out, instances, truncated: true };
      }
      instances += added;
      if (inner === undefined) continue;
      const copies = app.repeat === undefined ? [`${layer}.`] : Array.from({ length: app.repeat }, (_, i) => `${layer}.${i}.`);
      for (const copy of copies) {
        for (const p of inner.parameters) out.push({ name: copy + p.name, role: p.role, layer: copy + p.layer, op: p.op });
      }
    }
    return { parameters: out, instances, truncated: false };
  }

  private reportTooMany(app: Application, added: number): void {
    // Two instances of one block with different arguments may both pass the cap at the same place.
    if (this.cappedAt.has(app.span.start.offset)) return;
    this.cappedAt.add(app.span.start.offset);
    this.sink.report({
      code: 'E0217',
      message: `more than ${describeCount(MAX_LAYER_INSTANCES)} layers once blocks and repeats are expanded`,
      span: app.span,
      label: added === 1 ? 'this layer is one too many' : `\`${app.name}\` expands to ${describeCount(added)} layers`,
      help: 'a `repeat` count, or repeats nested in blocks, may be larger than meant',
    });
  }

  /** One block instance's parameters, names relative to the instance. */
  private instance(block: BlockSignature, args: ReadonlyMap<string, Value | null> | undefined, use: Span): Expansion {
    if (this.cyclic.has(block.name)) return NOTHING;
    const known = [...(args ?? [])].filter(([name, value]) => value !== null && block.paramTypes.has(name));
    const key = `${block.name}(${JSON.stringify(known)})`;
    const memo = this.memo.get(key);
    if (memo !== undefined) return memo;
    const constants = new Map(known as [string, Value][]);
    const symbols = new Map([...block.paramTypes].filter(([name]) => !constants.has(name)));
    // Only reachable through a cycle, which is reported and excluded above.
    if (this.active.has(key)) return NOTHING;
    this.active.add(key);

    const local = new DiagnosticSink(this.sink.file);
    const result = checkBody(
      { kind: 'block', name: block.decl.name, body: block.decl.body, constants, symbols },
      this.index,
      local,
    );
    const expansion = this.expand(result.applications);
    this.merge(local.diagnostics, use);
    this.active.delete(key);
    this.memo.set(key, expansion);
    return expansion;
  }

  /** Keeps what the instance check found beyond what is already reported, pointing at the use. */
  private merge(found: readonly Diagnostic[], use: Span): void {
    for (; this.reportedUpTo < this.sink.diagnostics.length; this.reportedUpTo++) {
      this.reported.add(diagnosticKey(this.sink.diagnostics[this.reportedUpTo]!));
    }
    for (const d of found) {
      const key = diagnosticKey(d);
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.sink.diagnostics.push({ ...d, secondary: [...d.secondary, { span: use, message: 'in the instance made here' }] });
    }
  }
}

const NOTHING: Expansion = { parameters: [], instances: 0, truncated: false };

function diagnosticKey(d: Diagnostic): string {
  return `${d.code}@${d.span.start.offset}:${d.span.end.offset}`;
}
