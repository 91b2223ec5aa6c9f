// `agora start`: opens or creates the world, serves the API and dashboard, and runs the
// world loop until interrupted (or for --cycles N; --simulate runs them on a virtual clock
// as fast as the runs allow).
import type { Command } from 'commander';
import { startApi } from '../api/start.js';
import { VirtualClock } from '../kernel/clock.js';
import { openWorld } from '../orchestrator/open-world.js';
import { WorldLoop } from '../orchestrator/world-loop.js';
import { createRunner } from '../sandbox/runner.js';
import { loadCliConfig, positiveInt, type GlobalOptions } from './main.js';
import { forgetApiUrl, recordApiUrl } from './running-world.js';

interface StartOptions {
  port?: number;
  host?: string;
  cycles?: number;
  simulate?: boolean;
  seed?: number;
  debug?: string;
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
    .action(async (options: StartOptions, command: Command) => {
      // Signals are taken from the start: one that arrives while the world is still opening
      // must stop it cleanly, not kill it half-way.
      let loop: WorldLoop | null = null;
      let stop_requested = false;
      const requestStop = () => {
        stop_requested = true;
        void loop?.stop();
      };
      process.once('SIGINT', requestStop);
      process.once('SIGTERM', requestStop);
      const globals = command.optsWithGlobals<GlobalOptions & StartOptions>();
      const config = loadCliConfig(globals);
      const clock = options.simulate ? new VirtualClock() : undefined;
      const world = openWorld({ dir: globals.world, config, clock, seed: options.seed });
      const runner = await createRunner(config, world.log).catch((err: unknown) => {
        world.close();
        throw err;
      });
      if (runner.isolation === 'none') {
        process.stderr.write('\n*** WARNING: sandbox.runner is "process": agents run with NO isolation, with your rights. Development only. ***\n\n');
      }
      const api = await startApi(world, { port: options.port, host: options.host });
      recordApiUrl(world.paths.dir, api.url); // `agora reward` writes through this process
      world.log.info({ component: 'cli', url: api.url, runner: runner.kind }, 'world started');
      process.stdout.write(
        [
          `Agora world ${world.kernel.worldId()} ${world.created ? '(new)' : '(reopened)'} at ${world.paths.dir}`,
          `dashboard:      ${api.url}/`,
          `api docs:       ${api.url}/docs`,
          `operator token: ${world.operator_token}`,
          `sandbox:        ${runner.kind}${options.simulate ? ', simulation (virtual clock)' : ''}`,
          `logs:           ${world.paths.log}`,
          '',
        ].join('\n'),
      );
      loop = new WorldLoop(world, api, runner, {
        cycles: options.cycles,
        virtual_clock: clock,
        debug_agent: options.debug,
        onCycle: (r) => {
          if (options.cycles !== undefined || options.simulate) {
            process.stdout.write(`cycle ${r.cycle}: ${r.winners} won, ${r.launched} launched, ${r.extended} extended${r.dormant.length ? `, dormant ${r.dormant.join(' ')}` : ''}${r.died.length ? `, died ${r.died.join(' ')}` : ''}\n`);
          }
        },
      });
      if (!stop_requested) await loop.run();
      process.stdout.write('stopping...\n');
      await loop.stop();
      await runner.close();
      forgetApiUrl(world.paths.dir, api.url);
      await api.close();
      world.close();
    });
}
