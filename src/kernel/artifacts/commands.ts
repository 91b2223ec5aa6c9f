// The artifacts' commands: publish, update (optimistic concurrency), read (paid), transfer,
// delete (tombstone), subscribe, storage fees; and the seam the invoker uses: resolveForCall,
// checkAccess and the calls (calls.ts). Rules and limits are in docs/artifacts.md.
import { SYSTEM_BURN } from '../ledger/accounts.js';
import type { KernelCore } from '../registry.js';
import type { CommandMeta, Tx } from '../registry.js';
import { AgoraError, invariant } from '../../base/errors.js';
import type { Posting } from '../ledger/events.js';
import { creditsToMicro } from '../ledger/money.js';
import { createHash } from 'node:crypto';
import type { Market } from '../market/commands.js';
import type { ArtifactBytes } from '../../store/artifact-bytes.js';
import { accessOf, type AccessDecision } from './access.js';
import { ArtifactCalls, type BeginCallInput, type BegunCall, type SettledCall } from './calls.js';
import { DEFAULT_CONTRACT, kernelContract, type Action } from './contracts.js';
import { LOAN_CLAIM_MEDIA_TYPE, SERVICE_OWNER, type ArtifactInterface, type VersionRecord } from './events.js';
import { ArtifactReads } from './reads.js';
import { artifactView, versionView, type ArtifactRow, type ArtifactView, type ResolvedVersion, type VersionRow, type VersionView } from './rows.js';

export type { ResolvedVersion } from './rows.js';
import { checkMetadata, checkVersion, fileNameLimits, type ArtifactKind, type CheckedVersion, type MetadataInput, type VersionInput } from './validate.js';

export interface PublishInput extends MetadataInput, VersionInput {
  owner_id: string;
  kind: ArtifactKind;
}

/**
 * An executable contract's allow, as the host ran it for a data route (ContractRunner) and
 * journaled it. Good only for that contract at that version: if the artifact's contract or its
 * version changed before the command, the command denies (nothing is cached across versions).
 */
export interface ContractApproval {
  contract_id: string;
  version: number;
}

export interface UpdateInput extends MetadataInput, VersionInput {
  by_id: string;
  artifact_id: string;
  /** The version this update replaces: it must still be the latest, or CONFLICT (409). */
  replaces_version: number;
  /** An executable contract's allow for this write (the host ran it). */
  approval?: ContractApproval;
}

export interface Published {
  artifact_id: string;
  version: number;
  content_hash: string;
  bytes: number;
  fee_ucr: number;
}

export interface ReadResult {
  artifact: ArtifactView;
  version: VersionView;
  price_ucr: number;
  /** A data or contract version's content. */
  content: Buffer | null;
  /** A bundle's files with their bytes. */
  files: { name: string; bytes: Buffer }[] | null;
}

const ARTIFACT_ID_LENGTH = 12;

export class Artifacts {
  readonly reads: ArtifactReads;
  readonly calls: ArtifactCalls;

  constructor(
    private readonly core: KernelCore,
    private readonly market: Market,
    readonly bytes: ArtifactBytes,
  ) {
    this.reads = new ArtifactReads(core, (artifact, caller_id, action) => this.accessFor(artifact, caller_id, action));
    this.calls = new ArtifactCalls(core, market, (input) => this.resolveForCall(input), (input) => this.checkAccess(input));
  }

  private get limits() {
    return this.core.config.artifacts;
  }

  publishFeeUcr(): number {
    return creditsToMicro(this.limits.publish_fee, 'artifacts.publish_fee');
  }

  /** What holding `bytes` costs per cycle: artifacts.storage_fee_per_mb_cycle per MB, rounded up. */
  storageFeeUcr(bytes: number): number {
    return Math.ceil(bytes / 1_000_000) * creditsToMicro(this.limits.storage_fee_per_mb_cycle, 'artifacts.storage_fee_per_mb_cycle');
  }

