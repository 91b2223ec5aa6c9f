// Turns won leases into runs. A won lease waits in the LeaseQueue until a slot is free; only
// then is its execution journaled, so its lease (and the agent's clock) starts when it
// launches. Each run moves queued -> starting -> running -> ending -> ended (run-state.ts);
// sandbox-start.ts does the sandbox part. A failure of one launch is recorded on that
// execution and never stops the world. A run the host interrupts (a stop) gives its unused
// lease back to the agent (Executions.interrupt), run again at the next start.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ApiPort, ExecutionChannel } from './ports.js';
import type { ExecutionOutcome, ExecutionView } from '../kernel/executions/commands.js';
import type { Winner } from '../kernel/market/commands.js';
import { invariant } from '../base/errors.js';
import type { RunHandle, Runner } from '../sandbox/runner.js';
import { LeaseQueue, type Lease } from './lease-queue.js';
import { RunStateMachine } from './run-state.js';
import { emptyOutcome, outcomeOf, startSandbox, leaseEndWallMs, writeRunEnv, type InboxProvider, type SandboxContext } from './sandbox-start.js';
import type { World } from './open-world.js';
import { quantizeOutcome, type SimulationRule } from './simulation.js';
import { recordRunWorkspace } from './workspace-history.js';

export type { InboxProvider } from './sandbox-start.js';

interface Run {
  agent_id: string;
  state: RunStateMachine;
  /** Leases not yet journaled: the first starts the run, the rest extend it once it runs. */
  leases: Lease[];
  execution: ExecutionView | null;
  handle: RunHandle | null;
  channel: ExecutionChannel | null;
  /**
   * A lease won while the process runs, not yet begun: it is journaled when the current
   * lease ends. An agent often bids and exits at once; if its process is gone before then,
   * the won lease becomes a run of its own instead of an extension no process ever used.
   */
  next: PendingLease | null;
  /** Leases won while the run was ending: they become the agent's next run. */
  leftover: Lease[];
  ended: Promise<void>;
  settle: () => void;
}

/** A run whose process is over, its outcome not yet journaled. */
interface Ending {
  run: Run;
  execution: ExecutionView;
  outcome: ExecutionOutcome;
  /** Leases it held and never used: owed again once it has ended. */
  unused: Lease[];
  /** Set when the host stopped it as the world stops: its unused lease is given back from then. */
  interrupted_at_ms: number | null;
}

interface PendingLease extends Lease {
  lease_ends_at_ms: number;
  timer: NodeJS.Timeout;
}

export type AdmitOutcome = 'launched' | 'extended' | 'queued' | 'failed';

export class Launcher {
  /** Every run not yet ended, by agent: at most one per agent. */
  private readonly runs = new Map<string, Run>();
  private readonly queue = new LeaseQueue<Run>();
  private readonly socket_dir: string;
  private readonly idleWaiters: (() => void)[] = [];
  /** Runs over and not yet journaled: their ends commit together, at the next turn of the loop. */
  private readonly ending: Ending[] = [];
  private stopping = false;
  private killing = false;
  inbox: InboxProvider = () => [];
  /**
   * Deterministic simulation (--simulate): runs go one at a time in the order they are
   * admitted, each to its end before the next, and their measurements are quantized.
   */
  simulation: SimulationRule | null = null;

