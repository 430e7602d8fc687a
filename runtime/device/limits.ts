// Which device limits we ask for, and why.
//
// WebGPU gives a device the spec's default limits unless it asks for more, and
// a kernel that relies on a raised limit fails on a device that did not ask.
// So limits are raised only on request, and every value we request is recorded
// next to the device so tests and bundles can say what they ran under.
//
// By default we raise only the buffer-size limits (to whatever the adapter
// offers): weights of real models pass the default 128 MiB binding size, and
// asking costs nothing on any adapter. maxStorageBuffersPerShaderStage stays
// at the default 8 unless a caller asks: codegen must fit 8 to run everywhere.

/** The numeric limits of GPUSupportedLimits (minus the branding field). */
export type LimitName = {
  [K in keyof GPUSupportedLimits]-?: GPUSupportedLimits[K] extends number | undefined ? K : never;
}[keyof GPUSupportedLimits];

/** A number is a hard requirement; 'adapter-best' takes whatever the adapter offers. */
export type LimitRequest = number | 'adapter-best';

export type LimitRequests = Partial<Record<LimitName, LimitRequest>>;

export const DEFAULT_LIMIT_REQUESTS: Readonly<LimitRequests> = {
  maxBufferSize: 'adapter-best',
  maxStorageBufferBindingSize: 'adapter-best',
};

/** Alignment limits are better when smaller; every other limit when larger. */
function isAlignmentLimit(name: string): boolean {
  return name.startsWith('min');
}

export type LimitProblem = { readonly limit: string; readonly requested: number; readonly offered: number | undefined };

/**
 * Resolves requests against what an adapter offers. Returns the exact values to
 * pass as `requiredLimits`, or the requests the adapter cannot meet.
 */
export function resolveLimitRequests(
  offered: GPUSupportedLimits,
  requests: LimitRequests,
): { readonly requiredLimits: Record<string, number>; readonly problems: readonly LimitProblem[] } {
  const requiredLimits: Record<string, number> = {};
  const problems: LimitProblem[] = [];
  const offeredByName = offered as unknown as Record<string, number | undefined>;
  for (const [name, request] of Object.entries(requests)) {
    if (request === undefined) continue;
    const available = offeredByName[name];
    if (typeof available !== 'number') {
      if (request !== 'adapter-best') problems.push({ limit: name, requested: request, offered: undefined });
      continue;
    }
    if (request === 'adapter-best') {
      requiredLimits[name] = available;
      continue;
    }
    const satisfiable = isAlignmentLimit(name) ? request >= available : request <= available;
    if (satisfiable) requiredLimits[name] = request;
    else problems.push({ limit: name, requested: request, offered: available });
  }
  return { requiredLimits, problems };
}

export function describeLimitProblems(problems: readonly LimitProblem[]): string {
  return problems
    .map((p) =>
      p.offered === undefined
        ? `${p.limit}: requested ${p.requested}, but this adapter does not report that limit`
        : `${p.limit}: requested ${p.requested}, this adapter offers ${p.offered}`,
    )
    .join('; ');
}
