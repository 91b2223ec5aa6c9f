// Metering without cgroups: walk a process tree in /proc and add up CPU time and resident
// memory. Used by the process runner, and by bwrap when cgroups are unavailable. It is a
// sample: CPU of children that exited and were never waited for is missed, so results from
// here are labelled `proc_sampling` and the wait4() rusage of agora-init is preferred at exit.
import { readdirSync, readFileSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { sleep } from './cgroups.js';

// Not config: facts of the Linux ABI /proc speaks. USER_HZ is 100 on every Linux ABI node runs
// on; /proc/PID/statm counts 4 KiB pages on the architectures Agora supports.
const CLOCK_TICKS_PER_S = 100;
const PAGE_BYTES = 4096;

export interface TreeSample {
  cpu_seconds: number;
  rss_mb: number;
  pids: number[];
}

function readStat(pid: number): { ppid: number; ticks: number; rss_pages: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number) => Number(fields[i] ?? 0);
  // After ')': [0]=state [1]=ppid ... [11]=utime [12]=stime [13]=cutime [14]=cstime ... [21]=rss
  return { ppid: num(1), ticks: num(11) + num(12) + num(13) + num(14), rss_pages: num(21) };
}

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim().split(' ')) {
        if (child !== '') out.push(Number(child));
      }
    } catch {
      /* the task exited while we looked */
    }
  }
  return out;
}

/** How far the host follows a run's process tree without cgroups (sandbox.proc_tree_*). */
export interface TreeBounds {
  /** Processes read in one sample; past it the rest of the tree is not counted. */
  nodes_max: number;
  /** Rounds of SIGKILL over the tree before giving up. */
  kill_rounds_max: number;
}

/** The tree bounds from config. */
export function treeBounds(config: Config): TreeBounds {
  return { nodes_max: config.sandbox.proc_tree_nodes_max, kill_rounds_max: config.sandbox.kill_tree_rounds_max };
}

export function sampleTree(root_pid: number, nodes_max: number): TreeSample {
  let ticks = 0;
  let rss_pages = 0;
  const pids: number[] = [];
  const queue = [root_pid];
  while (queue.length > 0 && pids.length < nodes_max) {
    const pid = queue.pop()!;
    const stat = readStat(pid);
    if (stat === null) continue;
    pids.push(pid);
    ticks += stat.ticks;
    rss_pages += stat.rss_pages;
    queue.push(...children(pid));
  }
  return { cpu_seconds: ticks / CLOCK_TICKS_PER_S, rss_mb: (rss_pages * PAGE_BYTES) / (1024 * 1024), pids };
}

/** SIGKILLs a tree, leaves first, while its root is alive (bounded). */
export async function killTree(root_pid: number, alive: () => boolean, bounds: TreeBounds): Promise<void> {
  for (let round = 0; round < bounds.kill_rounds_max && alive(); round++) {
    const { pids } = sampleTree(root_pid, bounds.nodes_max);
    if (pids.length === 0) return;
    for (const pid of pids.reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(round < 5 ? 1 : 10);
  }
}
