// One run from spawn to result, the same for every runner that goes through agora-init:
// the wall deadline (and extend()), the CPU budget, SIGTERM-grace-SIGKILL, the control
// channel, and the final accounting. Runners differ only in the argv they spawn and in how
// they meter and kill (cgroup, /proc sampling).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, truncateSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { invariant } from '../base/errors.js';
import { INIT_KILL, INIT_TERMINATE, LineSplitter, parseInitLine, type InitMessage } from './control-protocol.js';
import { cpuMsOfSeconds, cpuSecondsOfMs } from './cpu-time.js';
import type { Metering, RunHandle, RunReason, RunResult, ValidRunSpec } from './runner.js';
import { isOver, measureUsage, type DiskUsage } from '../workspace/usage.js';

export interface MeterReading {
  cpu_seconds: number | null;
  memory_mb: number | null;
}

export interface FinalUsage {
  cpu_seconds: number | null;
  memory_peak_mb: number | null;
  oom_kills: number;
}

export interface RunMeter {
  readonly kind: Metering;
  /** True when the kernel enforces the memory limit; otherwise the supervisor does, from samples. */
  readonly memory_enforced: boolean;
  /** A live reading; cheap enough to call every meter interval. */
  sample(): MeterReading;
  /** After everything is dead: total CPU, peak memory (null if this meter cannot tell) and OOM kills. */
  final(): FinalUsage | Promise<FinalUsage>;
  /** SIGKILLs everything the run started. */
  killAll(): Promise<void>;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** Set when the outermost process never started. */
  error: string | null;
}

/** The outermost process of a run as the supervisor sees it: a child process or a container. */
export interface SandboxProcess {
  /** Host pid, or null when there is none to show (a container). */
  readonly pid: number | null;
  /** Lines agora-init writes on its status channel, in order. */
  onStatusLine(listener: (line: string) => void): void;
  /** A one-byte command to agora-init (see control-protocol.ts). */
  command(byte: string): void;
  /** Resolves once the process is gone and its status channel has drained. Never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** SIGKILL now. */
  kill(): void;
  /** False once the process has exited (its pid may then belong to someone else). */
  alive(): boolean;
}

export interface SuperviseOptions {
  spec: ValidRunSpec;
  log: Logger;
  process: SandboxProcess;
  meter: RunMeter;
  meter_interval_ms: number;
  /** After the SIGKILL, how long the process may take to be seen exiting (sandbox.kill_exit_wait_ms). */
  kill_exit_wait_ms: number;
  /** Runs after the result is out (the run's processes are dead): remove cgroups, staging dirs. */
  teardown(): Promise<void>;
  /** Called once with the handle's result, after teardown. */
  onDone?(result: RunResult): void;
}

/** Not config: the longest delay setTimeout takes (a signed 32-bit ms count); a longer deadline is re-armed. */
const TIMER_MS_MAX = 2 ** 31 - 1;
const signalNames = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