  // ---- reads ------------------------------------------------------------------------

  get(artifact_id: string): ArtifactView | null {
    const row = this.core.writer.get<ArtifactRow>('SELECT * FROM artifacts WHERE id = ?', artifact_id);
    return row === undefined ? null : artifactView(row);
  }

  /** A live artifact, or NOT_FOUND, or DELETED (410) with when. */
  requireLive(artifact_id: string): ArtifactView {
    const artifact = this.get(artifact_id);
    if (artifact === null) throw new AgoraError('NOT_FOUND', `no artifact ${artifact_id}`, { artifact_id });
    if (artifact.status === 'deleted') {
      throw new AgoraError('DELETED', `artifact ${artifact_id} was deleted`, { artifact_id, deleted_at_ms: artifact.deleted_at_ms, deleted_by: artifact.deleted_by });
    }
    return artifact;
  }

  version(artifact_id: string, version: number): VersionView | null {
    const row = this.core.writer.get<VersionRow>('SELECT * FROM artifact_versions WHERE artifact_id = ? AND version = ?', artifact_id, version);
    return row === undefined ? null : versionView(row);
  }

  private requireVersion(artifact: ArtifactView, version?: number): VersionView {
    const v = this.version(artifact.id, version ?? artifact.latest_version);
    if (v === null) throw new AgoraError('NOT_FOUND', `artifact ${artifact.id} has no version ${version}`, { artifact_id: artifact.id, version, latest_version: artifact.latest_version });
    return v;
  }

  /** Bytes the owner's live artifacts hold (every version), against its disk limit. */
  bytesHeldBy(owner_id: string): number {
    const row = this.core.writer.get<{ n: number | null }>("SELECT SUM(bytes_held) AS n FROM artifacts WHERE owner_id = ? AND status = 'live'", owner_id);
    return row?.n ?? 0;
  }

  // ---- the invoker's seam ---------------------------------------------------------------

  /** The version a call runs: NOT_FOUND, DELETED (410, with deleted_at_ms), or not executable (INVALID_ARGS). */
  resolveForCall(input: { artifact_id: string; version?: number }): ResolvedVersion {
    const artifact = this.requireLive(input.artifact_id);
    const version = this.requireVersion(artifact, input.version);
    if (!artifact.can_execute || version.entry === null || (artifact.kind !== 'code' && artifact.kind !== 'mcp_server')) {
      throw new AgoraError('INVALID_ARGS', `artifact ${artifact.id} is ${artifact.kind}, not code: it has no tools to call`, { artifact_id: artifact.id });
    }
    return { artifact, version, bundle: { dir: this.bytes.bundleDir(version.content_hash), entry: version.entry } };
  }

  /**
   * May `caller_id` do `action` to the artifact? A deleted artifact throws DELETED; a missing,
   * deleted or unreadable contract denies; an executable contract is returned for the invoker
   * to run (then recordContractDecision).
   */
  checkAccess(input: { caller_id: string; action: Action; artifact_id: string }): AccessDecision {
    const artifact = this.requireLive(input.artifact_id);
    return this.accessFor(artifact, input.caller_id, input.action);
  }

  private accessFor(artifact: Pick<ArtifactRow, 'id' | 'owner_id' | 'access_contract_id'>, caller_id: string, action: Action): AccessDecision {
    return accessOf(this.core, this.bytes, artifact, caller_id, action);
  }

  /** The call commands, on the facade as ARTIFACTS-CONTRACT.md names them (calls.ts holds them). */
  beginCall(input: BeginCallInput, meta: CommandMeta): BegunCall {
    return this.calls.beginCall(input, meta);
  }

  settleCall(input: Parameters<ArtifactCalls['settleCall']>[0], meta: CommandMeta): SettledCall {
    return this.calls.settleCall(input, meta);
  }

  failCall(input: Parameters<ArtifactCalls['failCall']>[0], meta: CommandMeta): { call_id: string; refund_ucr: number } {
    return this.calls.failCall(input, meta);
  }

