// The world loop (DESIGN.md "The world loop"): every market.clearing_interval_s it clears the
// market (expire, clear, reprice: one kernel command), turns winning bids into runs or lease
// renewals, and reviews the lifecycle. Runs end on their own time; their outcome is recorded
// when they do. Nothing here writes state except through kernel commands.
import type { Logger } from 'pino';
import type { ApiPort } from './ports.js';
import type { ClearingResult, Winner } from '../kernel/market/commands.js';
import { reserveValueUcr, bundleFromNatural } from '../kernel/resources/units.js';
import type { Runner } from '../sandbox/runner.js';
import { inboxProvider } from './inbox.js';
import { Launcher } from './launcher.js';
import { Auditor } from './auditor.js';
import type { World } from './open-world.js';
import type { VirtualClock } from '../kernel/engine/clock.js';
import { simulationRule } from './simulation.js';

export interface CycleReport {
  cycle: number;
  winners: number;
  launched: number;
  extended: number;
  dormant: string[];
  woken: string[];
  died: string[];
  /**
   * The host's own time in each step of the cycle, wall ms (logged with the cycle; bench/scale
   * reads it). `launch` includes starting the winners' sandboxes, not their runs.
   */
  phases_ms: Record<CyclePhase, number>;
}

export type CyclePhase = 'expire_prompts' | 'clearing' | 'launch' | 'storage' | 'trade' | 'lifecycle' | 'kpis' | 'auditor' | 'cycle_hash';

export interface LoopOptions {
  /** Stop after this many cycles (undefined = until stop()). */
  cycles?: number;
  /**
   * Simulation: the world runs on a virtual clock, advanced by one interval per cycle, and
   * each cycle waits for its runs to end instead of sleeping, so it goes as fast as it can.
   */
  virtual_clock?: VirtualClock;
  /**
   * Deterministic simulation (`--simulate`, docs/replay.md): with the virtual clock, a cycle's
   * runs go one at a time in the clearing's order, and host measurements are quantized.
   */
  deterministic?: boolean;
  /** Run this agent's next execution with the inspector open. */
  debug_agent?: string;
  onCycle?: (report: CycleReport) => void;
  /**
   * Where executions run instead of the runner (runner hosts through NATS, a RemoteRunner);
   * artifact calls still run on the runner given to the constructor.
   */
  executions_runner?: Runner;
}

export class WorldLoop {
  readonly launcher: Launcher;
  private readonly log: Logger;
  private stopping = false;
  private wake: (() => void) | null = null;
  private cycles_run = 0;
  private readonly auditor: Auditor;

  constructor(
    private readonly world: World,
    api: ApiPort,
    runner: Runner,
    private readonly options: LoopOptions = {},
  ) {
    this.log = world.log.child({ component: 'orchestrator' });
    this.launcher = new Launcher(world, api, runner, this.log, options.debug_agent ?? null, options.executions_runner ?? runner);
    this.launcher.inbox = inboxProvider(world.kernel);
    this.auditor = new Auditor(world.kernel, this.log);
    if (options.deterministic === true && options.virtual_clock !== undefined) this.launcher.simulation = simulationRule(world.config);
  }

  get cyclesRun(): number {
    return this.cycles_run;
  }

  /** Runs cycles until `options.cycles` are done or stop() is called. */
  async run(): Promise<void> {
    const interval_ms = this.world.config.market.clearing_interval_s * 1000;
    // A simulated world reopened (or a fork) goes on from its journal's time, never back before it.
    const virtual = this.options.virtual_clock;
    const last_ms = this.world.kernel.executions.lastJournaledAtMs();
    if (virtual !== undefined && last_ms > virtual.now_ms()) virtual.set(last_ms + interval_ms);
    await this.launcher.recover();
    // Simulation: the genesis MCP servers' registration (listed in sandboxes, in the background
    // of a real-clock start) lands before the first cycle, at the same place in every run.
    if (virtual !== undefined) await this.world.invoker.genesisMcp;
    const started_wall_ms = Date.now();
    while (!this.stopping && (this.options.cycles === undefined || this.cycles_run < this.options.cycles)) {
      const report = await this.cycle();
      this.options.onCycle?.(report);
      if (this.options.virtual_clock !== undefined) {
        // Simulation: let this cycle's runs finish (their bids then count next cycle).
        await this.launcher.idle();
        this.options.virtual_clock.advance(interval_ms);
        continue;
      }
      const next_wall_ms = started_wall_ms + this.cycles_run * interval_ms;
      await this.sleep(Math.max(0, next_wall_ms - Date.now()));
    }
  }

  /** One cycle: clear, launch or extend winners, review the lifecycle. */
  async cycle(): Promise<CycleReport> {
    const kernel = this.world.kernel;
    const phases_ms = {} as Record<CyclePhase, number>;
    let mark = performance.now();
    const lap = (phase: CyclePhase) => {
      const now = performance.now();
      phases_ms[phase] = Math.round((now - mark) * 100) / 100;
      mark = now;
    };
    kernel.attention.expireDue({ actor: 'system:loop' }); // prompts past attention.prompt_ttl_s close, unrewarded
    lap('expire_prompts');
    const held_memory_mb = this.launcher.heldMemoryMb(kernel.clock.now_ms());
    const result: ClearingResult = kernel.market.clear({ actor: 'system:loop' }, { held: { memory: held_memory_mb } });
    lap('clearing');
    let launched = 0;
    let extended = 0;
    for (const outcome of await this.launcher.admitAll(result.winners, result.cycle)) {
      if (outcome === 'launched') launched++;
      if (outcome === 'extended') extended++;
    }
    lap('launch');
    // Storage is a priced resource: each clearing burns what the owners' artifact bytes cost.
    kernel.artifacts.chargeStorage(result.cycle, { actor: 'system:loop' });
    lap('storage');
    // Trade: offers past their expiry close, loans due are collected (docs/trade.md).
    kernel.trade.tick({ actor: 'system:loop' });
    lap('trade');
    const review = kernel.lifecycle.review({
      cycle: result.cycle,
      min_bundle_cost_ucr: this.minBundleCostUcr(),
      death_after_cycles: this.world.config.lifecycle.death_after_cycles,
    });
    lap('lifecycle');
    // The cycle's KPIs from the journal (docs/kpis.md), then the auditor's report when one is due.
    kernel.kpis.record(result.cycle);
    lap('kpis');
    await this.auditor.maybeReport(result.cycle);
    lap('auditor');
    // Last: the state the cycle left, hashed into the journal (agora replay checks it). Under
    // --simulate every run of the cycle has ended by now; otherwise runs still going carry on.
    kernel.history.closeCycle(result.cycle, { actor: 'system:loop' });
    lap('cycle_hash');
    this.cycles_run++;
    const report: CycleReport = { cycle: result.cycle, winners: result.winners.length, launched, extended, ...review, phases_ms };
    this.log.info({ ...report, prices_ncr: result.next_prices_ncr }, 'cycle');
    return report;
  }

  /** What the cheapest admissible bundle costs now: below it an agent cannot buy a run. */
  minBundleCostUcr(): number {
    const b = this.world.config.market.bundle;
    const cheapest = bundleFromNatural({ cpu: b.cpu_s_min, memory: b.memory_mb_min, tokens: 0, attention: 0, duration_s: b.duration_s_min });
    return reserveValueUcr(cheapest, this.world.kernel.market.prices());
  }

  /** Stops the loop, then the runs (after orchestrator.shutdown_grace_ms). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.launcher.shutdown(this.world.config.orchestrator.shutdown_grace_ms);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}

export type { Winner };
