// Sees every GPU error a bundle case causes, wherever it is caught: the
// device's error scopes are wrapped so every error a scope pops is recorded
// (the runtime turns those into BundleErrors; the campaign needs to know the
// GPU complained at all), pipeline compiles that reject are recorded, and
// so are uncaptured errors. It also notes whether the case touched the GPU.

export interface GpuWatch {
  /** The errors since the last reset, as messages. */
  readonly errors: string[];
  /** Whether anything was created on the device since the last reset. */
  touched: boolean;
  lost: boolean;
  reset(): void;
  /**
   * Waits for every pipeline compile started since the last reset, and for
   * the queue, then (with `quietMs`) until no compile has started for that
   * long: a compile a refused bundle started goes on after the refusal, and
   * its error belongs to that case, not the next.
   */
  settle(quietMs: number): Promise<void>;
}

const CREATORS = ['createBuffer', 'createShaderModule', 'createBindGroupLayout', 'createPipelineLayout', 'createBindGroup', 'createCommandEncoder', 'createComputePipeline'] as const;

/** Wraps `device` in place; call once per device. */
export function watchDevice(device: GPUDevice): GpuWatch {
  /** GPU work of the current case not finished yet: compiles and error scopes. */
  let compiles: Promise<unknown>[] = [];
  const watch: GpuWatch = {
    errors: [],
    touched: false,
    lost: false,
    reset() {
      this.errors.length = 0;
      this.touched = false;
      compiles = [];
    },
    async settle(quietMs) {
      for (;;) {
        while (compiles.length > 0) {
          const waiting = compiles;
          compiles = [];
          await Promise.allSettled(waiting);
        }
        if (!this.lost) await device.queue.onSubmittedWorkDone();
        // A chain of compiles starts each one when the one before it ends.
        if (compiles.length > 0) continue;
        if (quietMs <= 0) return;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
        if (compiles.length === 0) return;
      }
    },
  };
  const d = device as unknown as Record<string, (...args: unknown[]) => unknown>;
  const pop = device.popErrorScope.bind(device);
  d.popErrorScope = () => {
    const popped = pop();
    // Pending too: what the runtime does once a scope pops (start compiles) belongs to this case.
    compiles.push(
      popped.then(
        (error) => {
          if (error) watch.errors.push(`${error.constructor.name}: ${error.message}`);
        },
        () => undefined,
      ),
    );
    return popped;
  };
  const compileAsync = device.createComputePipelineAsync.bind(device);
  d.createComputePipelineAsync = (descriptor: unknown) => {
    watch.touched = true;
    const compiling = compileAsync(descriptor as GPUComputePipelineDescriptor);
    // The runtime's probe of subgroup support may fail on purpose on a device without them.
    const probe = (descriptor as { label?: string }).label === 'quad probe';
    compiles.push(
      compiling.catch((e: unknown) => {
        if (!probe) watch.errors.push(`pipeline: ${(e as Error).message}`);
      }),
    );
    return compiling;
  };
  for (const name of CREATORS) {
    const original = (device[name] as (...args: unknown[]) => unknown).bind(device);
    d[name] = (...args: unknown[]) => {
      watch.touched = true;
      return original(...args);
    };
  }
  device.addEventListener('uncapturederror', (event) => {
    watch.errors.push(`uncaptured: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  void device.lost.then(() => {
    watch.lost = true;
  });
  return watch;
}
