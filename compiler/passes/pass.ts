// A pass is a named IR -> IR function; a pipeline is an ordered list of
// them. Most passes are a rule list run by the rewrite driver.
import { rewrite, type Rule } from '../ir/rewrite.ts';
import type { Graph } from '../ir/types.ts';

export interface Pass {
  readonly name: string;
  /** One line for `regc compile --help` and docs/passes.md. */
  readonly description: string;
  run(graph: Graph): Graph;
}

export function rulePass(name: string, description: string, rules: readonly Rule[]): Pass {
  return { name, description, run: (graph) => rewrite(graph, rules, name).graph };
}

export interface PipelineOptions {
  /** Pass names to skip. */
  readonly disabled?: ReadonlySet<string>;
  /** Called with the graph after each pass that ran (for --dump-ir and the verifier in tests). */
  readonly after?: (pass: Pass, graph: Graph) => void;
}

export function runPipeline(graph: Graph, passes: readonly Pass[], options: PipelineOptions = {}): Graph {
  let current = graph;
  for (const pass of passes) {
    if (options.disabled?.has(pass.name)) continue;
    current = pass.run(current);
    options.after?.(pass, current);
  }
  return current;
}