export function supervise(options: SuperviseOptions): RunHandle {
  const { spec, log, process: child, meter } = options;
  const limits = spec.limits;
  const started_wall_ms = Date.now();
  const started = performance.now();

  let deadline_wall_ms = started_wall_ms + limits.wall_ms;
  let kill_reason: RunReason | null = null;
  let kill_detail: string | null = null;
  let ready = false;
  let ready_ms: number | null = null;
  let exit_message: Extract<InitMessage, { kind: 'exit' }> | null = null;
  let spawnfail: string | null = null;
  let child_exit: (ProcessExit & { wall_ms: number }) | null = null;
  let finished = false;
  let peak_sampled_mb = 0;
  let cpu_sampled = 0;
  let grace_timer: NodeJS.Timeout | null = null;
  let exit_timer: NodeJS.Timeout | null = null;
  const disk_limits = { bytes_max: limits.disk_bytes_max, inodes_max: limits.disk_inodes_max, depth_max: limits.walk_depth_max };
  const measureDisk = (): DiskUsage | null => {
    try {
      return measureUsage(spec.workspace_dir, disk_limits);
    } catch (err) {
      log.warn({ execution_id: spec.execution_id, err: (err as Error).message }, 'could not measure the workspace');
      return null;
    }
  };
  // What the workspace held before the run: a run is stopped for growing it to the allowance,
  // never for what an earlier run left (it may be here to clean up).
  const disk_at_start = measureDisk();
  const diskOverBy = (usage: DiskUsage | null): string | null => {
    if (usage === null || disk_at_start === null) return null;
    const grew = usage.bytes_used > disk_at_start.bytes_used || usage.inodes_used > disk_at_start.inodes_used;
    return grew ? isOver(usage) : null;
  };
  let deadline_timer: NodeJS.Timeout | null = null;
  let resolveDone!: (r: RunResult) => void;
  const done = new Promise<RunResult>((resolve) => (resolveDone = resolve));

  child.onStatusLine((line) => {
    const message = parseInitLine(line);
    if (message === null) return;
    if (message.kind === 'ready') {
      ready = true;
      ready_ms = performance.now() - started;
    } else if (message.kind === 'spawnfail') {
      spawnfail = message.message;
    } else if (exit_message === null) {
      exit_message = message;
    }
  });

  const armDeadline = (): void => {
    if (deadline_timer !== null) clearTimeout(deadline_timer);
    // A timer fires at most 2^31-1 ms ahead (about 24.8 days); a later deadline re-arms.
    const wait_ms = Math.min(TIMER_MS_MAX, Math.max(0, deadline_wall_ms - Date.now()));
    deadline_timer = setTimeout(() => {
      if (Date.now() < deadline_wall_ms) return armDeadline();
      terminate('killed_timeout', `wall deadline passed (${new Date(deadline_wall_ms).toISOString()})`);
    }, wait_ms);
  };

  const hardKill = () => {
    if (finished) return;
    // The tree first, while its root still holds its pid (killAll's first round is
    // synchronous), then agora-init, which would otherwise take its view of the tree with it.
    void meter.killAll();
    child.command(INIT_KILL);
    child.kill();
    // Everything is SIGKILLed: its exit is due within moments. If it is never seen (a lost
    // event, a process the kernel cannot reap), the run still ends, its slot and lease with it.
    exit_timer ??= setTimeout(() => {
      if (finished) return; // the exit was seen: its handler has started finish()
      log.error({ execution_id: spec.execution_id, kill_exit_wait_ms: options.kill_exit_wait_ms }, "a killed run's process was never seen to exit: ending the run without its exit");
      child_exit = { code: null, signal: 'SIGKILL', error: null, wall_ms: round3(performance.now() - started) };
      void finish();
    }, options.kill_exit_wait_ms);
  };

  const terminate = (reason: RunReason, detail: string) => {
    if (finished || kill_reason !== null) return;
    kill_reason = reason;
    kill_detail = detail;
    log.info({ execution_id: spec.execution_id, reason, detail }, 'terminating run');
    child.command(INIT_TERMINATE);
    if (limits.grace_ms === 0) hardKill();
    else grace_timer = setTimeout(hardKill, limits.grace_ms);
  };

  const cpu_seconds_max = limits.cpu_ms_max === null ? null : cpuSecondsOfMs(limits.cpu_ms_max);
  let disk_sampled_at = performance.now();
  const sampleMeter = () => {
    if (finished) return;
    const reading = meter.sample();
    if (reading.memory_mb !== null) peak_sampled_mb = Math.max(peak_sampled_mb, reading.memory_mb);
    if (reading.cpu_seconds !== null) cpu_sampled = Math.max(cpu_sampled, reading.cpu_seconds);
    if (cpu_seconds_max !== null && reading.cpu_seconds !== null && reading.cpu_seconds >= cpu_seconds_max) {
      terminate('killed_cpu', `CPU budget spent: ${reading.cpu_seconds.toFixed(3)} of ${cpu_seconds_max} s`);
    }
    if (performance.now() - disk_sampled_at >= limits.disk_sample_interval_ms && kill_reason === null) {
      disk_sampled_at = performance.now();
      const over = diskOverBy(measureDisk());
      if (over !== null) terminate('killed_disk', over);
    }
    if (!meter.memory_enforced && reading.memory_mb !== null && reading.memory_mb > limits.memory_mb && kill_reason === null) {
      // Best effort only (no cgroup): the sample may come too late to stop a fast allocator.
      kill_reason = 'killed_memory';
      kill_detail = `memory ${reading.memory_mb.toFixed(1)} MB over the ${limits.memory_mb} MB limit (sampled)`;
      hardKill();
    }
  };

  const finish = async () => {
    if (finished) return;
    finished = true;
    for (const timer of [grace_timer, deadline_timer, exit_timer]) if (timer !== null) clearTimeout(timer);
    clearInterval(meter_timer);
    await meter.killAll();
    let usage: FinalUsage = { cpu_seconds: null, memory_peak_mb: null, oom_kills: 0 };
    try {
      usage = await meter.final();
    } catch (err) {
      log.error({ execution_id: spec.execution_id, err: (err as Error).message }, 'could not read the final usage of a run');
    }
    const disk_over = kill_reason === null ? diskOverBy(measureDisk()) : null;
    const result = assemble(usage, disk_over);
    const timing_ms = { ready: round3(ready_ms ?? -1), exited: child_exit?.wall_ms ?? -1, done: round3(performance.now() - started) };
    log.info({ execution_id: spec.execution_id, agent_id: spec.agent_id, ...result, timing_ms }, 'run ended');
    options.onDone?.(result);
    // Everything the run started is dead and metered: the result is final. Removing the
    // empty cgroup and staging dirs is bookkeeping that need not delay the caller.
    resolveDone(result);
    try {
      await options.teardown();
    } catch (err) {
      log.error({ execution_id: spec.execution_id, err: (err as Error).message }, 'sandbox teardown failed');
    }
  };

  const assemble = (usage: FinalUsage, disk_over: string | null): RunResult => {
    const exit = exit_message as Extract<InitMessage, { kind: 'exit' }> | null;
    const { log_bytes, log_truncated } = settleLog(spec.log_path, limits.log_bytes_max, exit?.log_dropped ?? 0);
    const wall_ms = child_exit?.wall_ms ?? Math.round(performance.now() - started);
    // Kernel counters when there are any; otherwise the larger of agora-init's wait4() rusage
    // and our /proc samples (each misses something the other sees).
    let cpu_seconds: number;
    let metering: Metering;
    if (usage.cpu_seconds !== null) {
      cpu_seconds = usage.cpu_seconds;
      metering = meter.kind;
    } else {
      const rusage_cpu = exit?.cpu_seconds ?? null;
      cpu_seconds = Math.max(rusage_cpu ?? 0, cpu_sampled);
      metering = rusage_cpu !== null && rusage_cpu >= cpu_sampled ? 'rusage' : 'proc_sampling';
    }
    const memory_peak_mb =
      meter.kind !== 'proc_sampling' && usage.memory_peak_mb !== null ? usage.memory_peak_mb : Math.max(usage.memory_peak_mb ?? 0, peak_sampled_mb, exit?.maxrss_mb ?? 0);
    const exit_code = exit !== null ? exit.code : (child_exit?.code ?? null);
    const signal_no = exit !== null ? exit.signal : null;
    const signal = signal_no !== null ? (signalNames.get(signal_no) ?? `SIG${signal_no}`) : exit === null ? (child_exit?.signal ?? null) : null;
    const spawn_error = child_exit?.error ?? null;

    let reason: RunReason;
    let detail: string | null = null;
    if (spawn_error !== null) {
      reason = 'spawn_failed';
      detail = spawn_error;
    } else if (kill_reason !== null) {
      reason = kill_reason;
      detail = kill_detail;
    } else if (!ready) {
      reason = 'spawn_failed';
      detail = spawnfail ?? (logTail(spec.log_path) || `sandbox exited with ${child_exit?.code ?? child_exit?.signal} before the agent started`);
    } else if (disk_over !== null) {
      // Ended on its own between two measurements, but with its workspace grown to the allowance.
      reason = 'killed_disk';
      detail = `${disk_over} when the run ended`;
    } else if (usage.oom_kills > 0 && exit_code !== 0) {
      reason = 'killed_memory';
      detail = `out of memory: the kernel killed the run at its ${limits.memory_mb} MB limit`;
    } else if (exit_code === 0 && signal === null) {
      reason = 'exit';
    } else {
      reason = 'crashed';
      detail = signal !== null ? `killed by ${signal}` : `exit code ${exit_code}`;
    }
    return {
      exit_code,
      signal,
      reason,
      detail,
      cpu_ms: cpuMsOfSeconds(cpu_seconds),
      memory_peak_mb: round3(memory_peak_mb),
      metering,
      wall_ms,
      log_bytes,
      log_truncated,
    };
  };

  const meter_timer = setInterval(sampleMeter, options.meter_interval_ms);
  void child.exited.then((exit) => {
    child_exit = { ...exit, wall_ms: round3(performance.now() - started) };
    void finish();
  });
  armDeadline();

  return {
    execution_id: spec.execution_id,
    pid: child.pid,
    done,
    get deadline_wall_ms() {
      return deadline_wall_ms;
    },
    extend(new_deadline_wall_ms: number): boolean {
      invariant(Number.isFinite(new_deadline_wall_ms), 'a deadline is a finite number of ms since the epoch');
      if (finished || kill_reason !== null) return false;
      deadline_wall_ms = new_deadline_wall_ms;
      armDeadline();
      log.debug({ execution_id: spec.execution_id, deadline: new Date(deadline_wall_ms).toISOString() }, 'lease extended');
      return true;
    },
    stop(why: string): Promise<RunResult> {
      terminate('stopped', why);
      return done;
    },
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Size of the log after the run; trims it to the cap if anything slipped past agora-init. */
function settleLog(path: string, cap: number, dropped: number): { log_bytes: number; log_truncated: boolean } {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    return { log_bytes: 0, log_truncated: dropped > 0 };
  }
  // The launcher and bwrap write their own errors to the same file; a cap is a cap.
  if (size > cap) truncateSync(path, cap);
  return { log_bytes: Math.min(size, cap), log_truncated: dropped > 0 || size > cap };
}

function logTail(path: string, bytes = 400): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = statSync(path).size;
      const buf = Buffer.alloc(Math.min(bytes, size));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString('utf8').trim();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

export interface SpawnOptions {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  log_path: string;
  /** How long an exited child's control channel may take to drain its last lines (sandbox.control_drain_wait_ms). */
  control_drain_wait_ms: number;
  /** Written first on fd 3, before agora-init speaks on it: a native launcher's go message. */
  go_message?: Buffer;
  /** The child's fds from 4 on: a Buffer arrives through a pipe closed after it, a number is passed as is. */
  extra_fds?: (Buffer | number)[];
}

/**
 * Spawns the outermost process of a run with stdout and stderr on the log file (the child
 * writes it directly; nothing of the agent's output passes through Agora) and agora-init's
 * control channel on fd 3 (a socketpair, so one fd carries both directions).
 */
export function spawnSandboxProcess(options: SpawnOptions): SandboxProcess {
  const log_fd = openSync(options.log_path, 'w', 0o640);
  const extra = options.extra_fds ?? [];
  let child: ChildProcess;
  try {
    child = spawn(options.argv[0]!, options.argv.slice(1), {
      stdio: ['ignore', log_fd, log_fd, 'pipe', ...extra.map((fd) => (typeof fd === 'number' ? fd : 'pipe'))],
      env: options.env,
      cwd: options.cwd,
      // Own session: a terminal's Ctrl-C to Agora must not reach the runs directly.
      detached: true,
    });
  } finally {
    closeSync(log_fd); // the child holds its own copy
  }
  if (options.go_message !== undefined) (child.stdio[3] as Duplex | null)?.write(options.go_message);
  extra.forEach((fd, i) => {
    if (typeof fd === 'number') return;
    const pipe = child.stdio[4 + i] as Duplex | null;
    pipe?.on('error', () => {
      /* the reader died: the run's own exit says why */
    });
    pipe?.end(fd);
  });
  return watchSandboxProcess(child, options.control_drain_wait_ms);
}

/** The supervisor's view of a spawned child whose fd 3 is agora-init's control channel. */
export function watchSandboxProcess(child: ChildProcess, control_drain_wait_ms: number): SandboxProcess {
  const control = child.stdio[3] as Duplex | null | undefined;
  const splitter = new LineSplitter();
  const listeners: ((line: string) => void)[] = [];
  control?.on('data', (chunk: Buffer) => splitter.push(chunk, (line) => listeners.forEach((l) => l(line))));
  control?.on('error', () => {
    /* the sandbox is gone; the exit event tells the rest */
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    const gone = (code: number | null, signal: NodeJS.Signals | null) => {
      const result = { code, signal, error: null };
      // The exit line may still be in flight on the control channel: wait for its end, briefly.
      if (control === null || control === undefined || control.readableEnded || control.destroyed) return resolve(result);
      const timer = setTimeout(() => resolve(result), control_drain_wait_ms);
      control.once('close', () => {
        clearTimeout(timer);
        resolve(result);
      });
    };
    if (child.exitCode !== null || child.signalCode !== null) return gone(child.exitCode, child.signalCode);
    child.once('error', (err) => resolve({ code: null, signal: null, error: `cannot start the sandbox: ${err.message}` }));
    child.once('exit', gone);
  });
  return {
    pid: child.pid ?? null,
    onStatusLine: (listener) => listeners.push(listener),
    command(byte) {
      if (control !== null && control !== undefined && !control.destroyed && control.writable) control.write(byte);
    },
    exited,
    kill() {
      killSpawned(child);
    },
    alive: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
  };
}

/**
 * SIGKILL to a child this process spawned, if it ever started. A child whose spawn failed has
 * no pid, and Node's kill() on it before its 'error' event is emitted signals pid 0: Agora's
 * own process group.
 */
export function killSpawned(child: ChildProcess): void {
  if (child.pid !== undefined) child.kill('SIGKILL');
}
