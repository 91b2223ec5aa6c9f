// `agora start`: opens (or creates) the world and owns it (the world's lock), serves the API
// and dashboard, and runs the world loop until interrupted (or for --cycles N; --simulate runs
// them on a virtual clock as fast as the runs allow). A start that fails exits at once and
// leaves no world it created behind; a stop takes at most orchestrator.stop_timeout_ms.
import type { Command } from 'commander';
import { startApi, type RunningApi } from '../api/start.js';
import type { Config } from '../config/schema.js';
import { VirtualClock } from '../kernel/engine/clock.js';
import { AgoraError } from '../base/errors.js';
import { openWorld, type World } from '../orchestrator/open-world.js';
import { WorldLoop } from '../orchestrator/world-loop.js';
import { type Runner } from '../sandbox/runner.js';
import { createRunner } from '../sandbox/create-runner.js';
import { describeMissing, howToInstall, missingPackages } from '../sandbox/system-deps.js';
import { loadCliConfig, positiveInt, type GlobalOptions } from './options.js';
import { forgetApiUrl, recordApiUrl } from './running-world.js';
import { fitStopBound, takeStopSignals } from './stop-bound.js';
import { addScenarioAgents, loadScenario, type LoadedScenario } from '../research/scenario.js';
import { startTraces } from '../telemetry/traces.js';
import { startEventStream, startRunDispatch, type RunningDispatch, type RunningEventStream } from '../nats/start.js';

