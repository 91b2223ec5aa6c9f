// Cgroup v1: one hierarchy per controller. A run gets a directory in each of memory, cpu,
// cpuacct and pids (cpu and cpuacct are often co-mounted and then share one).
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { invariant } from '../base/errors.js';
import {
  killUntilEmpty,
  MB,
  readCgroupKeyed,
  readCgroupNumber,
  sleep,
  sweepStaleParents,
  type CgroupAbilities,
  type CgroupDriver,
  type CgroupLimits,
  type CgroupUsage,
  type MountEntry,
  type RunCgroup,
} from './cgroups.js';

const CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
type Controller = (typeof CONTROLLERS)[number];

// Not config: the kernel's default CFS period, and its smallest accepted quota (1 ms).
// sandbox.cpu_quota_cores is the tunable.
const CFS_PERIOD_US = 100_000;
const CFS_QUOTA_MIN_US = 1000;

export function openCgroupV1(mounts: MountEntry[], own: { controllers: string[]; path: string }[], config: Config, log: Logger): CgroupDriver | null {
  const bases = new Map<Controller, string>();
  const problems: string[] = [];
  for (const controller of CONTROLLERS) {
    const mount = mounts.find((m) => m.fs_type === 'cgroup' && m.super_options.includes(controller));
    const mine = own.find((o) => o.controllers.includes(controller));
    if (mount === undefined || mine === undefined) {
      problems.push(`${controller}: not mounted`);
      continue;
    }
    const parent = config.sandbox.cgroup_parent !== '' ? config.sandbox.cgroup_parent : posix.relative(mount.root, mine.path);
    const parent_dir = join(mount.mount_point, parent.startsWith('..') ? '' : parent);
    const base = join(parent_dir, `agora-${process.pid}`);
    try {
      sweepStaleParents(parent_dir, log);
      mkdirSync(base, { recursive: true });
      bases.set(controller, base);
    } catch (err) {
      problems.push(`${controller}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} creating ${base}`);
    }
  }
  if (bases.size === 0) {
    if (problems.length > 0) throw new Error(problems.join('; '));
    return null;
  }
  const abilities: CgroupAbilities = {
    memory: bases.has('memory'),
    cpu_quota: bases.has('cpu'),
    pids: bases.has('pids'),
    cpu_usage: bases.has('cpuacct'),
  };
  if (problems.length > 0) log.warn({ problems }, 'cgroup v1: some controllers are unusable');
  return new CgroupV1Driver(bases, abilities, log, config.sandbox.kill_rounds_max);
}

class CgroupV1Driver implements CgroupDriver {
  readonly version = 'v1' as const;

  constructor(
    private readonly bases: Map<Controller, string>,
    readonly abilities: CgroupAbilities,
    private readonly log: Logger,
    private readonly kill_rounds_max: number,
  ) {}

  create(name: string, limits: CgroupLimits): RunCgroup {
    const dirs = new Map<Controller, string>();
    // Co-mounted controllers (cpu,cpuacct) resolve to the same base: one directory serves both.
    const made = new Set<string>();
    try {
      for (const [controller, base] of this.bases) {
        const dir = join(base, name);
        if (!made.has(dir)) {
          mkdirSync(dir);
          made.add(dir);
        }
        dirs.set(controller, dir);
      }
      const memory = dirs.get('memory');
      if (memory !== undefined) writeFileSync(join(memory, 'memory.swappiness'), '0');
      const cpu = dirs.get('cpu');
      if (cpu !== undefined) writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      applyV1Limits(dirs, limits);
    } catch (err) {
      for (const dir of made) tryRmdir(dir);
      throw err;
    }
    return new CgroupV1Run(dirs, [...made], this.log, this.kill_rounds_max);
  }

  async close(): Promise<void> {
    for (const base of new Set(this.bases.values())) tryRmdir(base);
  }
}

function applyV1Limits(dirs: Map<Controller, string>, limits: CgroupLimits): void {
  const memory = dirs.get('memory');
  if (memory !== undefined) {
    const bytes = limits.memory_mb * MB;
    const limit = join(memory, 'memory.limit_in_bytes');
    const memsw = join(memory, 'memory.memsw.limit_in_bytes');
    // memory + swap may never be below memory alone: raise memsw first, lower it last.
    const raising = bytes >= (readCgroupNumber(limit) ?? 0);
    const withSwap = existsSync(memsw);
    if (raising && withSwap) writeFileSync(memsw, String(bytes));
    writeFileSync(limit, String(bytes));
    if (!raising && withSwap) writeFileSync(memsw, String(bytes));
  }
  const cpu = dirs.get('cpu');
  if (cpu !== undefined) {
    const quota_us = Math.max(CFS_QUOTA_MIN_US, Math.round(limits.cpu_quota_cores * CFS_PERIOD_US));
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(quota_us));
  }
  const pids = dirs.get('pids');
  if (pids !== undefined) writeFileSync(join(pids, 'pids.max'), String(limits.pids_max));
}

class CgroupV1Run implements RunCgroup {
  readonly procs_files: string[];

  constructor(
    private readonly dirs: Map<Controller, string>,
    private readonly unique_dirs: string[],
    private readonly log: Logger,
    private readonly kill_rounds_max: number,
  ) {
    invariant(unique_dirs.length > 0, 'a v1 run cgroup has at least one directory');
    this.procs_files = unique_dirs.map((d) => join(d, 'cgroup.procs'));
  }

  applyLimits(limits: CgroupLimits): void {
    applyV1Limits(this.dirs, limits);
  }

  usage(): CgroupUsage {
    const cpuacct = this.dirs.get('cpuacct');
    const memory = this.dirs.get('memory');
    const usage_ns = cpuacct === undefined ? null : readCgroupNumber(join(cpuacct, 'cpuacct.usage'));
    const peak = memory === undefined ? null : readCgroupNumber(join(memory, 'memory.max_usage_in_bytes'));
    const current = memory === undefined ? null : readCgroupNumber(join(memory, 'memory.usage_in_bytes'));
    const oom = memory === undefined ? undefined : readCgroupKeyed(join(memory, 'memory.oom_control')).get('oom_kill');
    return {
      cpu_seconds: usage_ns === null ? null : usage_ns / 1e9,
      memory_peak_mb: peak === null ? null : peak / MB,
      memory_current_mb: current === null ? null : current / MB,
      oom_kills: oom ?? 0,
    };
  }

  async killAll(): Promise<void> {
    // No freezer: inside bwrap the whole tree is one pid namespace, which the kernel kills
    // atomically when its init dies, so this loop normally finds the cgroup already empty.
    if (!(await killUntilEmpty(this.procs_files, this.kill_rounds_max))) this.log.error({ dirs: this.unique_dirs }, 'processes survive SIGKILL in a run cgroup');
  }

  async remove(): Promise<void> {
    for (const dir of this.unique_dirs) {
      for (let attempt = 0; ; attempt++) {
        if (tryRmdir(dir)) break;
        if (attempt === 50) {
          this.log.warn({ dir }, 'could not remove a run cgroup');
          break;
        }
        await sleep(attempt < 5 ? 1 : 10);
      }
    }
  }
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
