// Cgroups hold a run to its memory, CPU quota and process count, and meter what it used.
// Both hierarchies exist in the wild: v2 (one tree, controllers enabled per subtree) on modern
// systemd hosts, v1 (one tree per controller) on older hosts and many VMs and containers.
// Per-run cgroups live under `<Agora's own cgroup or sandbox.cgroup_parent>/agora-<pid>/`, so
// two Agora processes on one host never touch each other's runs.
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';

export interface CgroupLimits {
  memory_mb: number;
  cpu_quota_cores: number;
  /** Processes plus threads, including the sandbox's own (bwrap, agora-init). */
  pids_max: number;
}

export interface CgroupUsage {
  cpu_seconds: number | null;
  memory_peak_mb: number | null;
  memory_current_mb: number | null;
  oom_kills: number;
}

/** What a driver can actually do here; a false entry is a limit the host does not enforce. */
export interface CgroupAbilities {
  memory: boolean;
  cpu_quota: boolean;
  pids: boolean;
  cpu_usage: boolean;
}

export interface RunCgroup {
  /** cgroup.procs files the launcher writes its own pid to before anything else runs. */
  readonly procs_files: string[];
  /** Sets (or changes, while processes run in it) the run's limits. */
  applyLimits(limits: CgroupLimits): void;
  usage(): CgroupUsage;
  /** SIGKILLs every process still in the cgroup and waits until it is empty. */
  killAll(): Promise<void>;
  /** Removes the cgroup (after killAll). Never throws: a leftover is logged and swept later. */
  remove(): Promise<void>;
}

export interface CgroupDriver {
  readonly version: 'v1' | 'v2';
  readonly abilities: CgroupAbilities;
  create(name: string, limits: CgroupLimits): RunCgroup;
  /** Removes this process's parent cgroup(s) once no run is left. */
  close(): Promise<void>;
}

export interface MountEntry {
  mount_point: string;
  /** Path of the mount's root inside its hierarchy ("/" unless the host is itself nested). */
  root: string;
  fs_type: string;
  super_options: string[];
}

export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const fields = left.split(' ');
    const [fs_type, , super_opts] = right.split(' ');
    if (fields[3] === undefined || fields[4] === undefined || fs_type === undefined) continue;
    entries.push({ root: unescapeMount(fields[3]), mount_point: unescapeMount(fields[4]), fs_type, super_options: (super_opts ?? '').split(',') });
  }
  return entries;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** /proc/self/cgroup: hierarchy id → (controllers, path). The v2 line has id 0 and no controllers. */
export function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const first = line.indexOf(':');
      const second = line.indexOf(':', first + 1);
      return { controllers: line.slice(first + 1, second).split(',').filter((c) => c !== ''), path: line.slice(second + 1) };
    });
}

export const MB = 1024 * 1024;

/** Reads a cgroup file, or null if this kernel or hierarchy does not have it. */
export function readCgroupFile(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

export function readCgroupNumber(path: string): number | null {
  const text = readCgroupFile(path);
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

/** `key value` lines (memory.events, cpu.stat, memory.oom_control). */
export function readCgroupKeyed(path: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (readCgroupFile(path) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && value !== undefined && Number.isFinite(Number(value))) out.set(key, Number(value));
  }
  return out;
}

export function readPids(procs_file: string): number[] {
  return (readCgroupFile(procs_file) ?? '')
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isSafeInteger(n) && n > 0);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** SIGKILLs every pid listed until the cgroup is empty (bounded: a frozen task is reported). */
export async function killUntilEmpty(procs_files: string[], rounds_max: number): Promise<boolean> {
  for (let round = 0; round < rounds_max; round++) {
    const pids = new Set(procs_files.flatMap(readPids));
    if (pids.size === 0) return true;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await sleep(round < 10 ? 1 : 10);
  }
  return false;
}

/**
 * Removes `agora-<pid>` cgroups left by Agora processes that died without cleaning up (their
 * runs died with them: every launcher is killed with its parent). Live owners are left alone.
 */
export function sweepStaleParents(parent_dir: string, log: Logger): void {
  let names: string[];
  try {
    names = readdirSync(parent_dir);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = /^agora-(\d+)$/.exec(name)?.[1];
    if (owner === undefined || Number(owner) === process.pid || processAlive(Number(owner))) continue;
    const dir = join(parent_dir, name);
    let runs: string[] = [];
    try {
      runs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
      for (const run of runs) {
        for (const pid of readPids(join(run, 'cgroup.procs'))) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        rmdirSync(run);
      }
      rmdirSync(dir);
      log.info({ dir, runs: runs.length }, 'removed cgroups left by a dead Agora process');
    } catch (err) {
      log.warn({ dir, err: (err as Error).message }, 'could not remove stale cgroups yet');
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