interface StartOptions {
  port?: number;
  host?: string;
  cycles?: number;
  simulate?: boolean;
  seed?: number;
  debug?: string;
  scenario?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('open (or create) the world, serve the API and dashboard, run the world loop')
    .option('-p, --port <port>', 'TCP port (overrides server.port)', (v) => (v === '0' ? 0 : positiveInt(v)))
    .option('--host <address>', 'listen address (overrides server.host)')
    .option('--cycles <n>', 'run this many cycles, then exit', positiveInt)
    .option('--simulate', 'simulation mode: a virtual clock, cycles back to back (each waits for its runs)')
    .option('--seed <n>', 'random seed of a new world (ids, mutations); default from the OS', (v) => (v === '0' ? 0 : positiveInt(v)))
    .option('--debug <agent>', "open the inspector on this agent's next run (see docs/agents.md)")
    .option('--scenario <file>', 'run the world a scenario file declares: its config, seed, agents and cycles (docs/research.md)')
    .action(async (options: StartOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & StartOptions>();
      // Checks that need no world come first: a bad config or a missing sandbox creates nothing.
      const base_config = loadCliConfig(globals);
      // A scenario declares the world: its config over agora.yaml's, its seed, cycles and clock, unless the flags say otherwise.
      const scenario: LoadedScenario | null = options.scenario === undefined ? null : loadScenario(options.scenario, base_config);
      if (scenario !== null) {
        options.cycles ??= scenario.scenario.cycles;
        options.seed ??= scenario.scenario.seed;
        if (scenario.scenario.clock === 'simulated') options.simulate = true;
      }
      const { config, cut_from_ms } = fitStopBound(scenario?.config ?? base_config);
      requireSandboxPackages(config);
      const signals = takeStopSignals(config.orchestrator.stop_timeout_ms);
      let world: World | null = null;
      let runner: Runner | null = null;
      let api: RunningApi | null = null;
      let events: RunningEventStream | null = null;
      let dispatch: RunningDispatch | null = null;
      let loop: WorldLoop | null = null;
      signals.onBound = () => {
        process.stderr.write(`agora: the stop took longer than orchestrator.stop_timeout_ms (${config.orchestrator.stop_timeout_ms} ms); exiting\n`);
        if (world !== null) recordRunsStopped(world);
        process.exit(1);
      };
      const clock = options.simulate ? new VirtualClock() : undefined;
      try {
        world = openWorld({ dir: globals.world, config, clock, seed: options.seed, own: true });
        if (cut_from_ms !== null) {
          world.log.warn({ component: 'cli', shutdown_grace_ms: config.orchestrator.shutdown_grace_ms, configured_ms: cut_from_ms }, 'orchestrator.shutdown_grace_ms cut to fit orchestrator.stop_timeout_ms');
        }
        // A new world gets the scenario's agents (a reopened one has them already).
        if (scenario !== null && world.created) await addScenarioAgents(world, scenario);
        runner = await createRunner(config, world.log);
        // Before the API: with events.kind nats its live stream reads the JetStream stream.
        events = await startEventStream(world.kernel, config, world.log); // null unless events.kind is nats
        api = await startApi(world, { port: options.port, host: options.host, ...(events !== null ? { live_events: events.live } : {}) });
        recordApiUrl(world.paths.dir, api.url); // `agora reward` writes through this process
        world.lock?.describe(api.url); // named to a second `agora start`, which it refuses
        dispatch = await startRunDispatch(world.kernel, config, world.log); // null unless events.nats.dispatch_runs
      } catch (err) {
        // A failed start exits at once and leaves nothing half-made: no runs, no port, no new world.
        signals.dispose();
        await dispatch?.close();
        await events?.close();
        await runner?.close();
        await api?.close();
        world?.close({ discard: true });
        throw err;
      }
      if (runner.isolation === 'none') {
        process.stderr.write('\n*** WARNING: sandbox.runner is "process": agents run with NO isolation, with your rights. Development only. ***\n\n');
      }
      world.log.info({ component: 'cli', url: api.url, runner: runner.kind }, 'world started');
      process.stdout.write(
        [
          `Agora world ${world.kernel.worldId()} ${world.created ? '(new)' : '(reopened)'} at ${world.paths.dir}`,
          `dashboard:      ${api.url}/`,
          `api docs:       ${api.url}/docs`,
          `operator token: ${world.operator_token}`,
          `sandbox:        ${dispatch !== null ? `runner hosts (NATS ${config.events.nats.runs_stream}); artifact calls on ${runner.kind}` : runner.kind}${options.simulate ? ', simulation (virtual clock)' : ''}`,
          `logs:           ${world.paths.log}`,
          '',
        ].join('\n'),
      );
      loop = new WorldLoop(world, api, runner, {
        cycles: options.cycles,
        virtual_clock: clock,
        deterministic: options.simulate === true,
        debug_agent: options.debug,
        executions_runner: dispatch?.runner,
        onCycle: (r) => {
          if (options.cycles !== undefined || options.simulate) {
            process.stdout.write(`cycle ${r.cycle}: ${r.winners} won, ${r.launched} launched, ${r.extended} extended${r.dormant.length ? `, dormant ${r.dormant.join(' ')}` : ''}${r.died.length ? `, died ${r.died.join(' ')}` : ''}\n`);
          }
        },
      });
      const running = loop;
      const traces = startTraces(world.kernel, config, world.log); // null unless telemetry.otlp_endpoint is set
      signals.onStop = () => void running.stop();
      try {
        if (!signals.requested) await loop.run();
      } finally {
        process.stdout.write('stopping...\n');
        await loop.stop();
        await traces?.close();
        await dispatch?.close();
        await events?.close();
        await runner.close();
        forgetApiUrl(world.paths.dir, api.url);
        await api.close();
        world.close();
        signals.dispose();
      }
    });
}

/** No sandbox can run without its system packages: say which, and the one command, before creating anything. */
function requireSandboxPackages(config: Config): void {
  if (config.sandbox.runner !== 'auto' && config.sandbox.runner !== 'bwrap') return;
  if (process.platform !== 'linux') return; // createRunner explains that bubblewrap needs Linux
  const missing = missingPackages('start', config);
  if (missing.length === 0) return;
  throw new AgoraError(
    'UNAVAILABLE',
    `no sandbox: missing system packages ${describeMissing(missing)}; ${howToInstall(missing)} (or set sandbox.runner to 'docker')`,
  );
}

/** The backstop: runs the polite stop did not see end are ended in the journal, as stopped by the host. */
function recordRunsStopped(world: World): void {
  try {
    for (const execution of world.kernel.executions.running()) {
      world.kernel.executions.end(
        execution.id,
        { reason: 'stopped', exit_code: null, signal: null, cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0, log_bytes: 0, log_truncated: false },
        { actor: 'system:loop' },
      );
    }
    world.close();
  } catch (err) {
    process.stderr.write(`agora: could not record the runs left: ${(err as Error).message}\n`);
  }
}
