// `agora runner --join URL` (docs/deploy.md, "Runner hosts"): takes runs from the world's NATS
// run queue and runs each in a sandbox of this host's own Runner (bwrap), with the same specs
// the world's local path uses. For each run it:
//   1. claims it from the world (which answers ENDED for a run whose end is journaled already:
//      acknowledged unrun, never run twice) and fetches the agent's workspace into a fresh
//      directory of its own (workspace/archive.ts: no link followed on either side);
//   2. runs it, with a unix socket in the sandbox forwarding the agent's API calls to the
//      world with the run's token (api-forward.ts), and reports working() to the queue so the
//      run is not handed to another host while it goes;
//   3. sends the changed workspace back, then reports the measured outcome inside
//      RunQueue.settle: the world answers once the end is journaled, and only then is the
//      queue message acknowledged. A host that dies before that loses the run to another
//      host after ack_wait_ms (or, past max_deliver, the world refunds it).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { AgoraError } from '../base/errors.js';
import type { Config } from '../config/schema.js';
import type { Runner, RunResult } from '../sandbox/runner.js';
import { packWorkspace, unpackWorkspace, type ArchiveLimits } from '../workspace/archive.js';
import { SafeDir } from '../workspace/safe-dir.js';
import { workspaceWalkLimits } from '../workspace/walk.js';
import { agentOwner } from '../workspace/workspace-store.js';
import { openForward } from './api-forward.js';
import { RunQueue, type TakenRun } from './run-queue.js';
import { controlSubject, decode, encode, queuedRunSchema, runSubject, runWordSchema, type ControlOp, type QueuedRun, type Reply } from './run-protocol.js';

export interface RunnerHostOptions {
  /** The world's API as this host reaches it (agents' calls are forwarded there). */
  api_url: string;
  /** Told of each run as it goes (the CLI prints these lines; tests wait on them). */
  onRun?: (event: { event: 'taken' | 'started' | 'reported' | 'ended_already' | 'refunded' | 'released'; execution_id: string; delivery: number; reason?: string }) => void;
}

