// `agora runner --join URL --api URL`: a runner host (docs/deploy.md, "Runner hosts"). It
// opens no world: it takes runs from the NATS server at --join (the world's run queue), runs
// each in a sandbox of this machine (sandbox.runner, bwrap by default), forwards the agents'
// API calls to --api with each run's token, and reports outcomes, until SIGINT/SIGTERM. Its
// config (--config) must name the world's stream and subjects (events.nats) if not the defaults.
import type { Command } from 'commander';
import { AgoraError } from '../base/errors.js';
import { loadConfig } from '../config/load.js';
import { createSystemLog } from '../log/system-log.js';
import { connectNats, redacted } from '../nats/connect.js';
import { RunnerHost } from '../nats/runner-host.js';
import { createRunner } from '../sandbox/create-runner.js';
import type { GlobalOptions } from './options.js';

interface RunnerOptions {
  join: string;
  api: string;
  log?: string;
}

export function registerRunnerCommand(program: Command): void {
  program
    .command('runner')
    .description("a runner host: take the world's runs from its NATS run queue and run each in a bwrap sandbox here (events.nats.dispatch_runs)")
    .requiredOption('--join <url>', "the world's NATS server (nats://user:password@host:4222), overriding events.nats.url")
    .requiredOption('--api <url>', "the world's API as this host reaches it (http://host:port); agents' calls are forwarded there")
    .option('--log <file>', 'write the system log (pino JSON) to this file')
    .action(async (options: RunnerOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions & RunnerOptions>();
      const loaded = loadConfig(globals.config).config;
      let api: URL;
      try {
        api = new URL(options.api);
        if (api.protocol !== 'http:' && api.protocol !== 'https:') throw new Error('not http(s)');
      } catch {
        throw new AgoraError('INVALID_ARGS', `--api must be the world's http(s) URL, not ${JSON.stringify(options.api)}`);
      }
      const config = { ...loaded, events: { ...loaded.events, kind: 'nats' as const, nats: { ...loaded.events.nats, url: options.join } } };
      const system = createSystemLog(options.log ?? null, config.log.level);
      const log = system.logger;
      const runner = await createRunner(config, log);
      const nc = await connectNats(config.events.nats, 'agora-runner');
      const host = await RunnerHost.open(nc, config, runner, log, {
        api_url: api.toString(),
        onRun: (e) => process.stdout.write(`${e.event} ${e.execution_id} delivery ${e.delivery}${e.reason !== undefined ? ` ${e.reason}` : ''}\n`),
      });
      let stopping: Promise<void> | null = null;
      const stop = () => (stopping ??= host.stop());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      process.stdout.write(`runner ${host.id} joined ${redacted(config.events.nats.url)} (stream ${config.events.nats.runs_stream}), sandbox ${runner.kind}, api ${api.origin}\n`);
      try {
        await host.run();
        await stopping;
      } finally {
        await runner.close();
        await nc.drain().catch(() => nc.close()); // the server may be gone already
        system.close();
      }
    });
}
