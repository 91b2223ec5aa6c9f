// checkAccess: who may discover, read, invoke or write an artifact, decided by its access
// contract. Fails closed: a contract that is missing, deleted, not a contract, or unreadable
// denies. Nothing is cached: each check reads the contract's latest version, so a new version
// of a contract applies from the next check on.
import type { KernelCore } from '../registry.js';
import type { ArtifactBytes } from '../../store/artifact-bytes.js';
import { decide, kernelContract, parseContractDocument, type Action } from './contracts.js';
import type { ArtifactRow, VersionRow } from './rows.js';

export interface ExecutableContract {
  contract_id: string;
  version: number;
  /** Host directory of the contract's bundle (read-only) and its entry point. */
  bundle: { dir: string; entry: string };
}

export type AccessDecision = { allow: true } | { allow: false; reason: string } | { executable: ExecutableContract };

export function accessOf(core: KernelCore, bytes: ArtifactBytes, artifact: Pick<ArtifactRow, 'id' | 'owner_id' | 'access_contract_id'>, caller_id: string, action: Action): AccessDecision {
  // The owner may always use its own artifact; a contract governs everyone else.
  if (caller_id === artifact.owner_id) return { allow: true };
  const builtin = kernelContract(artifact.access_contract_id);
  if (builtin !== null) return verdict(decide(builtin, caller_id, action));
  const contract = core.writer.get<ArtifactRow>('SELECT * FROM artifacts WHERE id = ?', artifact.access_contract_id);
  if (contract === undefined) return { allow: false, reason: `its access contract ${artifact.access_contract_id} does not exist (fail closed)` };
  if (contract.status === 'deleted') return { allow: false, reason: `its access contract ${contract.id} was deleted (fail closed)` };
  if (contract.kind !== 'contract') return { allow: false, reason: `${contract.id} is not a contract (fail closed)` };
  const version = core.writer.get<VersionRow>('SELECT * FROM artifact_versions WHERE artifact_id = ? AND version = ?', contract.id, contract.latest_version);
  if (version === undefined) return { allow: false, reason: `contract ${contract.id} has no version (fail closed)` };
  if (version.entry !== null) {
    return { executable: { contract_id: contract.id, version: version.version, bundle: { dir: bytes.bundleDir(version.content_hash), entry: version.entry } } };
  }
  try {
    const doc = parseContractDocument(bytes.readContent(version.content_hash), core.config.artifacts.allow_list_max);
    return verdict(decide(doc, caller_id, action));
  } catch {
    return { allow: false, reason: `contract ${contract.id} could not be read (fail closed)` };
  }
}

function verdict(reason: string | null): AccessDecision {
  return reason === null ? { allow: true } : { allow: false, reason };
}