export class RunnerHost {
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly active = new Set<Promise<void>>();
  private readonly nats: Config['events']['nats'];
  private readonly limits: ArchiveLimits;
  private readonly work_dir: string;
  private readonly socket_dir: string;
  private stopping = false;
  private readonly stops = new Set<() => void>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly queue: RunQueue<QueuedRun>,
    private readonly config: Config,
    private readonly runner: Runner,
    private readonly log: Logger,
    private readonly options: RunnerHostOptions,
  ) {
    this.nats = config.events.nats;
    this.limits = { ...workspaceWalkLimits(config.workspace), bytes_max: config.workspace.bytes_max };
    const configured = config.runner_host.work_dir;
    if (configured !== '') mkdirSync(configured, { recursive: true, mode: 0o711 });
    this.work_dir = mkdtempSync(join(configured !== '' ? configured : tmpdir(), 'agora-runner-'));
    this.socket_dir = runner.channelDir() ?? mkdtempSync(join(tmpdir(), 'agora-rsock-'));
  }

  static async open(nc: NatsConnection, config: Config, runner: Runner, log: Logger, options: RunnerHostOptions): Promise<RunnerHost> {
    const queue = await RunQueue.open<QueuedRun>(nc, config.events.nats);
    return new RunnerHost(nc, queue, config, runner, log.child({ component: 'runner-host' }), options);
  }

  get id(): string {
    return this.holder;
  }

  /** Takes and runs runs until stop(); at most runner_host.runs_concurrent_max at a time. */
  async run(): Promise<void> {
    while (!this.stopping) {
      if (this.active.size >= this.config.runner_host.runs_concurrent_max) {
        await Promise.race(this.active);
        continue;
      }
      let taken: TakenRun<QueuedRun> | null;
      try {
        taken = await this.queue.take(this.config.runner_host.take_wait_ms);
      } catch (err) {
        if (this.stopping) break;
        this.log.warn({ err }, 'could not take a run; trying again');
        await new Promise((resolve) => setTimeout(resolve, this.config.runner_host.take_wait_ms));
        continue;
      }
      if (taken === null) continue;
      if (this.stopping) {
        taken.release();
        break;
      }
      const going: Promise<void> = this.hold(taken).finally(() => this.active.delete(going));
      this.active.add(going);
    }
    await Promise.all(this.active);
  }

  /** Stops taking runs; runs going get runner_host.stop_timeout_ms, then are stopped (reported stopped). */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = Promise.all(this.active);
    const timer = setTimeout(() => {
      for (const stop of this.stops) stop();
    }, this.config.runner_host.stop_timeout_ms);
    await all;
    clearTimeout(timer);
    rmSync(this.work_dir, { recursive: true, force: true });
  }

  private async request(op: ControlOp, head: Record<string, unknown>, data?: Uint8Array): Promise<{ reply: Reply; data: Buffer }> {
    const msg = await this.nc.request(controlSubject(this.nats.control_subject, op), encode({ ...head, holder: this.holder }, data), { timeout: this.nats.request_timeout_ms });
    const decoded = decode(msg.data);
    return { reply: decoded.head as Reply, data: decoded.data };
  }

  private async hold(taken: TakenRun<QueuedRun>): Promise<void> {
    const parsed = queuedRunSchema.safeParse(taken.run);
    if (!parsed.success) {
      this.log.error({ issues: parsed.error.issues }, 'a queued run is not one this runner understands; acknowledged and dropped');
      await taken.settle(() => {});
      return;
    }
    const run = parsed.data;
    const id = run.execution_id;
    const tell = (event: Parameters<NonNullable<RunnerHostOptions['onRun']>>[0]['event'], reason?: string) => this.options.onRun?.({ event, execution_id: id, delivery: taken.delivery, reason });
    tell('taken');
    // Keeps the run ours while it goes: without it, it is handed to another host after ack_wait_ms.
    const heartbeat = setInterval(() => taken.working(), Math.max(50, Math.floor(this.nats.ack_wait_ms / 3)));
    const dir = join(this.work_dir, id.replace(/[^A-Za-z0-9_-]/g, '_'));
    let sub: Subscription | null = null;
    let forward: { close(): void } | null = null;
    let ran = false;
    try {
      const claim = await this.request('claim', { execution_id: id, delivery: taken.delivery });
      if (!claim.reply.ok) {
        if (claim.reply.code === 'ENDED') {
          tell('ended_already');
          await taken.settle(() => {});
          return;
        }
        throw new AgoraError('UNAVAILABLE', `the world refused the claim: ${claim.reply.message}`);
      }
      await this.fetchWorkspace(id, Number(claim.reply.archive_bytes), dir);
      const socket_path = join(this.socket_dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.sock`);
      forward = await openForward(socket_path, this.options.api_url, run.env.AGORA_TOKEN ?? '');
      const handle = await this.runner.start({
        execution_id: id,
        agent_id: run.agent_id,
        workspace_dir: dir,
        command: run.command,
        env: run.env,
        limits: { ...run.limits, wall_ms: Math.max(1, Number(claim.reply.deadline_wall_ms ?? run.deadline_wall_ms) - Date.now()) },
        api_socket_path: socket_path,
        api_url: null,
        log_path: join(this.work_dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.log`),
        debug: null,
      });
      tell('started');
      const stopMe = () => void handle.stop('the runner host is stopping');
      this.stops.add(stopMe);
      sub = this.nc.subscribe(runSubject(this.nats.control_subject, id), {
        callback: (err, msg) => {
          if (err !== null) return;
          const word = runWordSchema.safeParse(decode(msg.data).head);
          if (!word.success) return;
          if (word.data.op === 'extend') handle.extend(word.data.deadline_wall_ms);
          else void handle.stop(word.data.why);
        },
      });
      const result = await handle.done;
      this.stops.delete(stopMe);
      ran = true;
      await taken.settle(() => this.report(id, dir, result));
      tell('reported', result.reason);
    } catch (err) {
      if (ran) {
        // It ran: not given back at once. Once ack_wait_ms passes the queue hands it out again, and
        // the next holder's claim learns from the world whether its end was journaled meanwhile.
        this.log.warn({ err, execution_id: id, delivery: taken.delivery }, 'could not report a run; the queue hands it out again after ack_wait_ms');
        return;
      }
      this.log.warn({ err, execution_id: id, delivery: taken.delivery }, 'could not run a taken run');
      if (taken.final) {
        // Nobody gets it after us: the world refunds it (its lease given back), then it leaves the queue.
        try {
          await taken.settle(async () => {
            const refund = await this.request('refund', { execution_id: id, why: `the last runner host it was handed to could not run it: ${(err as Error).message}` });
            if (!refund.reply.ok && refund.reply.code !== 'ENDED') throw new Error(refund.reply.message);
          });
          tell('refunded');
        } catch (refund_err) {
          this.log.error({ err: refund_err, execution_id: id }, 'could not have a run refunded; the world refunds it at its lease end');
        }
      } else {
        taken.release();
        tell('released');
      }
    } finally {
      clearInterval(heartbeat);
      sub?.unsubscribe();
      forward?.close();
      this.removeWorkspace(dir);
    }
  }

  private async fetchWorkspace(id: string, total: number, dir: string): Promise<void> {
    const chunks: Buffer[] = [];
    let received = 0;
    while (received < total) {
      const { reply, data } = await this.request('fetch', { execution_id: id, offset: received });
      if (!reply.ok) throw new AgoraError('UNAVAILABLE', `the world refused the workspace: ${reply.message}`);
      if (data.length === 0) throw new AgoraError('UNAVAILABLE', `the workspace archive of ${id} ended at ${received} of ${total} bytes`);
      chunks.push(Buffer.from(data));
      received += data.length;
    }
    mkdirSync(dir, { mode: 0o700 });
    const owner = agentOwner(this.config.sandbox);
    SafeDir.with(dir, (root) => {
      if (owner !== null) root.chownSelf(owner);
    });
    unpackWorkspace(dir, Buffer.concat(chunks), this.limits, owner);
  }

  /** Sends the changed workspace, then the outcome; resolves once the world has journaled it. */
  private async report(id: string, dir: string, result: RunResult): Promise<void> {
    let archive: Buffer | null = null;
    try {
      archive = packWorkspace(dir, this.limits, agentOwner(this.config.sandbox)).archive;
    } catch (err) {
      this.log.warn({ err, execution_id: id }, 'the workspace the run left could not be packed; the world keeps the one it had');
    }
    if (archive !== null) {
      const chunk = this.nats.sync_chunk_bytes;
      for (let offset = 0; offset === 0 || offset < archive.length; offset += chunk) {
        const sent = await this.request('upload', { execution_id: id, offset, total: archive.length }, archive.subarray(offset, offset + chunk));
        if (!sent.reply.ok) throw new AgoraError('UNAVAILABLE', `the world refused the workspace: ${sent.reply.message}`);
        if (archive.length === 0) break;
      }
    }
    let log: Buffer | null = null;
    try {
      log = readFileSync(join(this.work_dir, `${id.replace(/[^A-Za-z0-9_-]/g, '_')}.log`)).subarray(0, this.config.sandbox.log_bytes_max);
    } catch {
      /* no log */
    }
    const reported = await this.request('report', { execution_id: id, result, ...(log === null ? {} : { log_base64: log.toString('base64') }) });
    // ENDED: the world ended it already (its lease ran out, or the world stopped it); INVALID_REPORT:
    // the world journaled it as lost. Either way its end is journaled: the message may go.
    if (!reported.reply.ok && reported.reply.code !== 'ENDED' && reported.reply.code !== 'INVALID_REPORT') throw new AgoraError('UNAVAILABLE', `the world refused the report: ${reported.reply.message}`);
  }

  private removeWorkspace(dir: string): void {
    try {
      SafeDir.with(this.work_dir, (root) => root.removeTree(dir.slice(this.work_dir.length + 1), this.limits.entries_max));
    } catch (err) {
      if ((err as AgoraError).code !== 'NOT_FOUND') this.log.warn({ err, dir }, 'could not remove a run workspace');
    }
    rmSync(`${dir}.log`, { force: true });
  }
}
