// `agora start`: opens or creates the world, serves the API and dashboard, and (once the
// orchestrator exists) runs the world loop until interrupted.
import type { Command } from 'commander';
import { startApi } from '../api/start.js';
import { openWorld } from '../orchestrator/open-world.js';
import { loadCliConfig, positiveInt, type GlobalOptions } from './main.js';

interface StartOptions {
  port?: number;
  host?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('open (or create) the world and serve the API and dashboard')
    .option('-p, --port <port>', 'TCP port (overrides server.port)', (v) => (v === '0' ? 0 : positiveInt(v)))
    .option('--host <address>', 'listen address (overrides server.host)')
    .action(async (options: StartOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & StartOptions>();
      const config = loadCliConfig(globals);
      const world = openWorld({ dir: globals.world, config });
      const api = await startApi(world, { port: options.port, host: options.host });
      world.log.info({ component: 'cli', url: api.url }, 'world started');
      process.stdout.write(
        [
          `Agora world ${world.kernel.worldId()} ${world.created ? '(new)' : '(reopened)'} at ${world.paths.dir}`,
          `dashboard:      ${api.url}/`,
          `api docs:       ${api.url}/docs`,
          `operator token: ${world.operator_token}`,
          `logs:           ${world.paths.log}`,
          '',
        ].join('\n'),
      );
      await waitForSignal();
      process.stdout.write('stopping...\n');
      await api.close();
      world.close();
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