  recordContractDecision(input: Parameters<ArtifactCalls['recordContractDecision']>[0], meta: CommandMeta): void {
    this.calls.recordContractDecision(input, meta);
  }

  /**
   * An executable contract lets a data command through only with an approval for exactly that
   * contract and version (the host ran it first: ContractRunner); without one it denies (fail closed).
   */
  private requireAllowed(artifact: ArtifactView, caller_id: string, action: Action, approval?: ContractApproval): void {
    const decision = this.accessFor(artifact, caller_id, action);
    if ('executable' in decision) {
      const ex = decision.executable;
      if (approval !== undefined && approval.contract_id === ex.contract_id && approval.version === ex.version) return;
      throw new AgoraError('ACCESS_DENIED', `artifact ${artifact.id} is guarded by executable contract ${ex.contract_id}, which did not allow this ${action} (it was not run, or it changed since)`, { artifact_id: artifact.id, action, contract_id: ex.contract_id });
    }
    if (!decision.allow) throw new AgoraError('ACCESS_DENIED', `${action} of ${artifact.id} denied: ${decision.reason}`, { artifact_id: artifact.id, action });
  }

  // ---- commands -------------------------------------------------------------------------

  /**
   * Agora's own services as genesis artifacts (docs/artifacts.md, "Agora's own services"): each
   * one absent from the directory is registered, owned by system:agora, every tool free. Its
   * code is the host's, so it holds no bytes and pays no storage; it moves no money.
   */
  registerServices(services: readonly { artifact_id: string; name: string; description: string; tags: string[]; interface: ArtifactInterface; kind?: 'mcp_server' }[], meta: CommandMeta = { actor: SERVICE_OWNER }): number {
    const missing = services.filter((s) => this.get(s.artifact_id) === null);
    if (missing.length === 0) return 0;
    this.core.command(meta, (tx) => {
      for (const s of missing) {
        if (this.get(s.artifact_id) !== null) continue;
        // Host services are free; a genesis MCP server (kind mcp_server) is priced by config, its earnings burned.
        invariant(s.kind === 'mcp_server' || s.interface.tools.every((t) => t.pricing.kind === 'fixed' && t.pricing.price_ucr === 0), "Agora's services are free");
        const content_hash = createHash('sha256').update(JSON.stringify(s.interface)).digest('hex');
        tx.emit('artifact_service_registered', {
          artifact_id: s.artifact_id,
          owner_id: SERVICE_OWNER,
          ...(s.kind !== undefined ? { kind: s.kind } : {}),
          name: s.name,
          description: s.description,
          tags: s.tags,
          first: { version: 1, content_hash, bytes: 0, media_type: null, files: [], entry: 'host', interface: s.interface },
        });
      }
    });
    return missing.length;
  }

