// The GPU byte counter on stand-in prototypes: it sees every buffer made
// through createBuffer and forgets it once, on its first destroy().
import { describe, expect, it } from 'vitest';
import { countGpuBuffers } from '../../bench/peers/gpu-accounting.ts';

class FakeBuffer {
  destroyed = 0;
  constructor(readonly size: number) {}
  destroy(): undefined {
    this.destroyed++;
    return undefined;
  }
}

class FakeDevice {
  createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    return new FakeBuffer(descriptor.size) as unknown as GPUBuffer;
  }
}

describe('countGpuBuffers', () => {
  it('tracks live bytes, the peak and the number of buffers', () => {
    const counter = countGpuBuffers({ device: FakeDevice.prototype as never, buffer: FakeBuffer.prototype as never });
    const device = new FakeDevice();
    const a = device.createBuffer({ size: 100, usage: 0 });
    const b = device.createBuffer({ size: 50, usage: 0 });
    expect(counter.liveBytes).toBe(150);
    a.destroy();
    a.destroy(); // twice: counted once
    expect((a as unknown as FakeBuffer).destroyed).toBe(2);
    expect(counter.liveBytes).toBe(50);
    device.createBuffer({ size: 20, usage: 0 });
    b.destroy();
    expect(counter).toMatchObject({ liveBytes: 20, peakBytes: 150, buffersCreated: 3 });
  });

  it('ignores buffers made before counting began', () => {
    class OtherBuffer extends FakeBuffer {}
    class OtherDevice {
      createBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
        return new OtherBuffer(descriptor.size) as unknown as GPUBuffer;
      }
    }
    const early = new OtherDevice().createBuffer({ size: 64, usage: 0 });
    const counter = countGpuBuffers({ device: OtherDevice.prototype as never, buffer: OtherBuffer.prototype as never });
    early.destroy();
    expect(counter).toMatchObject({ liveBytes: 0, peakBytes: 0, buffersCreated: 0 });
  });
});
