// Turns a winning bid into a run: the execution record, env.json, the per-execution API
// channel, the sandboxed process, and, when the run ends, its metered outcome. A failure of
// one launch is recorded on that execution and never stops the world.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { openExecutionChannel, type ExecutionChannel } from '../api/channel.js';
import type { RunningApi } from '../api/start.js';
import type { ExecutionReason } from '../kernel/execution-events.js';
import type { ExecutionOutcome, ExecutionView } from '../kernel/executions.js';
import type { Winner } from '../kernel/market.js';
import { resolveAgentCommand } from '../sandbox/command.js';
import { runLimits, type RunHandle, type Runner, type RunResult } from '../sandbox/runner.js';
import { buildEnvJson, writeEnvJson, type InboxMessage } from './env-json.js';
import type { World } from './open-world.js';

interface Run {
  execution: ExecutionView;
  handle: RunHandle | null;
  channel: ExecutionChannel | null;
  ended: Promise<void>;
  /**
   * A lease won while the process runs, not yet begun: it is journaled when the current
   * lease ends. An agent often bids and exits at once; if its process is gone before then,
   * the won lease becomes a run of its own instead of an extension no process ever used.
   */
  next: PendingLease | null;
}

/** A won bid as the launcher needs it. */
interface Lease {
  bid_id: string;
  cycle: number;
  bundle: Winner['bundle'];
}

interface PendingLease extends Lease {
  lease_ends_at_ms: number;
  timer: NodeJS.Timeout;
}

export type AdmitOutcome = 'launched' | 'extended' | 'queued' | 'failed';

/** Unread messages for env.json; the society part of Agora provides it. */
export type InboxProvider = (agent_id: string) => InboxMessage[];

export class Launcher {
  private readonly runs = new Map<string, Run>();
  private readonly queue: ExecutionView[] = [];
  private readonly socket_dir: string;
  private readonly idleWaiters: (() => void)[] = [];
  private stopping = false;
  inbox: InboxProvider = () => [];

