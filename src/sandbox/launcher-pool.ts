// Launchers started ahead of their runs. Forking from a large node process and attaching a
// process to a cgroup (which waits for an RCU grace period in the kernel) each take
// milliseconds on a busy host; a pooled agora-launch has done both already and waits on its
// control socket for the run's arguments, so a run's start pays for neither. The pool refills
// in the background after every take.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { invariant } from '../base/errors.js';
import type { CgroupDriver, CgroupLimits, RunCgroup } from './cgroups.js';
import { killSpawned } from './supervisor.js';

export interface PooledLauncher {
  child: ChildProcess;
  cgroup: RunCgroup | null;
  name: string;
}

/** What an idle launcher is held to until its run's limits replace these. */
const IDLE_LIMITS: CgroupLimits = { memory_mb: 16, cpu_quota_cores: 0.1, pids_max: 4 };

export class LauncherPool {
  private readonly ready: PooledLauncher[] = [];
  private seq = 0;
  private closed = false;
  private refill_scheduled = false;

  constructor(
    private readonly size: number,
    private readonly launch_path: string,
    private readonly cgroups: CgroupDriver | null,
    private readonly log: Logger,
  ) {
    invariant(size >= 0, 'a pool size is not negative');
    this.fill();
  }

  /** A live launcher waiting for its go message, or null (the caller starts one itself). */
  take(): PooledLauncher | null {
    let found: PooledLauncher | null = null;
    while (found === null && this.ready.length > 0) {
      const next = this.ready.shift()!;
      // No pid: its spawn failed (the 'error' event has long been emitted), and it will never exit.
      if (next.child.pid !== undefined && next.child.exitCode === null && next.child.signalCode === null) found = next;
      else void this.discard(next, 'exited while waiting');
    }
    this.scheduleRefill();
    return found;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ready.splice(0).map((p) => this.discard(p, 'runner closing')));
  }

  private scheduleRefill(): void {
    if (this.refill_scheduled || this.closed) return;
    this.refill_scheduled = true;
    // After the current run has started: the refill must not delay the start it follows.
    setImmediate(() => {
      this.refill_scheduled = false;
      this.fill();
    });
  }

  private fill(): void {
    while (!this.closed && this.ready.length < this.size) {
      try {
        this.ready.push(this.spawnOne());
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'could not start a launcher ahead of its run; runs start them on demand');
        return;
      }
    }
  }

  private spawnOne(): PooledLauncher {
    const name = `pool-${process.pid}-${++this.seq}`;
    const cgroup = this.cgroups?.create(name, IDLE_LIMITS) ?? null;
    const args: string[] = [];
    for (const file of cgroup?.procs_files ?? []) args.push('--cgroup-procs', file);
    // No `--private-mounts` ahead: a mount namespace copied now would never see a workspace
    // image the host mounts later (on a host whose mounts are private, propagation to a slave
    // needs a shared master), so the launcher unshares when its go message stages the paths.
    args.push('--await-go', '3');
    try {
      // stdout/stderr go nowhere until the go message names the run's log file.
      const child = spawn(this.launch_path, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: {}, detached: true });
      child.once('error', (err) => this.log.warn({ err: err.message, name }, 'a pooled launcher failed to start'));
      return { child, cgroup, name };
    } catch (err) {
      void cgroup?.remove();
      throw err;
    }
  }

  private async discard(pooled: PooledLauncher, why: string): Promise<void> {
    this.log.debug({ name: pooled.name, why }, 'discarding a pooled launcher');
    (pooled.child.stdio[3] as Duplex | null)?.destroy(); // EOF: an idle launcher exits quietly
    killSpawned(pooled.child);
    await pooled.cgroup?.killAll();
    await pooled.cgroup?.remove();
  }
}

/** The go message: "<byte count>\n" then each argument NUL-terminated (see agora-launch.c). */
export function goMessage(args: string[]): Buffer {
  for (const arg of args) invariant(!arg.includes('\0'), 'launcher arguments hold no NUL');
  const body = Buffer.from(args.map((a) => `${a}\0`).join(''), 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}\n`, 'ascii'), body]);
}
