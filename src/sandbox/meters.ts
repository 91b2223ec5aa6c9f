// The two ways a run is metered and killed on the host: by its cgroup (exact, kernel-kept
// counters) or by walking its process tree in /proc (sampled, when there is no cgroup).
import type { RunCgroup } from './cgroups.js';
import { killTree, sampleTree, type TreeBounds } from './proc-tree.js';
import type { MeterReading, RunMeter } from './supervisor.js';

export class CgroupMeter implements RunMeter {
  readonly kind = 'cgroup' as const;
  private peak_sampled_mb = 0;

  constructor(
    private readonly cgroup: RunCgroup,
    readonly memory_enforced: boolean,
    /** Without the cpuacct/cpu.stat counters, CPU comes from /proc sampling of this pid. */
    private readonly fallback_root_pid: number | null,
    private readonly alive: () => boolean,
    /** Processes read in one /proc sample of the fallback tree (sandbox.proc_tree_nodes_max). */
    private readonly tree_nodes_max: number,
  ) {}

  sample(): MeterReading {
    const usage = this.cgroup.usage();
    let cpu = usage.cpu_seconds;
    let memory = usage.memory_current_mb;
    if (this.fallback_root_pid !== null && this.alive() && (cpu === null || memory === null)) {
      const tree = sampleTree(this.fallback_root_pid, this.tree_nodes_max);
      cpu ??= tree.cpu_seconds;
      memory ??= tree.rss_mb;
    }
    if (memory !== null) this.peak_sampled_mb = Math.max(this.peak_sampled_mb, memory);
    return { cpu_seconds: cpu, memory_mb: memory };
  }

  final() {
    const usage = this.cgroup.usage();
    // memory.peak is missing on v2 kernels before 5.19: fall back to the sampled maximum.
    const peak = usage.memory_peak_mb ?? (this.peak_sampled_mb > 0 ? this.peak_sampled_mb : null);
    return { cpu_seconds: usage.cpu_seconds, memory_peak_mb: peak, oom_kills: usage.oom_kills };
  }

  killAll(): Promise<void> {
    return this.cgroup.killAll();
  }
}

export class ProcTreeMeter implements RunMeter {
  readonly kind = 'proc_sampling' as const;
  readonly memory_enforced = false;
  private cpu_max = 0;
  private rss_peak = 0;

  /** `alive` guards every look at the tree: a reaped root's pid may be someone else's. */
  constructor(
    private readonly root_pid: number,
    private readonly alive: () => boolean,
    private readonly bounds: TreeBounds,
  ) {}

  sample(): MeterReading {
    if (!this.alive()) return { cpu_seconds: this.cpu_max, memory_mb: null };
    const tree = sampleTree(this.root_pid, this.bounds.nodes_max);
    if (tree.pids.length === 0) return { cpu_seconds: this.cpu_max, memory_mb: null };
    this.cpu_max = Math.max(this.cpu_max, tree.cpu_seconds);
    this.rss_peak = Math.max(this.rss_peak, tree.rss_mb);
    return { cpu_seconds: this.cpu_max, memory_mb: tree.rss_mb };
  }

  /** CPU is left to agora-init's wait4() rusage, which sees what sampling misses. */
  final() {
    return { cpu_seconds: null, memory_peak_mb: this.rss_peak > 0 ? this.rss_peak : null, oom_kills: 0 };
  }

  /**
   * Only while the root lives. After it exits there is nothing left to kill: under bwrap the
   * pid namespace died with it, and the process runner's agora-init killed its tree first.
   */
  killAll(): Promise<void> {
    return killTree(this.root_pid, this.alive, this.bounds);
  }
}
