import { describe, expect, it } from 'vitest';
import { cpuTicks, descendants, parentPid, peakRssBytes } from '../../bench/peers/browser/process-tree.ts';

describe('process tree', () => {
  it('reads the parent pid past a command name with spaces and parentheses', () => {
    expect(parentPid('1234 (chrome) S 77 1234 1234 0 -1')).toBe(77);
    expect(parentPid('99 (Web Content (x)) R 12 99 99 0 -1')).toBe(12);
  });

  it('reads the user and system processor time in ticks past a command name with spaces', () => {
    expect(cpuTicks('42 (Chrome (GPU) x) S 1 42 42 0 -1 4194560 100 0 3 0 250 70 0 0 20 0 12 0 5')).toBe(320);
  });

  it('reads VmHWM in bytes, 0 when the process has none', () => {
    expect(peakRssBytes('Name:\tchrome\nVmPeak:\t  900 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n')).toBe(2048 * 1024);
    expect(peakRssBytes('Name:\tkthreadd\nState:\tS\n')).toBe(0);
  });

  it('finds the root and everything below it, nothing beside it', () => {
    const processes = [
      { pid: 10, ppid: 1, cmdline: 'browser' },
      { pid: 11, ppid: 10, cmdline: 'zygote' },
      { pid: 12, ppid: 11, cmdline: 'renderer' },
      { pid: 13, ppid: 10, cmdline: 'gpu' },
      { pid: 20, ppid: 1, cmdline: 'other' },
      { pid: 21, ppid: 20, cmdline: 'other child' },
    ];
    expect(descendants(processes, 10).sort()).toEqual([10, 11, 12, 13]);
    expect(descendants(processes, 13)).toEqual([13]);
  });
});
