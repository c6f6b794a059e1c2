/** Reading another process's CPU time and memory from /proc (Linux only), as PERFORMANCE.md prescribes. */
import { readFileSync } from "node:fs";
import type postgres from "postgres";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on every Linux build in use). */
export const CLOCK_TICKS_PER_S = 100;

/** utime + stime of `pid`, in clock ticks. */
export function cpuTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // comm (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** The children of `pid` (Linux 3.5+: /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
}

/** CPU ticks of the Postgres backends connected to `database` (listed through `admin`; local servers only). */
export async function postgresBackendTicks(admin: postgres.Sql, database: string): Promise<number> {
  const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`;
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      ticks += cpuTicks(pid);
    } catch {
      // A backend that ended meanwhile; Postgres on another host cannot be read at all.
    }
  }
  return ticks;
}

/** Resident set size of `pid`, in KiB (VmRSS of /proc/<pid>/status). */
export function rssKib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(match[1]);
}

/** Open file descriptors of `pid`. */
export function openFds(pid: number): number {
  const result = Bun.spawnSync(["ls", `/proc/${pid}/fd`], { stderr: "ignore" });
  return result.stdout.toString().split("\n").filter(Boolean).length;
}

/** What the machine is: for the report header. */
export function machineInfo(): { nproc: number; cpu: string; memoryGiB: number } {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpu = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const mem = /MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"));
  const nproc = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  return { nproc, cpu, memoryGiB: mem ? Number(mem[1]) / 1024 / 1024 : 0 };
}
