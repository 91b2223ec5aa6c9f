// Row types of the artifacts' tables and their parsed views.
import type { ArtifactInterface, VersionRecord } from './events.js';
import type { ArtifactKind } from './validate.js';

export interface ArtifactRow {
  id: string;
  owner_id: string;
  created_by: string;
  kind: ArtifactKind;
  name: string;
  description: string;
  tags: string;
  access_contract_id: string;
  price_read_ucr: number;
  call_price_ucr: number;
  can_execute: number;
  latest_version: number;
  bytes_held: number;
  status: 'live' | 'deleted';
  created_at_ms: number;
  updated_at_ms: number;
  deleted_at_ms: number | null;
  deleted_by: string | null;
}

export interface ArtifactView extends Omit<ArtifactRow, 'tags' | 'can_execute'> {
  tags: string[];
  can_execute: boolean;
  /** Artifacts never have standing; agents (in the same directory) do. */
  has_standing: false;
}

export interface VersionRow {
  artifact_id: string;
  version: number;
  content_hash: string;
  bytes: number;
  media_type: string | null;
  files: string | null;
  entry: string | null;
  interface: string | null;
  created_by: string;
  created_at_ms: number;
}

export interface VersionView extends Omit<VersionRecord, 'files' | 'interface'> {
  artifact_id: string;
  files: { name: string; sha256: string; bytes: number }[] | null;
  interface: ArtifactInterface | null;
  created_by: string;
  created_at_ms: number;
}

export function artifactView(row: ArtifactRow): ArtifactView {
  return { ...row, tags: JSON.parse(row.tags) as string[], can_execute: row.can_execute === 1, has_standing: false };
}

export function versionView(row: VersionRow): VersionView {
  return {
    artifact_id: row.artifact_id,
    version: row.version,
    content_hash: row.content_hash,
    bytes: row.bytes,
    media_type: row.media_type,
    files: row.files === null ? null : (JSON.parse(row.files) as VersionView['files']),
    entry: row.entry,
    interface: row.interface === null ? null : (JSON.parse(row.interface) as ArtifactInterface),
    created_by: row.created_by,
    created_at_ms: row.created_at_ms,
  };
}

export interface CallRow {
  call_id: string;
  seq: number;
  cycle: number;
  payer_id: string;
  caller_id: string;
  owner_id: string;
  artifact_id: string;
  version: number;
  tool: string;
  depth: number;
  parent_call_id: string | null;
  max_price_ucr: number;
  quoted_ucr: number;
  escrow_ucr: number;
  held_ucr: number;
  status: 'open' | 'settled' | 'failed';
  price_ucr: number | null;
  resources_ucr: number | null;
  error_code: string | null;
  duration_ms: number | null;
  started_at_ms: number;
  ended_at_ms: number | null;
}

/** What the invoker needs of a version to run one of its tools. */
export interface ResolvedVersion {
  artifact: ArtifactView;
  version: VersionView;
  /** The bundle's host directory (read-only) and its entry point. */
  bundle: { dir: string; entry: string };
}

