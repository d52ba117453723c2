/**
 * CPU time of local processes (user + system, from /proc/<pid>/stat), so a benchmark can
 * say how much CPU each process spent per operation. Linux only; elsewhere every reading
 * is empty. Servers such as Redis and MariaDB are shared: their CPU includes whatever else
 * used them meanwhile.
 */
import { readdirSync, readFileSync } from "node:fs";

/** clock ticks per second of /proc's utime/stime (USER_HZ; 100 on Linux) */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process spent so far, or null when it is gone or there is no /proc. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The first process whose command name (`/proc/<pid>/comm`) is one of `names`, or null. */
export function findProcess(...names: string[]): number | null {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (names.includes(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) return Number(entry);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return null;
}

/** Accumulates, per label, the CPU seconds each named process spends inside `measure`. */
export class ProcessCpu {
  readonly seconds = new Map<string, Record<string, number>>();

  constructor(private readonly processes: Record<string, number | null>) {}

  private read(): Record<string, number> {
    const now: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.processes)) {
      const s = pid === null ? null : cpuSeconds(pid);
      if (s !== null) now[name] = s;
    }
    return now;
  }

  async measure<T>(label: string, run: () => Promise<T>): Promise<T> {
    const before = this.read();
    const result = await run();
    const after = this.read();
    const total = this.seconds.get(label) ?? {};
    for (const [name, s] of Object.entries(after)) if (before[name] !== undefined) total[name] = (total[name] ?? 0) + (s - before[name]!);
    this.seconds.set(label, total);
    return result;
  }

  /** microseconds of CPU per operation, per process, for `label` */
  perOperation(label: string, operations: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of Object.entries(this.seconds.get(label) ?? {})) out[name] = operations > 0 ? Math.round((s * 1e6) / operations) : 0;
    return out;
  }
}
