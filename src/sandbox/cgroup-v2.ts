// Cgroup v2: one tree. Our parent cgroup `agora-<pid>` enables memory, cpu and pids for the
// per-run children below it. The kernel's "no internal processes" rule means our own cgroup
// can only delegate controllers if it holds no processes (or is the root): under systemd, run
// Agora with Delegate=yes and point sandbox.cgroup_parent at the delegated subtree.
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import {
  killUntilEmpty,
  MB,
  readCgroupFile,
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

const WANTED = ['memory', 'cpu', 'pids'] as const;
// Not config: the kernel's default CFS period (what cpu.max's quota is read against), and its
// smallest accepted quota (1 ms). sandbox.cpu_quota_cores is the tunable.
const CPU_PERIOD_US = 100_000;
const CPU_QUOTA_MIN_US = 1000;

export function openCgroupV2(
  mounts: MountEntry[],
  own: { controllers: string[]; path: string }[],
  config: Config,
  log: Logger,
  options: { require_controllers: boolean },
): CgroupDriver | null {
  const mount = mounts.find((m) => m.fs_type === 'cgroup2');
  const mine = own.find((o) => o.controllers.length === 0); // the "0::/path" line
  if (mount === undefined || mine === undefined) return null;
  const relative = config.sandbox.cgroup_parent !== '' ? config.sandbox.cgroup_parent : posix.relative(mount.root, mine.path);
  const parent = join(mount.mount_point, relative.startsWith('..') ? '' : relative);
  const available = (readCgroupFile(join(parent, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
  const usable = WANTED.filter((c) => available.includes(c));
  if (options.require_controllers && usable.length < WANTED.length) return null;

  sweepStaleParents(parent, log);
  const base = join(parent, `agora-${process.pid}`);
  mkdirSync(base, { recursive: true });
  const enabled: string[] = [];
  for (const controller of usable) {
    try {
      // Both levels: our parent hands the controller to `base`, `base` to each run.
      enableController(parent, controller);
      enableController(base, controller);
      enabled.push(controller);
    } catch (err) {
      log.warn({ controller, parent, err: (err as Error).message }, 'cgroup v2: cannot delegate a controller (is our own cgroup holding processes? see sandbox.cgroup_parent)');
    }
  }
  const abilities: CgroupAbilities = {
    memory: enabled.includes('memory'),
    cpu_quota: enabled.includes('cpu'),
    pids: enabled.includes('pids'),
    // cpu.stat usage_usec is a core file of every v2 cgroup, with or without the cpu controller.
    cpu_usage: true,
  };
  return new CgroupV2Driver(base, abilities, log, config.sandbox.kill_rounds_max);
}

function enableController(dir: string, controller: string): void {
  const current = (readCgroupFile(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/);
  if (!current.includes(controller)) writeFileSync(join(dir, 'cgroup.subtree_control'), `+${controller}`);
}

class CgroupV2Driver implements CgroupDriver {
  readonly version = 'v2' as const;

  constructor(
    private readonly base: string,
    readonly abilities: CgroupAbilities,
    private readonly log: Logger,
    private readonly kill_rounds_max: number,
  ) {}

  create(name: string, limits: CgroupLimits): RunCgroup {
    const dir = join(this.base, name);
    mkdirSync(dir);
    const run = new CgroupV2Run(dir, this.abilities, this.log, this.kill_rounds_max);
    try {
      if (this.abilities.memory) {
        if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
        // One OOM kill takes the whole run: a half-killed agent is worse than a dead one.
        writeFileSync(join(dir, 'memory.oom.group'), '1');
      }
      run.applyLimits(limits);
    } catch (err) {
      rmdirSync(dir);
      throw err;
    }
    return run;
  }

  async close(): Promise<void> {
    try {
      rmdirSync(this.base);
    } catch {
      /* a run is still being torn down, or already gone */
    }
  }
}

class CgroupV2Run implements RunCgroup {
  readonly procs_files: string[];

  constructor(
    private readonly dir: string,
    private readonly abilities: CgroupAbilities,
    private readonly log: Logger,
    private readonly kill_rounds_max: number,
  ) {
    this.procs_files = [join(dir, 'cgroup.procs')];
  }

  applyLimits(limits: CgroupLimits): void {
    if (this.abilities.memory) writeFileSync(join(this.dir, 'memory.max'), String(limits.memory_mb * MB));
    if (this.abilities.cpu_quota) {
      const quota_us = Math.max(CPU_QUOTA_MIN_US, Math.round(limits.cpu_quota_cores * CPU_PERIOD_US));
      writeFileSync(join(this.dir, 'cpu.max'), `${quota_us} ${CPU_PERIOD_US}`);
    }
    if (this.abilities.pids) writeFileSync(join(this.dir, 'pids.max'), String(limits.pids_max));
  }

  usage(): CgroupUsage {
    const usage_usec = readCgroupKeyed(join(this.dir, 'cpu.stat')).get('usage_usec');
    const peak = readCgroupNumber(join(this.dir, 'memory.peak'));
    const current = readCgroupNumber(join(this.dir, 'memory.current'));
    const events = readCgroupKeyed(join(this.dir, 'memory.events'));
    return {
      cpu_seconds: usage_usec === undefined ? null : usage_usec / 1e6,
      memory_peak_mb: peak === null ? null : peak / MB,
      memory_current_mb: current === null ? null : current / MB,
      oom_kills: Math.max(events.get('oom_kill') ?? 0, events.get('oom_group_kill') ?? 0),
    };
  }

  async killAll(): Promise<void> {
    const kill = join(this.dir, 'cgroup.kill');
    if (existsSync(kill)) {
      try {
        writeFileSync(kill, '1');
      } catch {
        /* fall through to the loop */
      }
    }
    if (!(await killUntilEmpty(this.procs_files, this.kill_rounds_max))) this.log.error({ dir: this.dir }, 'processes survive SIGKILL in a run cgroup');
  }

  async remove(): Promise<void> {
    for (let attempt = 0; attempt <= 50; attempt++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      }
      await sleep(attempt < 5 ? 1 : 10);
    }
    this.log.warn({ dir: this.dir, children: safeList(this.dir) }, 'could not remove a run cgroup');
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