  publish(input: PublishInput, meta: CommandMeta): Published {
    checkMetadata(input, this.limits, true);
    const checked = checkVersion(input.kind, input, this.limits);
    refuseClaimMediaType(checked.media_type);
    const fee_ucr = this.publishFeeUcr();
    const access_contract_id = input.access_contract_id ?? DEFAULT_CONTRACT;
    // Checked before any byte is written, and again inside the command.
    const precheck = () => {
      this.requireAgent(input.owner_id);
      this.checkContractId(access_contract_id);
      this.checkRoom(input.owner_id, checked.bytes);
      const balance = this.balance(input.owner_id);
      if (balance < fee_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance} µcr; publishing costs ${fee_ucr} µcr (artifacts.publish_fee)`, { balance_ucr: balance, fee_ucr });
    };
    precheck();
    const record = this.store(checked, 1);
    return this.core.command(meta, (tx) => {
      precheck();
      const artifact_id = this.newArtifactId();
      const postings: Posting[] = fee_ucr > 0 ? [{ from: input.owner_id, to: SYSTEM_BURN, amount_ucr: fee_ucr, kind: 'fee', memo: `publish ${artifact_id}` }] : [];
      tx.emit('artifact_published', {
        artifact_id,
        owner_id: input.owner_id,
        created_by: input.owner_id,
        kind: input.kind,
        name: input.name!,
        description: input.description ?? '',
        tags: input.tags ?? [],
        access_contract_id,
        price_read_ucr: input.price_read_ucr ?? 0,
        can_execute: record.entry !== null,
        first: record,
        fee_ucr,
        postings,
      });
      return { artifact_id, version: 1, content_hash: record.content_hash, bytes: record.bytes, fee_ucr };
    });
  }

  /** A new version: by the owner or a writer its contract allows, naming the version it replaces. */
  update(input: UpdateInput, meta: CommandMeta): Published {
    checkMetadata(input, this.limits, false);
    const current = this.requireLive(input.artifact_id);
    this.refuseLoanClaim(current.id, 'updated');
    const checked = checkVersion(current.kind, input, this.limits);
    refuseClaimMediaType(checked.media_type);
    const precheck = () => {
      this.requireAgent(input.by_id);
      const artifact = this.requireLive(input.artifact_id);
      this.requireAllowed(artifact, input.by_id, 'write', input.approval);
      if (artifact.latest_version !== input.replaces_version) {
        throw new AgoraError('CONFLICT', `artifact ${artifact.id} is at version ${artifact.latest_version}; this update replaces ${input.replaces_version} (read it again and retry)`, {
          artifact_id: artifact.id,
          latest_version: artifact.latest_version,
          replaces_version: input.replaces_version,
        });
      }
      if (artifact.latest_version >= this.limits.versions_max) throw new AgoraError('CONFLICT', `artifact ${artifact.id} has ${this.limits.versions_max} versions, the most allowed (artifacts.versions_max)`);
      // Only the owner changes who may access it or what reading costs.
      if (input.by_id !== artifact.owner_id && (input.access_contract_id !== undefined || input.price_read_ucr !== undefined || input.name !== undefined)) {
        throw new AgoraError('ACCESS_DENIED', 'only the owner may change the name, price or access contract', { artifact_id: artifact.id });
      }
      if (input.access_contract_id !== undefined) this.checkContractId(input.access_contract_id);
      this.checkRoom(artifact.owner_id, checked.bytes);
      return artifact;
    };
    precheck();
    const record = this.store(checked, input.replaces_version + 1);
    return this.core.command(meta, (tx) => {
      const artifact = precheck();
      tx.emit('artifact_updated', {
        artifact_id: artifact.id,
        by_id: input.by_id,
        replaces_version: input.replaces_version,
        name: input.name ?? artifact.name,
        description: input.description ?? artifact.description,
        tags: input.tags ?? artifact.tags,
        access_contract_id: input.access_contract_id ?? artifact.access_contract_id,
        price_read_ucr: input.price_read_ucr ?? artifact.price_read_ucr,
        added: record,
      });
      return { artifact_id: artifact.id, version: record.version, content_hash: record.content_hash, bytes: record.bytes, fee_ucr: 0 };
    });
  }

  /** Reads a version's content or files, charging the per-read price to a reader who is not the owner. */
  read(input: { reader_id: string; artifact_id: string; version?: number; approval?: ContractApproval }, meta: CommandMeta): ReadResult {
    const result = this.core.command(meta, (tx) => {
      this.requireAgent(input.reader_id);
      const artifact = this.requireLive(input.artifact_id);
      this.requireAllowed(artifact, input.reader_id, 'read', input.approval);
      const version = this.requireVersion(artifact, input.version);
      const price_ucr = input.reader_id === artifact.owner_id ? 0 : artifact.price_read_ucr;
      if (price_ucr > 0) {
        const balance = this.balance(input.reader_id);
        if (balance < price_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `balance is ${balance} µcr; reading ${artifact.id} costs ${price_ucr} µcr`, { balance_ucr: balance, price_ucr });
        if (this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', artifact.owner_id)?.status === 'dead') {
          throw new AgoraError('DELETED', `the owner of ${artifact.id} is dead; a paid read would pay no one`, { artifact_id: artifact.id });
        }
      }
      const postings: Posting[] = price_ucr > 0 ? [{ from: input.reader_id, to: artifact.owner_id, amount_ucr: price_ucr, kind: 'transfer', memo: `read ${artifact.id} v${version.version}` }] : [];
      tx.emit('artifact_read', { artifact_id: artifact.id, version: version.version, reader_id: input.reader_id, price_ucr, postings });
      return { artifact, version, price_ucr };
    });
    const { version } = result;
    if (version.entry === null) return { ...result, content: this.bytes.readContent(version.content_hash), files: null };
    const files = (version.files ?? []).map((f) => ({ name: f.name, bytes: this.bytes.readBundleFile(version.content_hash, f.name, fileNameLimits(this.limits)) }));
    return { ...result, content: null, files };
  }

  transfer(input: { by_id: string; artifact_id: string; to_id: string }, meta: CommandMeta): ArtifactView {
    return this.core.command(meta, (tx) => {
      const artifact = this.requireLive(input.artifact_id);
      if (artifact.owner_id !== input.by_id) throw new AgoraError('ACCESS_DENIED', `only the owner of ${artifact.id} may transfer it`, { artifact_id: artifact.id });
      if (input.to_id === input.by_id) throw new AgoraError('INVALID_ARGS', 'the artifact is already yours');
      const to = this.requireAgent(input.to_id);
      if (to === 'dead') throw new AgoraError('DELETED', `agent ${input.to_id} is dead`);
      this.checkRoom(input.to_id, artifact.bytes_held);
      tx.emit('artifact_transferred', { artifact_id: artifact.id, from_id: input.by_id, to_id: input.to_id });
      return this.get(artifact.id)!;
    });
  }

  /** Leaves a tombstone: the id stays taken, reads and calls answer DELETED, storage stops. */
  delete(input: { by_id: string; artifact_id: string }, meta: CommandMeta): ArtifactView {
    return this.core.command(meta, (tx) => {
      const artifact = this.requireLive(input.artifact_id);
      if (artifact.owner_id !== input.by_id) throw new AgoraError('ACCESS_DENIED', `only the owner of ${artifact.id} may delete it`, { artifact_id: artifact.id });
      this.refuseLoanClaim(artifact.id, 'deleted');
      const open = this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM artifact_calls WHERE artifact_id = ? AND status = 'open'", artifact.id)!.n;
      if (open > 0) throw new AgoraError('CONFLICT', `artifact ${artifact.id} has ${open} call(s) in flight; delete it when they end`, { artifact_id: artifact.id, open_calls: open }, 1);
      tx.emit('artifact_deleted', { artifact_id: artifact.id, by_id: input.by_id, bytes_freed: artifact.bytes_held });
      return this.get(artifact.id)!;
    });
  }

  subscribe(input: { agent_id: string; artifact_id: string; subscribed: boolean }, meta: CommandMeta): { subscribed: boolean; subscriptions: number } {
    return this.core.command(meta, (tx) => {
      this.requireAgent(input.agent_id);
      const count = () => this.core.writer.get<{ n: number }>('SELECT COUNT(*) AS n FROM artifact_subscriptions WHERE agent_id = ?', input.agent_id)!.n;
      const exists = this.core.writer.get('SELECT 1 FROM artifact_subscriptions WHERE agent_id = ? AND artifact_id = ?', input.agent_id, input.artifact_id) !== undefined;
      if (input.subscribed) {
        const artifact = this.requireLive(input.artifact_id);
        this.requireAllowed(artifact, input.agent_id, 'discover');
        if (!exists && count() >= this.limits.subscriptions_max) throw new AgoraError('CONFLICT', `at most ${this.limits.subscriptions_max} subscriptions (artifacts.subscriptions_max)`);
      } else if (this.get(input.artifact_id) === null) {
        throw new AgoraError('NOT_FOUND', `no artifact ${input.artifact_id}`);
      }
      if (exists !== input.subscribed) {
        tx.emit('artifact_subscribed', { agent_id: input.agent_id, artifact_id: input.artifact_id, subscribed: input.subscribed, news_max: this.limits.news_per_agent_max });
      }
      return { subscribed: input.subscribed, subscriptions: count() };
    });
  }

  /**
   * Storage fees for one clearing: each owner pays artifacts.storage_fee_per_mb_cycle per MB
   * (rounded up) its live versions hold, burned; one who cannot pay is charged what it has.
   */
  chargeStorage(cycle: number, meta: CommandMeta = { actor: 'system:artifacts' }): { charged_ucr: number; owners: number } {
    if (this.storageFeeUcr(1) === 0) return { charged_ucr: 0, owners: 0 };
    return this.core.command(meta, (tx) => {
      const rows = this.core.writer.all<{ owner_id: string; bytes: number; balance_ucr: number }>(
        `SELECT a.owner_id, SUM(a.bytes_held) AS bytes, acc.balance_ucr FROM artifacts a JOIN accounts acc ON acc.id = a.owner_id
         JOIN agents g ON g.id = a.owner_id
         WHERE a.status = 'live' AND g.status <> 'dead' GROUP BY a.owner_id, acc.balance_ucr HAVING SUM(a.bytes_held) > 0 ORDER BY a.owner_id`,
      );
      const charges = rows.map((r) => {
        const owed_ucr = this.storageFeeUcr(r.bytes);
        return { owner_id: r.owner_id, bytes: r.bytes, owed_ucr, paid_ucr: Math.min(owed_ucr, r.balance_ucr) };
      });
      if (charges.length === 0) return { charged_ucr: 0, owners: 0 };
      const postings: Posting[] = charges
        .filter((c) => c.paid_ucr > 0)
        .map((c) => ({ from: c.owner_id, to: SYSTEM_BURN, amount_ucr: c.paid_ucr, kind: 'fee' as const, memo: `storage cycle ${cycle}` }));
      tx.emit('artifact_storage_charged', { cycle, charges, postings });
      return { charged_ucr: charges.reduce((s, c) => s + c.paid_ucr, 0), owners: charges.length };
    });
  }

  /** Is this artifact a loan's claim (published by the trade domain, docs/trade.md)? */
  isLoanClaim(artifact_id: string): boolean {
    return this.core.writer.get('SELECT 1 FROM artifact_versions WHERE artifact_id = ? AND version = 1 AND media_type = ?', artifact_id, LOAN_CLAIM_MEDIA_TYPE) !== undefined;
  }

  /**
   * A loan's claim as an artifact, in the loan's acceptance command (the trade domain calls it):
   * a public contract artifact owned by the lender, its content the loan's terms. No fee and no
   * bytes held: it is the kernel's record of the loan, not the owner's storage. Its ownership
   * is the claim: whoever owns it is paid the repayments (trade projects artifact_transferred).
   */
  issueLoanClaim(tx: Tx, input: { owner_id: string; loan_id: string; terms: Record<string, string | number> }): string {
    const content_hash = this.bytes.putContent(Buffer.from(JSON.stringify({ loan_id: input.loan_id, ...input.terms })));
    const artifact_id = this.newArtifactId();
    tx.emit('artifact_published', {
      artifact_id,
      owner_id: input.owner_id,
      created_by: input.owner_id,
      kind: 'contract',
      name: `claim on ${input.loan_id}`,
      description: `The lender's claim on loan ${input.loan_id}: its owner receives the repayments. Sold as an offer of kind claim.`,
      tags: ['loan', 'claim'],
      access_contract_id: DEFAULT_CONTRACT,
      price_read_ucr: 0,
      can_execute: false,
      first: { version: 1, content_hash, bytes: 0, media_type: LOAN_CLAIM_MEDIA_TYPE, files: null, entry: null, interface: null },
      fee_ucr: 0,
      postings: [],
    });
    return artifact_id;
  }

  // ---- rules ----------------------------------------------------------------------------

  private refuseLoanClaim(artifact_id: string, what: string): void {
    if (this.isLoanClaim(artifact_id)) throw new AgoraError('INVALID_ARGS', `artifact ${artifact_id} is a loan's claim, the kernel's record of the loan: it is not ${what}`, { artifact_id });
  }

  private newArtifactId(): string {
    for (;;) {
      const id = `art-${this.core.rng.id('', ARTIFACT_ID_LENGTH).slice(1)}`;
      // One namespace with agents: an id taken by either is never drawn again.
      if (this.get(id) === null && this.core.writer.get('SELECT 1 FROM agents WHERE id = ?', id) === undefined) return id;
    }
  }

  private requireAgent(agent_id: string): string {
    const row = this.core.writer.get<{ status: string }>('SELECT status FROM agents WHERE id = ?', agent_id);
    if (row === undefined) throw new AgoraError('NOT_FOUND', `no agent ${agent_id}`, { agent_id });
    if (row.status === 'dead') throw new AgoraError('DELETED', `agent ${agent_id} is dead`, { agent_id });
    return row.status;
  }

  private balance(agent_id: string): number {
    return this.core.writer.get<{ balance_ucr: number }>('SELECT balance_ucr FROM accounts WHERE id = ?', agent_id)?.balance_ucr ?? 0;
  }

  private checkContractId(contract_id: string): void {
    if (kernelContract(contract_id) !== null) return;
    const contract = this.get(contract_id);
    if (contract === null || contract.status !== 'live' || contract.kind !== 'contract' || this.isLoanClaim(contract_id)) {
      throw new AgoraError('INVALID_ARGS', `access_contract_id ${contract_id} is neither a kernel contract (kernel:public, kernel:private, kernel:owner-only, kernel:paid-read) nor a live contract artifact`, { field: 'access_contract_id' });
    }
  }

  /** The owner's disk limit (workspace.bytes_max) bounds the bytes its artifacts hold too. */
  private checkRoom(owner_id: string, adding_bytes: number): void {
    const max = this.core.config.workspace.bytes_max;
    const held = this.bytesHeldBy(owner_id);
    if (held + adding_bytes > max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `${owner_id}'s artifacts would hold ${held + adding_bytes} bytes; its disk limit is ${max} (workspace.bytes_max). Delete some first.`, { held_bytes: held, adding_bytes, bytes_max: max });
    }
  }

  /** Writes a checked version's bytes (content-addressed, idempotent) and returns its record. */
  private store(checked: CheckedVersion, version: number): VersionRecord {
    if (checked.content !== null) {
      const content_hash = this.bytes.putContent(checked.content);
      return { version, content_hash, bytes: checked.bytes, media_type: checked.media_type, files: null, entry: null, interface: null };
    }
    invariant(checked.files !== null && checked.entry !== null, 'a checked version holds content or a bundle');
    const bundle = this.bytes.putBundle(checked.entry, checked.files, fileNameLimits(this.limits));
    return { version, content_hash: bundle.hash, bytes: checked.bytes, media_type: null, files: bundle.files, entry: checked.entry, interface: checked.interface };
  }
}

/** Only the trade domain publishes loan claims: an agent's artifact of that media type would pass for one. */
function refuseClaimMediaType(media_type: string | null): void {
  if (media_type === LOAN_CLAIM_MEDIA_TYPE) throw new AgoraError('INVALID_ARGS', `media type ${LOAN_CLAIM_MEDIA_TYPE} is the kernel's, for loan claims`, { field: 'media_type' });
}
