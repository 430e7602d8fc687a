// Peak resident memory of a Chromium instance: the sum of VmHWM (each
// process's own peak RSS) over the browser process and all its descendants
// (GPU process, renderers, utilities), read from /proc on Linux. A sum of
// per-process peaks bounds the peak of the sum from above; for a page doing
// one job the two are close.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly cmdline: string;
}

/** The parent pid from the text of /proc/<pid>/stat ("pid (comm) state ppid ..."; comm may hold spaces and parentheses). */
export function parentPid(statText: string): number {
  const afterComm = statText.slice(statText.lastIndexOf(')') + 2);
  return Number(afterComm.split(' ')[1]);
}

/**
 * The processor time a process has used, user and system, in clock ticks,
 * from the text of /proc/<pid>/stat (fields 14 and 15).
 */
export function cpuTicks(statText: string): number {
  const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** VmHWM in bytes from the text of /proc/<pid>/status, or 0 when absent (kernel threads, zombies). */
export function peakRssBytes(statusText: string): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : 0;
}

/** root and every process below it. */
export function descendants(processes: readonly ProcessEntry[], root: number): number[] {
  const children = new Map<number, number[]>();
  for (const p of processes) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    found.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return found;
}

function readProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = parentPid(readFileSync(`/proc/${name}/stat`, 'utf8'));
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      entries.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // The process ended while we were looking.
    }
  }
  return entries;
}

/** The pids of the Chromium started with this (unique) user data folder, or null where /proc is not there to read. */
function chromiumPids(userDataDir: string): number[] | null {
  let processes: ProcessEntry[];
  try {
    processes = readProcesses();
  } catch {
    return null;
  }
  const flag = `--user-data-dir=${userDataDir}`;
  // The browser process is the one with the flag whose parent lacks it.
  const withFlag = new Set(processes.filter((p) => p.cmdline.includes(flag)).map((p) => p.pid));
  const browser = processes.find((p) => withFlag.has(p.pid) && !withFlag.has(p.ppid));
  return browser ? descendants(processes, browser.pid) : null;
}

/** Sums a reading of /proc/<pid>/<file> over the processes; ones that ended meanwhile count 0. */
function sumOver(pids: readonly number[], file: string, read: (text: string) => number): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += read(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    } catch {
      // Ended meanwhile.
    }
  }
  return total;
}

/** The summed peak RSS of the Chromium started with this user data folder, or null where it cannot be read. */
export function chromiumPeakRss(userDataDir: string): number | null {
  const pids = chromiumPids(userDataDir);
  return pids ? sumOver(pids, 'status', peakRssBytes) : null;
}

// USER_HZ: the unit of /proc's processor times, 100 on every Linux build
// that matters here (sysconf(_SC_CLK_TCK), which Node does not expose).
const MS_PER_TICK = 10;

/**
 * Processor time, in ms, that the live processes of the Chromium started
 * with this user data folder have used so far, or null where it cannot be read.
 */
export function chromiumCpuMs(userDataDir: string): number | null {
  const pids = chromiumPids(userDataDir);
  return pids ? sumOver(pids, 'stat', cpuTicks) * MS_PER_TICK : null;
}
