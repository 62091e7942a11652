import * as fs from 'node:fs';

/** Resident memory now and its high-water mark since the process started, in bytes (/proc/<pid>/status). */
export function residentMemory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Samples a process' resident memory every `everyMs` until stop(), which returns the
 * highest VmRSS seen and the kernel's VmHWM at that moment (VmHWM also catches peaks
 * between samples, but counts from the process' start).
 */
export function sampleResidentMemory(pid: number, everyMs = 5): { stop(): { peakRss: number; hwm: number } } {
  let peakRss = residentMemory(pid).rss;
  const timer = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, residentMemory(pid).rss);
    } catch {
      // the process is gone: stop() reports what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        const now = residentMemory(pid);
        return { peakRss: Math.max(peakRss, now.rss), hwm: now.hwm };
      } catch {
        return { peakRss, hwm: NaN };
      }
    },
  };
}
