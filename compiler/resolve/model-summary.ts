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

/** Expands block applications into parameter lists, one check per distinct instance. */
export class InstanceExpander {
  private readonly memo = new Map<string, readonly ParameterSummary[]>();
  private readonly active = new Set<string>();
  private readonly reported = new Set<string>();
  private reportedUpTo = 0;

  constructor(
    private readonly index: ProgramIndex,
    /** Blocks on a call cycle: never expanded. */
    private readonly cyclic: ReadonlySet<string>,
    private readonly sink: DiagnosticSink,
  ) {}

  /** The parameters of a body's applications, names prefixed with `prefix`. */
  parameters(applications: readonly Application[], prefix = ''): ParameterSummary[] {
    const out: ParameterSummary[] = [];
    for (const app of applications) {
      const layer = prefix + app.name;
      for (const tensor of app.tensors) out.push({ name: `${layer}.${tensor.suffix}`, role: tensor.role, layer, op: app.op });
      if (app.block === undefined) continue;
      const inner = this.instance(app.block, app.args, app.span);
      const copies = app.repeat === undefined ? [`${layer}.`] : Array.from({ length: app.repeat }, (_, i) => `${layer}.${i}.`);
      for (const copy of copies) {
        for (const p of inner) out.push({ name: copy + p.name, role: p.role, layer: copy + p.layer, op: p.op });
      }
    }
    return out;
  }

  /** One block instance's parameters, names relative to the instance. */
  private instance(block: BlockSignature, args: ReadonlyMap<string, Value | null> | undefined, use: Span): readonly ParameterSummary[] {
    if (this.cyclic.has(block.name)) return [];
    const known = [...(args ?? [])].filter(([name, value]) => value !== null && block.paramTypes.has(name));
    const key = `${block.name}(${JSON.stringify(known)})`;
    const memo = this.memo.get(key);
    if (memo !== undefined) return memo;
    const constants = new Map(known as [string, Value][]);
    const symbols = new Map([...block.paramTypes].filter(([name]) => !constants.has(name)));
    // Only reachable through a cycle, which is reported and excluded above.
    if (this.active.has(key)) return [];
    this.active.add(key);

    const local = new DiagnosticSink(this.sink.file);
    const result = checkBody(
      { kind: 'block', name: block.decl.name, body: block.decl.body, constants, symbols },
      this.index,
      local,
    );
    const parameters = this.parameters(result.applications);
    this.merge(local.diagnostics, use);
    this.active.delete(key);
    this.memo.set(key, parameters);
    return parameters;
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

function diagnosticKey(d: Diagnostic): string {
  return `${d.code}@${d.span.start.offset}:${d.span.end.offset}`;
}