  constructor(
    private readonly world: World,
    private readonly api: RunningApi,
    private readonly runner: Runner,
    private readonly log: Logger,
    private debug_agent: string | null,
  ) {
    const configured = world.config.orchestrator.socket_dir;
    if (configured !== '') mkdirSync(configured, { recursive: true, mode: 0o711 });
    // Unix socket paths are limited to 108 bytes, so they live in a short private directory.
    this.socket_dir = configured !== '' ? configured : (runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-')));
  }

  get running(): number {
    return this.runs.size;
  }

  /** Memory held by runs whose lease goes on past `now_ms`: the market cannot sell it again. */
  heldMemoryMb(now_ms: number): number {
    let held = 0;
    for (const run of this.runs.values()) {
      if (run.execution.lease_ends_at_ms > now_ms) held += run.execution.bundle.memory_mb;
      else if (run.next !== null) held += run.next.bundle.memory_mb;
    }
    for (const queued of this.queue) held += queued.bundle.memory_mb;
    return held;
  }

  /** Executions the journal says are running but no process of ours carries (a restart). */
  recoverLostExecutions(): void {
    for (const execution of this.world.kernel.executions.running()) {
      if (this.runs.has(execution.id)) continue;
      this.world.kernel.executions.end(execution.id, emptyOutcome('lost'), { actor: 'system:loop' });
      this.log.warn({ execution_id: execution.id, agent_id: execution.agent_id }, 'execution lost in a restart');
    }
  }

  async admit(winner: Winner, cycle: number): Promise<AdmitOutcome> {
    const lease: Lease = { bid_id: winner.bid_id, cycle, bundle: winner.bundle };
    const current = this.world.kernel.executions.runningFor(winner.agent_id);
    if (current === null) return this.startExecution(winner.agent_id, lease);
    // Continuous execution: the next lease starts where the current one ends.
    const run = this.runs.get(current.id);
    if (run === undefined || run.handle === null) {
      // No process yet (queued, or starting): the lease simply lengthens the run it will get.
      this.extend(current, lease);
      return 'extended';
    }
    if (run.next !== null) this.beginNextLease(run);
    const now_ms = this.world.kernel.core.clock.now_ms();
    const starts_at_ms = Math.max(run.execution.lease_ends_at_ms, now_ms);
    const lease_ends_at_ms = starts_at_ms + lease.bundle.duration_s * 1000;
    // The process may run on into the new lease: its deadline moves now, the journal at the start.
    run.handle.extend(this.wallDeadline(lease_ends_at_ms));
    run.next = { ...lease, lease_ends_at_ms, timer: setTimeout(() => this.beginNextLease(run), starts_at_ms - now_ms) };
    return 'extended';
  }

  /** Journals a lease extension; by default the new lease starts where the current one ends. */
  private extend(
    current: ExecutionView,
    lease: Lease,
    lease_ends_at_ms = Math.max(current.lease_ends_at_ms, this.world.kernel.core.clock.now_ms()) + lease.bundle.duration_s * 1000,
  ): ExecutionView {
    return this.world.kernel.executions.extendLease(
      { execution_id: current.id, bid_id: lease.bid_id, cycle: lease.cycle, bundle: lease.bundle, lease_ends_at_ms },
      { actor: 'system:loop', causation_id: lease.bid_id },
    );
  }

  /** The current lease is over and the process still runs: the pending lease is now its. */
  private beginNextLease(run: Run): void {
    const next = run.next;
    if (next === null) return;
    clearTimeout(next.timer);
    run.next = null;
    try {
      // Ends where admit() promised the process, not from the moment this timer fired.
      run.execution = this.extend(run.execution, next, next.lease_ends_at_ms);
      this.writeEnv(run.execution);
    } catch (err) {
      this.log.error({ err, execution_id: run.execution.id, bid_id: next.bid_id }, 'could not extend a lease');
    }
  }

  private async startExecution(agent_id: string, lease: Lease): Promise<AdmitOutcome> {
    const now_ms = this.world.kernel.core.clock.now_ms();
    let execution: ExecutionView;
    try {
      execution = this.world.kernel.executions.start(
        { agent_id, bid_id: lease.bid_id, cycle: lease.cycle, bundle: lease.bundle, lease_ends_at_ms: now_ms + lease.bundle.duration_s * 1000 },
        { actor: 'system:loop', causation_id: lease.bid_id },
      );
    } catch (err) {
      this.log.error({ err, bid_id: lease.bid_id }, 'could not start execution');
      return 'failed';
    }
    if (this.runs.size >= this.world.config.orchestrator.runs_concurrent_max) {
      this.queue.push(execution);
      return 'queued';
    }
    await this.launch(execution);
    return 'launched';
  }

  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.runs.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async shutdown(grace_ms: number): Promise<void> {
    // Pending leases keep their timers: a run still going in the grace period may begin one.
    this.stopping = true;
    for (const queued of this.queue.splice(0)) {
      this.world.kernel.executions.end(queued.id, emptyOutcome('stopped'), { actor: 'system:loop' });
    }
    const deadline = new Promise((resolve) => setTimeout(resolve, grace_ms).unref());
    await Promise.race([Promise.all([...this.runs.values()].map((r) => r.ended)), deadline]);
    await Promise.all([...this.runs.values()].map((run) => run.handle?.stop('world stopping')));
    await Promise.all([...this.runs.values()].map((r) => r.ended));
    rmSync(this.socket_dir, { recursive: true, force: true });
  }

  private wallDeadline(lease_ends_at_ms: number): number {
    // Leases are in world time; a process is held to the same span of real time.
    const remaining_ms = lease_ends_at_ms - this.world.kernel.core.clock.now_ms();
    return Date.now() + Math.max(0, remaining_ms);
  }

  private workspaceDir(agent_id: string): string {
    return this.world.workspaces.dir(this.world.kernel.agents.require(agent_id).workspace);
  }

  private writeEnv(execution: ExecutionView): void {
    const workspace = this.world.kernel.agents.require(execution.agent_id).workspace;
    const disk = this.world.workspaces.usage(workspace);
    const env = buildEnvJson(this.world.kernel, execution, { api_url: this.apiUrlInside(), inbox: this.inbox(execution.agent_id), disk });
    writeEnvJson(this.workspaceDir(execution.agent_id), env);
  }

  private apiUrlInside(): string {
    return this.runner.isolation === 'none' ? this.api.url : `http://127.0.0.1:${this.world.config.sandbox.api_port_inside}`;
  }

  private async launch(execution: ExecutionView): Promise<void> {
    let settle!: () => void;
    const run: Run = { execution, handle: null, channel: null, next: null, ended: new Promise((resolve) => (settle = resolve)) };
    this.runs.set(execution.id, run);
    const finish = (outcome: ExecutionOutcome) => {
      const unused = run.next;
      if (unused !== null) clearTimeout(unused.timer);
      run.next = null;
      try {
        this.world.kernel.executions.end(execution.id, outcome, { actor: 'system:loop' });
      } catch (err) {
        this.log.error({ err, execution_id: execution.id }, 'could not record the end of a run');
      }
      run.channel?.close();
      this.runs.delete(execution.id);
      // The process ended before the lease it had won began: that lease is a run of its own.
      if (unused !== null && !this.stopping) void this.startExecution(execution.agent_id, unused);
      settle();
      this.afterRunEnded();
    };
    try {
      const workspace_dir = this.workspaceDir(execution.agent_id);
      if (!existsSync(workspace_dir) || !statSync(workspace_dir).isDirectory()) {
        finish(emptyOutcome('no_workspace'));
        return;
      }
      const command = resolveAgentCommand(workspace_dir);
      if (!command.ok) {
        this.log.warn({ execution_id: execution.id, agent_id: execution.agent_id, why: command.why }, 'agent has no entry point');
        finish(emptyOutcome(command.reason));
        return;
      }
      this.writeEnv(execution);
      const socket_path = join(this.socket_dir, `${execution.id}.sock`);
      if (this.runner.isolation !== 'none') {
        run.channel = await openExecutionChannel(this.api.app, this.api.ctx, { agent_id: execution.agent_id, execution_id: execution.id }, socket_path);
      }
      const debug = this.debug_agent === execution.agent_id ? { inspect_port: this.world.config.orchestrator.debug_inspect_port, break_on_start: false } : null;
      if (debug !== null) this.debug_agent = null;
      const inside = this.runner.workspacePathInside({ workspace_dir });
      const token = this.world.signer.mint({ agent_id: execution.agent_id, execution_id: execution.id, expires_at_ms: execution.lease_ends_at_ms + 3_600_000 });
      const handle = await this.runner.start({
        execution_id: execution.id,
        agent_id: execution.agent_id,
        workspace_dir,
        command: debug === null ? command.command : debugCommand(command.command, debug.inspect_port),
        env: {
          AGENT_ID: execution.agent_id,
          EXECUTION_ID: execution.id,
          SYSTEM_SERVICE_URL: this.apiUrlInside(),
          ENV_JSON_PATH: `${inside}/env.json`,
          AGORA_TOKEN: token,
        },
        limits: runLimits(this.world.config, {
          memory_mb: Math.max(8, execution.bundle.memory_mb),
          wall_ms: Math.max(1, this.wallDeadline(execution.lease_ends_at_ms) - Date.now()),
          cpu_seconds_max: execution.bundle.cpu_ms > 0 ? execution.bundle.cpu_ms / 1000 : null,
        }),
        api_socket_path: run.channel === null ? null : socket_path,
        api_url: this.runner.isolation === 'none' ? this.api.url : null,
        log_path: join(this.world.paths.executions, `${execution.id}.log`),
        debug,
      });
      run.handle = handle;
      if (debug !== null) this.log.warn({ execution_id: execution.id, port: debug.inspect_port }, 'debug run: inspector open');
      void handle.done.then((result) => finish(outcomeOf(result)));
    } catch (err) {
      this.log.error({ err, execution_id: execution.id }, 'launch failed');
      finish(emptyOutcome('spawn_failed'));
    }
  }

  private afterRunEnded(): void {
    while (this.queue.length > 0 && this.runs.size < this.world.config.orchestrator.runs_concurrent_max) {
      const next = this.queue.shift()!;
      void this.launch(next);
    }
    if (this.runs.size === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

let debugpy_available: boolean | null = null;

/**
 * Node runs get the inspector from the runner (NODE_OPTIONS). A Python run is wrapped in
 * debugpy when the Python that sandboxes use has it, listening on the same inside port the
 * runner relays to the host.
 */
function debugCommand(command: string[], port: number): string[] {
  if (!/(^|\/)python3?$/.test(command[0] ?? '')) return command;
  debugpy_available ??= spawnSync(command[0]!, ['-c', 'import debugpy'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
  if (!debugpy_available) return command;
  return [command[0]!, '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, ...command.slice(1)];
}

function emptyOutcome(reason: ExecutionReason): ExecutionOutcome {
  return { reason, exit_code: null, signal: null, cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0, log_bytes: 0, log_truncated: false };
}

function outcomeOf(result: RunResult): ExecutionOutcome {
  return {
    reason: result.reason,
    exit_code: result.exit_code,
    signal: result.signal,
    cpu_ms: result.cpu_seconds * 1000,
    memory_peak_mb: result.memory_peak_mb,
    wall_ms: result.wall_ms,
    log_bytes: result.log_bytes,
    log_truncated: result.log_truncated,
  };
}
