// Counts the bytes of GPU buffers a system keeps alive, by wrapping
// GPUDevice.createBuffer and GPUBuffer.destroy on their prototypes before the
// system makes its device: every library allocates through these, whatever
// pooling it does on top. A buffer dropped without destroy() stays counted
// (the GPU memory is only freed when the garbage collector gets to it).
export interface GpuAccounting {
  readonly liveBytes: number;
  readonly peakBytes: number;
  readonly buffersCreated: number;
}

interface Prototypes {
  readonly device: { createBuffer(this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer };
  readonly buffer: { destroy(this: GPUBuffer): undefined };
}

class Counter implements GpuAccounting {
  liveBytes = 0;
  peakBytes = 0;
  buffersCreated = 0;
  private readonly sizes = new WeakMap<GPUBuffer, number>();

  created(buffer: GPUBuffer, size: number): void {
    this.sizes.set(buffer, size);
    this.buffersCreated++;
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  destroyed(buffer: GPUBuffer): void {
    const size = this.sizes.get(buffer);
    if (size === undefined) return; // made before counting began, or destroyed twice
    this.sizes.delete(buffer);
    this.liveBytes -= size;
  }
}

/** Starts counting on the given prototypes (globalThis's GPUDevice and GPUBuffer by default). */
export function countGpuBuffers(prototypes: Prototypes = globalPrototypes()): GpuAccounting {
  const counter = new Counter();
  const createBuffer = prototypes.device.createBuffer;
  const destroy = prototypes.buffer.destroy;
  prototypes.device.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = createBuffer.call(this, descriptor);
    counter.created(buffer, Number(descriptor.size));
    return buffer;
  };
  prototypes.buffer.destroy = function (this: GPUBuffer): undefined {
    counter.destroyed(this);
    return destroy.call(this);
  };
  return counter;
}

function globalPrototypes(): Prototypes {
  const g = globalThis as { GPUDevice?: { prototype: Prototypes['device'] }; GPUBuffer?: { prototype: Prototypes['buffer'] } };
  if (!g.GPUDevice || !g.GPUBuffer) throw new Error('WebGPU classes are not installed on globalThis');
  return { device: g.GPUDevice.prototype, buffer: g.GPUBuffer.prototype };
}