  constructor(
    private readonly world: World,
    private readonly api: ApiPort,
    private readonly runner: Runner,
    private readonly log: Logger,
    private debug_agent: string | null,
    /** Where executions run when not on `runner` (runner hosts, events.nats.dispatch_runs); artifact calls stay on `runner`. */
    private readonly executions_runner: Runner = runner,
  ) {
    const configured = world.config.orchestrator.socket_dir;
    if (configured !== '') mkdirSync(configured, { recursive: true, mode: 0o711 });
    // Unix socket paths are limited to 108 bytes, so they live in a short private directory.
    this.socket_dir = configured !== '' ? configured : (runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-sock-')));
    // Artifact calls run on the same runner, their channels beside the executions' own.
    world.invoker.attach(runner, api, this.socket_dir);
  }

  private get ctx(): SandboxContext {
    return { world: this.world, api: this.api, runner: this.executions_runner, log: this.log, socket_dir: this.socket_dir, inbox: this.inbox };
  }

  /**
   * Runs holding a slot (starting, running or ending); queued ones wait for one. Every queued
   * run is in the queue and nothing else is, so this is a difference, not a count per check.
   */
  get running(): number {
    return this.runs.size - this.queue.size;
  }

  get queued(): number {
    return this.queue.size;
  }

  /** Memory held past `now_world_ms` by runs and by leases waiting to run: the market cannot sell it again. */
  heldMemoryMb(now_world_ms: number): number {
    let held = this.queue.heldMemoryMb();
    for (const run of this.runs.values()) {
      if (run.state.is('queued')) continue;
      if (run.execution !== null && run.execution.lease_ends_at_ms > now_world_ms) held += run.execution.bundle.memory_mb;
      else if (run.next !== null) held += run.next.bundle.memory_mb;
      else if (run.leases.length > 0) held += run.leases[0]!.bundle.memory_mb;
    }
    return held;
  }

  /**
   * At start: executions the journal says are running but no process of ours carries were cut
   * short when the host died; their unused lease is given back (as a lost interruption, from
   * the last moment the journal shows the host alive). Then every lease the journal still owes
   * (queued or given back when the world last stopped) is queued to run.
   */
  async recover(): Promise<void> {
    const last_alive_ms = this.world.kernel.executions.lastJournaledAtMs();
    for (const execution of this.world.kernel.executions.running()) {
      if (this.runs.has(execution.agent_id)) continue;
      this.world.kernel.executions.interrupt(execution.id, emptyOutcome('lost'), { reason: 'lost', interrupted_at_ms: Math.max(execution.started_at_ms, last_alive_ms) }, { actor: 'system:loop' });
      this.log.warn({ execution_id: execution.id, agent_id: execution.agent_id }, 'execution lost in a restart; its unused lease is given back');
    }
    for (const lease of this.world.kernel.executions.waitingLeases()) this.enqueue(lease);
    await this.pump();
  }

  /**
   * A clearing's winners, in the clearing's order. Winners with no run yet are queued
   * together and launched in batches (orchestrator.launch_batch_max): their executions are
   * journaled in one transaction each batch, then their sandboxes start side by side instead
   * of one after another. Before a winner whose agent already runs, the new runs queued so
   * far are launched, so the journal keeps the clearing's order. Under --simulate each
   * winner is admitted alone, to its run's end, as admit() does.
   */
  async admitAll(winners: readonly Winner[], cycle: number): Promise<AdmitOutcome[]> {
    const outcomes: AdmitOutcome[] = [];
    if (this.simulation !== null) {
      for (const winner of winners) outcomes.push(await this.admit(winner, cycle));
      return outcomes;
    }
    let fresh: { index: number; run: Run }[] = [];
    const launchFresh = async () => {
      if (fresh.length === 0) return;
      const queued = fresh;
      fresh = [];
      await this.pump();
      for (const { index, run } of queued) outcomes[index] = run.state.is('queued') ? 'queued' : run.execution === null ? 'failed' : 'launched';
    };
    for (const [index, winner] of winners.entries()) {
      if (!this.runs.has(winner.agent_id)) {
        fresh.push({ index, run: this.enqueue({ id: winner.bid_id, agent_id: winner.agent_id, cycle, bundle: winner.bundle }) });
        continue;
      }
      await launchFresh();
      outcomes[index] = await this.admit(winner, cycle);
    }
    await launchFresh();
    return outcomes;
  }

  async admit(winner: Winner, cycle: number): Promise<AdmitOutcome> {
    const lease: Lease = { id: winner.bid_id, agent_id: winner.agent_id, cycle, bundle: winner.bundle };
    const run = this.runs.get(winner.agent_id);
    if (run === undefined) {
      const queued = this.enqueue(lease);
      await this.pump();
      if (this.simulation !== null) await queued.ended;
      if (queued.state.is('queued') && this.simulation === null) return 'queued';
      return queued.execution === null ? 'failed' : 'launched';
    }
    switch (run.state.state) {
      case 'queued':
      case 'starting':
        // No process yet: the lease lengthens the run it will get, from when it gets it.
        run.leases.push(lease);
        return 'extended';
      case 'running':
        this.extendRunning(run, lease);
        return 'extended';
      case 'ending':
        run.leftover.push(lease);
        return 'queued';
      case 'ended':
        invariant(false, `ended run of ${run.agent_id} is still listed`);
    }
  }

  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops the world's runs: queued leases stay owed in the journal; running ones get
   * `grace_ms` to end on their own, then are stopped, and a stopped run's unused lease is
   * given back to its agent (it is the host's doing, not the agent's).
   */
  async shutdown(grace_ms: number): Promise<void> {
    // Pending leases keep their timers: a run still going in the grace period may begin one.
    this.stopping = true;
    for (const run of this.queue.clear()) this.forget(run);
    const all = () => Promise.all([...this.runs.values()].map((r) => r.ended));
    const deadline = new Promise((resolve) => setTimeout(resolve, grace_ms).unref());
    await Promise.race([all(), deadline]);
    this.killing = true;
    await Promise.all([...this.runs.values()].map((run) => run.handle?.stop('world stopping')));
    await all();
    rmSync(this.socket_dir, { recursive: true, force: true });
  }

  // ---- the queue ----------------------------------------------------------------------

  private enqueue(lease: Lease): Run {
    const existing = this.runs.get(lease.agent_id);
    if (existing !== undefined) {
      invariant(existing.state.is('queued', 'starting'), `agent ${lease.agent_id} already has a ${existing.state.state} run`);
      existing.leases.push(lease);
      return existing;
    }
    let settle!: () => void;
    const ended = new Promise<void>((resolve) => (settle = resolve));
    const run: Run = {
      agent_id: lease.agent_id,
      state: new RunStateMachine(lease.agent_id),
      leases: [lease],
      execution: null,
      handle: null,
      channel: null,
      next: null,
      leftover: [],
      ended,
      settle,
    };
    this.runs.set(lease.agent_id, run);
    this.queue.push(run);
    return run;
  }

  /**
   * Launches queued runs while slots are free, in batches of orchestrator.launch_batch_max
   * (one under --simulate): a batch's executions are journaled together, then each run's
   * sandbox starts. Resolves once those launches are up or failed.
   */
  private async pump(): Promise<void> {
    const launches: Promise<void>[] = [];
    const slots = this.simulation !== null ? 1 : this.world.config.orchestrator.runs_concurrent_max;
    const batch_max = this.simulation !== null ? 1 : this.world.config.orchestrator.launch_batch_max;
    const free = () => !this.stopping && this.queue.size > 0 && this.running < slots;
    while (free()) {
      const batch: { run: Run; lease: Lease }[] = [];
      while (batch.length < batch_max && free()) {
        const run = this.queue.shift()!;
        const lease = run.leases.shift();
        invariant(lease !== undefined, `queued run of ${run.agent_id} holds a lease`);
        run.state.to('starting');
        batch.push({ run, lease });
      }
      this.journalStarts(batch);
      for (const { run } of batch) launches.push(this.launch(run));
    }
    await Promise.all(launches);
  }

  /**
   * Journals a batch's executions in one transaction (group commit): the same events, in
   * the same order, as one command each, with one commit. A start refused (an AgoraError)
   * wrote nothing and the others stand. Anything else rolls the whole batch back, and each
   * start is then tried on its own, as if there had been no batch.
   */
  private journalStarts(batch: readonly { run: Run; lease: Lease }[]): void {
    if (batch.length > 1) {
      try {
        this.world.kernel.core.batch({ actor: 'system:loop' }, () => {
          for (const { run, lease } of batch) this.journalStart(run, lease);
        });
        return;
      } catch (err) {
        this.log.error({ err, runs: batch.length }, 'a batch of run starts was rolled back; starting them one by one');
        for (const { run } of batch) run.execution = null;
      }
    }
    for (const { run, lease } of batch) this.journalStart(run, lease);
  }

  private journalStart(run: Run, lease: Lease): void {
    try {
      // The lease starts now, at launch: not at the clearing that won it.
      run.execution = this.world.kernel.executions.start(
        {
          agent_id: run.agent_id,
          bid_id: lease.id,
          cycle: lease.cycle,
          bundle: lease.bundle,
          // From the start event's own time: a clock read here could be a millisecond earlier.
          lease_duration_ms: lease.bundle.duration_s * 1000,
        },
        { actor: 'system:loop', causation_id: lease.id },
      );
    } catch (err) {
      this.log.error({ err, lease_id: lease.id, agent_id: run.agent_id }, 'could not start execution');
      run.execution = null;
    }
  }

  /** A queued run that will not run in this process (the world stops); its leases stay owed. */
  private forget(run: Run): void {
    run.state.expect('forget', 'queued');
    this.runs.delete(run.agent_id);
    run.settle();
    this.afterRunEnded();
  }

  // ---- one run ------------------------------------------------------------------------

  /** A journaled run (or one whose start failed: it ends at once) goes to its sandbox. */
  private async launch(run: Run): Promise<void> {
    const execution = run.execution;
    if (execution === null) {
      this.end(run, null);
      return;
    }
    const debug = this.debug_agent === run.agent_id ? { inspect_port: this.world.config.orchestrator.debug_inspect_port } : null;
    if (debug !== null) this.debug_agent = null;
    const started = await startSandbox(this.ctx, execution, debug);
    run.channel = started.channel;
    if (!started.ok) {
      this.end(run, started.outcome);
      return;
    }
    run.handle = started.handle;
    run.state.to('running');
    void started.handle.done.then((result) => this.end(run, outcomeOf(result)));
    // Leases won while it waited or started: each extends the run from where the last ends.
    for (const won of run.leases.splice(0)) this.extendRunning(run, won);
    if (this.killing) void started.handle.stop('world stopping');
  }

  /** Continuous execution: the next lease starts where the current one ends. */
  private extendRunning(run: Run, lease: Lease): void {
    run.state.expect('extend', 'running');
    const handle = run.handle!;
    if (run.next !== null) this.beginNextLease(run);
    const now_world_ms = this.world.kernel.clock.now_ms();
    const starts_world_ms = Math.max(run.execution!.lease_ends_at_ms, now_world_ms);
    const lease_ends_at_ms = starts_world_ms + lease.bundle.duration_s * 1000;
    // The process may run on into the new lease: its deadline moves now, the journal at the start.
    handle.extend(leaseEndWallMs(this.ctx, lease_ends_at_ms));
    run.next = { ...lease, lease_ends_at_ms, timer: setTimeout(() => this.beginNextLease(run), starts_world_ms - now_world_ms) };
  }

  /** The current lease is over and the process still runs: the pending lease is now its. */
  private beginNextLease(run: Run): void {
    const next = run.next;
    if (next === null || !run.state.is('running')) return;
    clearTimeout(next.timer);
    run.next = null;
    try {
      // Ends where extendRunning() promised the process, not from the moment this timer fired.
      run.execution = this.world.kernel.executions.extendLease(
        { execution_id: run.execution!.id, bid_id: next.id, cycle: next.cycle, bundle: next.bundle, lease_ends_at_ms: next.lease_ends_at_ms },
        { actor: 'system:loop', causation_id: next.id },
      );
      writeRunEnv(this.ctx, run.execution);
    } catch (err) {
      this.log.error({ err, execution_id: run.execution!.id, lease_id: next.id }, 'could not extend a lease');
    }
  }

  /** The run is over (or never started): journal why, free its slot, requeue leases it never used. */
  private end(run: Run, measured: ExecutionOutcome | null): void {
    run.state.to('ending');
    const outcome = measured !== null && this.simulation !== null ? quantizeOutcome(measured, this.simulation) : measured;
    const unused: Lease[] = [...run.leases.splice(0)];
    if (run.next !== null) {
      clearTimeout(run.next.timer);
      const { lease_ends_at_ms: _ends, timer: _timer, ...lease } = run.next;
      unused.push(lease);
      run.next = null;
    }
    if (run.execution === null || outcome === null) return this.finishEnd(run, unused);
    // Whether the host stopped it is decided now, not when the end is journaled.
    // A lost run (a remote one no runner host could finish) is the host's doing too: its lease is given back.
    const interrupted = (this.stopping && outcome.reason === 'stopped') || outcome.reason === 'lost';
    const ending: Ending = { run, execution: run.execution, outcome, unused, interrupted_at_ms: interrupted ? this.world.kernel.clock.now_ms() : null };
    if (this.simulation !== null) return this.journalEnds([ending]);
    // Runs that end close together (in one turn of the event loop) are journaled together.
    this.ending.push(ending);
    if (this.ending.length === 1) setImmediate(() => this.journalEnds(this.ending.splice(0)));
  }

  /**
   * Journals ends in batches of orchestrator.launch_batch_max, one transaction each: each
   * run's end then its workspace's record, in the order the runs ended, as one command each
   * would. A crash mid-batch leaves none of them, and those runs are recovered as lost at the
   * next start. A batch that fails as a whole is rolled back and recorded command by command.
   */
  private journalEnds(endings: readonly Ending[]): void {
    const batch_max = this.world.config.orchestrator.launch_batch_max;
    for (let i = 0; i < endings.length; i += batch_max) {
      const batch = endings.slice(i, i + batch_max);
      try {
        this.world.kernel.core.batch({ actor: 'system:loop' }, () => {
          for (const ending of batch) this.recordEnd(ending);
        });
      } catch (err) {
        this.log.error({ err, runs: batch.length }, 'a batch of run ends was rolled back; recording them one by one');
        for (const ending of batch) this.recordEnd(ending);
      }
      // Their slots are freed together, then filled together (one launch batch, not one each).
      for (const { run, unused } of batch) this.finishEnd(run, unused, false);
      this.afterRunEnded();
    }
  }

  /** The run's outcome is journaled (or there was none to journal): free its slot. */
  private finishEnd(run: Run, unused: Lease[], refill = true): void {
    run.channel?.close();
    run.state.to('ended');
    this.runs.delete(run.agent_id);
    unused.push(...run.leftover.splice(0));
    // Leases it won and never used are still owed: they are the agent's next run (or, when the
    // world stops, the journal keeps them for the next start).
    if (!this.stopping) for (const lease of unused) this.enqueue(lease);
    run.settle();
    if (refill) this.afterRunEnded();
  }

  /** Journals why a run ended, then records its workspace (history.snapshots). */
  private recordEnd({ execution, outcome, interrupted_at_ms }: Ending): void {
    try {
      if (interrupted_at_ms !== null) {
        // The host stopped it: its unused lease is the agent's, given back for the next start.
        this.world.kernel.executions.interrupt(execution.id, outcome, { reason: outcome.reason === 'lost' ? 'lost' : 'stopped', interrupted_at_ms }, { actor: 'system:loop' });
      } else {
        this.world.kernel.executions.end(execution.id, outcome, { actor: 'system:loop' });
      }
    } catch (err) {
      this.log.error({ err, execution_id: execution.id }, 'could not record the end of a run');
    }
    recordRunWorkspace(this.world, execution, this.log);
  }

  private afterRunEnded(): void {
    void this.pump();
    if (this.runs.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
