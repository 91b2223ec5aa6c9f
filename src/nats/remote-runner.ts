// The world's side of runner hosts (docs/deploy.md, "Runner hosts"): a Runner whose start()
// queues the journaled run on the NATS run queue instead of starting a sandbox here, and
// whose handle's `done` resolves when a runner host reports the measured outcome. The
// Launcher journals that outcome exactly as it journals a local run's; the report is answered
// only once the end is in the journal, and the runner host acknowledges the queue message only
// after that answer (RunQueue.settle), so a run leaves the queue only when its end is journaled.
// The kernel stays the only writer: runner hosts never touch the store.
//
// The world also serves each run's workspace (the store of record) to the runner that claims
// it, and takes back the changed workspace, both as archives checked through SafeDir
// (workspace/archive.ts). A report is checked (shape, then bounds: no more memory than the
// cgroup limit, no more wall time than since dispatch, no more CPU than that time on the
// cores it had) before it resolves the run.
import { writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { NatsConnection, Msg, Subscription } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { AgoraError } from '../base/errors.js';
import type { Config } from '../config/schema.js';
import { parseRunSpec, type RunHandle, type Runner, type RunResult, type RunSpec, type ValidRunSpec } from '../sandbox/runner.js';
import { packWorkspace, unpackWorkspace, type ArchiveLimits } from '../workspace/archive.js';
import { workspaceWalkLimits } from '../workspace/walk.js';
import { agentOwner } from '../workspace/workspace-store.js';
import { exhaustedRunSeq, maxDeliveriesSubject, RunQueue } from './run-queue.js';
import { claimSchema, controlSubject, decode, encode, fetchSchema, refundSchema, reportedResultSchema, reportSchema, runSubject, uploadSchema, type QueuedRun, type Reply } from './run-protocol.js';
import { z } from 'zod';

/** What the remote runner needs of the kernel: to know when a run's end is journaled. */
export interface JournaledEnds {
  subscribe(listener: () => void): () => void;
  /** True once the execution is no longer running in the journal (or is unknown). */
  hasEnded(execution_id: string): boolean;
}

interface Pending {
  spec: ValidRunSpec;
  dispatched_wall_ms: number;
  deadline_wall_ms: number;
  stream_seq: number | null;
  /** Who claimed it last (a redelivery's claim takes it over); null while it waits in the queue. */
  holder: string | null;
  archive: Buffer | null;
  upload: { total: number; chunks: Buffer[]; received: number } | null;
  settled: boolean;
  resolve: (result: RunResult) => void;
  done: Promise<RunResult>;
  watchdog: NodeJS.Timeout | null;
}

/** A run that ended without a runner's measurement: the host's doing, its lease given back. */
function unmeasured(reason: 'lost' | 'stopped' | 'spawn_failed', detail: string): RunResult {
  return { exit_code: null, signal: null, reason, detail, cpu_ms: 0, memory_peak_mb: 0, metering: 'rusage', wall_ms: 0, log_bytes: 0, log_truncated: false };
}

export class RemoteRunner implements Runner {
  readonly kind = 'remote' as const;
  readonly isolation = 'strong' as const;
  private readonly pending = new Map<string, Pending>();
  private readonly subs: Subscription[] = [];
  private readonly nats: Config['events']['nats'];
  private readonly limits: ArchiveLimits;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly queue: RunQueue<QueuedRun>,
    private readonly config: Config,
    private readonly journal: JournaledEnds,
    private readonly log: Logger,
  ) {
    this.nats = config.events.nats;
    this.limits = { ...workspaceWalkLimits(config.workspace), bytes_max: config.workspace.bytes_max };
  }

  static async open(nc: NatsConnection, config: Config, journal: JournaledEnds, log: Logger): Promise<RemoteRunner> {
    const queue = await RunQueue.open<QueuedRun>(nc, config.events.nats);
    const runner = new RemoteRunner(nc, queue, config, journal, log.child({ component: 'remote-runner' }));
    runner.serve();
    return runner;
  }

  workspacePathInside(): string {
    return '/workspace'; // runner hosts run bwrap, which shows the workspace there
  }

  channelDir(): string | null {
    return null;
  }

  async start(input: RunSpec): Promise<RunHandle> {
    const spec = parseRunSpec(input, this.config);
    if (this.pending.has(spec.execution_id)) throw new AgoraError('EXECUTION_ERROR', `execution ${spec.execution_id} is already dispatched`);
    let resolve!: (result: RunResult) => void;
    const done = new Promise<RunResult>((r) => (resolve = r));
    const now = Date.now();
    const pending: Pending = { spec, dispatched_wall_ms: now, deadline_wall_ms: now + spec.limits.wall_ms, stream_seq: null, holder: null, archive: null, upload: null, settled: false, resolve, done, watchdog: null };
    this.pending.set(spec.execution_id, pending);
    const run: QueuedRun = { execution_id: spec.execution_id, agent_id: spec.agent_id, command: spec.command, env: spec.env, limits: spec.limits, deadline_wall_ms: pending.deadline_wall_ms };
    try {
      pending.stream_seq = (await this.queue.dispatch(run)).stream_seq;
    } catch (err) {
      this.pending.delete(spec.execution_id);
      throw new AgoraError('EXECUTION_ERROR', `could not queue the run on NATS: ${(err as Error).message}`);
    }
    this.arm(pending);
    this.log.debug({ execution_id: spec.execution_id, stream_seq: pending.stream_seq }, 'run queued for runner hosts');
    return this.handle(pending);
  }

  async close(): Promise<void> {
    for (const pending of this.pending.values()) this.settle(pending, unmeasured('stopped', 'the world closed its runner'));
    for (const sub of this.subs.splice(0)) sub.unsubscribe();
  }

  // ---- the run's handle ---------------------------------------------------------------

  private handle(pending: Pending): RunHandle {
    const subject = runSubject(this.nats.control_subject, pending.spec.execution_id);
    return {
      execution_id: pending.spec.execution_id,
      pid: null,
      done: pending.done,
      get deadline_wall_ms() {
        return pending.deadline_wall_ms;
      },
      extend: (deadline_wall_ms) => {
        if (pending.settled) return false;
        pending.deadline_wall_ms = Math.max(pending.deadline_wall_ms, deadline_wall_ms);
        this.arm(pending);
        this.nc.publish(subject, encode({ op: 'extend', deadline_wall_ms: pending.deadline_wall_ms }));
        return true;
      },
      stop: async (why) => {
        if (pending.holder === null) {
          // Nobody holds it yet: it ends here, and a later claim is told so.
          this.settle(pending, unmeasured('stopped', why));
          return pending.done;
        }
        this.nc.publish(subject, encode({ op: 'stop', why }));
        // The holder reports `stopped`; if it cannot (gone), the run ends here after a while.
        const bound_ms = this.config.sandbox.grace_ms + this.nats.request_timeout_ms;
        const timer = setTimeout(() => this.settle(pending, unmeasured('stopped', `${why}; its runner host did not answer`)), bound_ms);
        timer.unref();
        const result = await pending.done;
        clearTimeout(timer);
        return result;
      },
    };
  }

  /**
   * Every legitimate holder has ended the run by its deadline plus the grace period (the
   * runner host holds it to the same deadline): past that and a request's time, nobody will
   * report, so the run is lost and its lease given back.
   */
  private arm(pending: Pending): void {
    if (pending.watchdog !== null) clearTimeout(pending.watchdog);
    const after_ms = Math.max(0, pending.deadline_wall_ms - Date.now()) + this.config.sandbox.grace_ms + 2 * this.nats.request_timeout_ms;
    pending.watchdog = setTimeout(() => this.settle(pending, unmeasured('lost', 'no runner host reported it by its lease end')), after_ms);
    pending.watchdog.unref();
  }

  private settle(pending: Pending, result: RunResult): boolean {
    if (pending.settled) return false;
    pending.settled = true;
    if (pending.watchdog !== null) clearTimeout(pending.watchdog);
    this.pending.delete(pending.spec.execution_id);
    pending.resolve(result);
    // A run that ends here, not by a holder's report, would stay in the queue: take it out once journaled.
    if (result.reason === 'lost' || (result.reason === 'stopped' && pending.holder === null)) void this.dropFromQueue(pending);
    return true;
  }

  private async dropFromQueue(pending: Pending): Promise<void> {
    if (pending.stream_seq === null) return;
    try {
      await this.journaled(pending.spec.execution_id);
      const jsm = await jetstreamManager(this.nc);
      await jsm.streams.deleteMessage(this.nats.runs_stream, pending.stream_seq, false);
    } catch (err) {
      // Still queued: a runner that takes it is told it ended (claim) and acknowledges it.
      this.log.debug({ err, execution_id: pending.spec.execution_id }, 'an ended run is still in the queue');
    }
  }

  /** Resolves once the kernel has journaled the execution's end. */
  private journaled(execution_id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let unsubscribe = () => {};
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new AgoraError('UNAVAILABLE', `the end of ${execution_id} was not journaled within ${this.nats.request_timeout_ms} ms`));
      }, this.nats.request_timeout_ms);
      const check = () => {
        if (!this.journal.hasEnded(execution_id)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      };
      unsubscribe = this.journal.subscribe(check);
      check();
    });
  }

  // ---- what runner hosts ask ----------------------------------------------------------

  private serve(): void {
    const on = (op: Parameters<typeof controlSubject>[1], answer: (head: unknown, data: Buffer) => Promise<Reply | { reply: Reply; data: Buffer }>) => {
      const sub = this.nc.subscribe(controlSubject(this.nats.control_subject, op), {
        callback: (err, msg) => {
          if (err !== null) return;
          void this.answer(msg, answer);
        },
      });
      this.subs.push(sub);
    };
    on('claim', async (head) => this.claim(claimSchema.parse(head)));
    on('fetch', async (head) => this.fetch(fetchSchema.parse(head)));
    on('upload', async (head, data) => this.upload(uploadSchema.parse(head), data));
    on('report', async (head) => this.report(reportSchema.parse(head)));
    on('refund', async (head) => this.refund(refundSchema.parse(head)));
    // The last holder allowed died too: JetStream says so (nats-server before 2.11 only once a runner
    // host asks for work; with none left, arm()'s watchdog ends it at its lease end), and the run is
    // refunded (its lease given back).
    const advisory = this.nc.subscribe(maxDeliveriesSubject(this.nats), {
      callback: (err, msg) => {
        if (err !== null) return;
        // A throw here would reach the NATS client's reader: whatever came is checked first.
        const seq = exhaustedRunSeq(this.nats, msg.data);
        if (seq === null) {
          this.log.warn({ subject: msg.subject }, 'a message on the max-deliveries advisory subject that is not one: ignored');
          return;
        }
        for (const pending of this.pending.values()) {
          if (pending.stream_seq === seq) this.settle(pending, unmeasured('lost', `every runner host it was handed to (max_deliver ${this.nats.max_deliver}) died or gave it back`));
        }
      },
    });
    this.subs.push(advisory);
  }

  private async answer(msg: Msg, answer: (head: unknown, data: Buffer) => Promise<Reply | { reply: Reply; data: Buffer }>): Promise<void> {
    let out: Uint8Array;
    try {
      const { head, data } = decode(msg.data);
      const answered = await answer(head, data);
      out = 'reply' in answered ? encode((answered as { reply: Reply }).reply, (answered as { data: Buffer }).data) : encode(answered);
    } catch (err) {
      if (err instanceof z.ZodError) {
        out = encode({ ok: false, code: 'INVALID_ARGS', message: `malformed request: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
      } else {
        const known = err instanceof AgoraError;
        if (!known) this.log.error({ err, subject: msg.subject }, 'a runner host request failed');
        out = encode({ ok: false, code: known ? err.code : 'INTERNAL', message: known ? err.message : 'the world could not answer' });
      }
    }
    msg.respond(out);
  }

  private held(execution_id: string, holder: string): Pending | Reply {
    const pending = this.pending.get(execution_id);
    if (pending === undefined) return { ok: false, code: 'ENDED', message: `execution ${execution_id} has ended or is not this world's` };
    if (pending.holder !== holder) return { ok: false, code: 'NOT_HOLDER', message: `execution ${execution_id} is held by another runner host` };
    return pending;
  }

  private async claim(claim: { execution_id: string; holder: string; delivery: number }): Promise<Reply> {
    const pending = this.pending.get(claim.execution_id);
    if (pending === undefined || this.journal.hasEnded(claim.execution_id)) return { ok: false, code: 'ENDED', message: `execution ${claim.execution_id} has ended or is not this world's` };
    if (Date.now() >= pending.deadline_wall_ms) {
      this.settle(pending, unmeasured('lost', `handed to a runner host (delivery ${claim.delivery}) only after its lease ended`));
      return { ok: false, code: 'ENDED', message: 'its lease is over' };
    }
    try {
      pending.archive = packWorkspace(pending.spec.workspace_dir, this.limits, agentOwner(this.config.sandbox)).archive;
    } catch (err) {
      this.log.warn({ err, execution_id: claim.execution_id }, 'the workspace could not be packed for a runner host');
      this.settle(pending, unmeasured('spawn_failed', `the workspace could not be sent: ${(err as Error).message}`));
      return { ok: false, code: 'ENDED', message: 'its workspace could not be sent' };
    }
    if (pending.holder !== null) this.log.warn({ execution_id: claim.execution_id, was: pending.holder, now: claim.holder, delivery: claim.delivery }, 'run redelivered to another runner host');
    pending.holder = claim.holder;
    pending.upload = null;
    return { ok: true, archive_bytes: pending.archive.length, deadline_wall_ms: pending.deadline_wall_ms };
  }

  private async fetch(request: { execution_id: string; holder: string; offset: number }): Promise<Reply | { reply: Reply; data: Buffer }> {
    const pending = this.held(request.execution_id, request.holder);
    if ('ok' in pending) return pending;
    const archive = pending.archive ?? Buffer.alloc(0);
    return { reply: { ok: true, total: archive.length }, data: archive.subarray(request.offset, request.offset + this.nats.sync_chunk_bytes) };
  }

  private async upload(request: { execution_id: string; holder: string; offset: number; total: number }, data: Buffer): Promise<Reply> {
    const pending = this.held(request.execution_id, request.holder);
    if ('ok' in pending) return pending;
    // An archive's bound: its content in base64 and JSON, gzipped (never larger than that, plus slack).
    const total_max = Math.ceil(this.limits.bytes_max * 1.5) + this.limits.entries_max * 4096 + 65_536;
    if (request.total > total_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `a workspace archive of ${request.total} bytes is over ${total_max}`);
    if (request.offset === 0) pending.upload = { total: request.total, chunks: [], received: 0 };
    const upload = pending.upload;
    if (upload === null || request.offset !== upload.received || request.total !== upload.total || upload.received + data.length > upload.total) {
      throw new AgoraError('CONFLICT', `upload of ${request.execution_id}: chunk at ${request.offset} does not follow ${upload?.received ?? 0}`);
    }
    upload.chunks.push(Buffer.from(data));
    upload.received += data.length;
    return { ok: true, received: upload.received };
  }

  private async report(report: { execution_id: string; holder: string; result: unknown; log_base64?: string }): Promise<Reply> {
    const pending = this.held(report.execution_id, report.holder);
    if ('ok' in pending) return pending;
    const id = report.execution_id;
    const result = reportedResultSchema.safeParse(report.result);
    if (!result.success) {
      // Nothing measured can be trusted: the run ends as lost (its lease given back), its workspace as it was.
      const why = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      this.log.warn({ execution_id: id, holder: report.holder, why }, 'a runner host reported an outcome that is not one: the run is ended as lost');
      this.settle(pending, unmeasured('lost', `its runner host's report was refused: ${why}`));
      await this.journaled(id);
      return { ok: false, code: 'INVALID_REPORT', message: `the report was refused (${why}); the run is ended as lost` };
    }
    const upload = pending.upload;
    if (upload !== null && upload.received === upload.total) {
      try {
        // env.json is the world's (rewritten at each run's start): what the run left of it stays here.
        const written = unpackWorkspace(pending.spec.workspace_dir, Buffer.concat(upload.chunks), this.limits, agentOwner(this.config.sandbox), new Set(['env.json']));
        this.log.debug({ execution_id: id, ...written }, 'workspace synced back from the runner host');
      } catch (err) {
        // Nothing of it was written (the archive is checked whole first): the world keeps the workspace it had.
        this.log.warn({ err, execution_id: id }, 'the workspace a runner host sent back was refused');
      }
    } else {
      this.log.warn({ execution_id: id }, 'a runner host reported a run without its workspace: the world keeps the one it had');
    }
    if (report.log_base64 !== undefined) {
      const log = Buffer.from(report.log_base64, 'base64').subarray(0, pending.spec.limits.log_bytes_max);
      writeFileSync(pending.spec.log_path, log, { mode: 0o600 }); // a host path of the world's, never the agent's
    }
    this.settle(pending, this.bounded(pending, result.data));
    await this.journaled(id);
    return { ok: true };
  }

  private async refund(request: { execution_id: string; holder: string; why: string }): Promise<Reply> {
    const pending = this.held(request.execution_id, request.holder);
    if ('ok' in pending) return pending;
    this.settle(pending, unmeasured('lost', request.why));
    await this.journaled(request.execution_id);
    return { ok: true };
  }

  /** A reported measurement held to what could have happened; anything past it is cut and logged. */
  private bounded(pending: Pending, result: RunResult): RunResult {
    const wall_ms_max = Date.now() - pending.dispatched_wall_ms;
    const wall_ms = Math.min(result.wall_ms, wall_ms_max);
    const cpu_ms = Math.min(result.cpu_ms, Math.ceil(wall_ms * Math.max(1, pending.spec.limits.cpu_quota_cores)));
    const memory_peak_mb = Math.min(result.memory_peak_mb, pending.spec.limits.memory_mb);
    const log_bytes = Math.min(result.log_bytes, pending.spec.limits.log_bytes_max);
    if (wall_ms !== result.wall_ms || cpu_ms !== result.cpu_ms || memory_peak_mb !== result.memory_peak_mb || log_bytes !== result.log_bytes) {
      this.log.warn({ execution_id: pending.spec.execution_id, holder: pending.holder, reported: result, wall_ms, cpu_ms, memory_peak_mb }, 'a runner host reported more than the run could have used: cut to the bounds');
    }
    return { ...result, wall_ms, cpu_ms, memory_peak_mb, log_bytes };
  }
}
