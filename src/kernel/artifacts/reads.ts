// Discovery and the registry: search and list (filters, FTS5 full-text), info in one call,
// usage per artifact and version, and which artifacts handled a tool over a window of cycles.
// Every read shows only what the caller may see: metadata of artifacts its contract lets it
// discover, never content (content is never in these tables' text, nor in FTS).
import type { KernelCore } from '../registry.js';
import { storeKind } from '../../store/store.js';
import type { AccessDecision } from './access.js';
import type { Action } from './contracts.js';
import { artifactView, versionView, type ArtifactRow, type ArtifactView, type VersionRow, type VersionView } from './rows.js';

export interface SearchFilters {
  kind?: 'data' | 'code' | 'contract' | 'mcp_server' | 'agent';
  tag?: string;
  owner_id?: string;
  tool?: string;
  price_min_ucr?: number;
  price_max_ucr?: number;
  /** Full-text over name, description, tags and interface (FTS5 query syntax, quoted for safety). */
  q?: string;
  include_deleted?: boolean;
  /** Rows skipped (the cursor of the previous page). */
  offset?: number;
  limit: number;
}

export interface UsageStats {
  calls: number;
  successes: number;
  failures: Record<string, number>;
  distinct_callers: number;
  earned_ucr: number;
  median_duration_ms: number | null;
  in_flight: number;
}

export interface DirectoryAgent {
  kind: 'agent';
  id: string;
  has_standing: true;
  status: string;
  description: string;
  artifacts_owned: number;
}

export type DirectoryEntry = (ArtifactView & { successes: number }) | DirectoryAgent;

export interface SearchPage {
  entries: DirectoryEntry[];
  next_offset: number | null;
}

export interface ToolHandler {
  artifact_id: string;
  version: number;
  owner_id: string;
  name: string;
  successes: number;
  failures: number;
  earned_ucr: number;
  median_duration_ms: number | null;
}

type Access = (artifact: Pick<ArtifactRow, 'id' | 'owner_id' | 'access_contract_id'>, caller_id: string, action: Action) => AccessDecision;

/** Free text's words, at most 16, without double quotes (so no FTS5 operator or column filter gets through). */
function searchTerms(q: string): string[] {
  return q.split(/\s+/).map((t) => t.replace(/"/g, '')).filter((t) => t.length > 0).slice(0, 16);
}

/** An FTS5 query from free text: each word a quoted term, all of them required. */
export function ftsQuery(q: string): string | null {
  const terms = searchTerms(q);
  return terms.length === 0 ? null : terms.map((t) => `"${t}"`).join(' ');
}

// PostgreSQL has no fts5: artifacts_fts is a plain table there (store/sql-dialect.ts), searched
// by a text search over the same columns with the same rule: every word, as a phrase of whole
// tokens, in one of the columns, case ignored. 'simple' does no stemming or stop words, as
// fts5's default tokenizer; its parser differs at the edges (fts5 folds diacritics, 'simple'
// does not). No index: the table is scanned (one row per live artifact).
const POSTGRES_FTS_COLUMNS = ['name', 'description', 'tags', 'interface'];
function postgresTextSearch(terms: string[]): { clause: string; params: string[] } {
  const term = (c: string) => `to_tsvector('simple', COALESCE(f.${c}, '')) @@ phraseto_tsquery('simple', ?)`;
  const each = terms.map(() => `(${POSTGRES_FTS_COLUMNS.map(term).join(' OR ')})`);
  return {
    clause: `a.id IN (SELECT f.artifact_id FROM artifacts_fts f WHERE ${each.join(' AND ')})`,
    params: terms.flatMap((t) => POSTGRES_FTS_COLUMNS.map(() => t)),
  };
}

const SCAN_BATCH = 200;

export class ArtifactReads {
  constructor(
    private readonly core: KernelCore,
    private readonly access: Access,
  ) {}

  /** May the caller see the artifact listed (its metadata)? The operator (null) sees everything. */
  visible(row: Pick<ArtifactRow, 'id' | 'owner_id' | 'access_contract_id'>, caller_id: string | null): boolean {
    if (caller_id === null) return true;
    const d = this.access(row, caller_id, 'discover');
    // Discovery is metadata only; an executable contract governs read, invoke and write.
    return 'executable' in d || d.allow;
  }

  /**
   * The directory, ranked: most verified successes (settled calls, all time) first, then the
   * lower call price, then the most recently updated, then the id (docs/artifacts.md).
   * Agents (kind agent) follow the artifacts when kind is absent or `agent`.
   */
  search(filters: SearchFilters, caller_id: string | null): SearchPage {
    const offset = filters.offset ?? 0;
    const entries: DirectoryEntry[] = [];
    let scanned = offset;
    if (filters.kind !== 'agent') {
      for (;;) {
        const rows = this.rankedArtifacts(filters, scanned, SCAN_BATCH);
        for (const row of rows) {
          scanned++;
          if (!this.visible(row, caller_id)) continue;
          entries.push({ ...artifactView(row), successes: row.successes });
          if (entries.length === filters.limit) return { entries, next_offset: scanned };
        }
        if (rows.length < SCAN_BATCH) break;
      }
    }
    const agents_wanted = filters.kind === undefined || filters.kind === 'agent';
    const artifact_filters_only = filters.tool !== undefined || filters.tag !== undefined || filters.price_min_ucr !== undefined || filters.price_max_ucr !== undefined;
    if (!agents_wanted || artifact_filters_only) return { entries, next_offset: null };
    // The artifacts are exhausted: `scanned` is now their count plus the agents earlier pages showed.
    const artifact_count = filters.kind === 'agent' ? 0 : this.countArtifacts(filters);
    const agent_offset = Math.max(0, scanned - artifact_count);
    const room = filters.limit - entries.length;
    const like = filters.q === undefined ? null : `%${filters.q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    const agents = this.core.writer.all<{ id: string; status: string; description: string; owned: number }>(
      `SELECT a.id, a.status, a.description, (SELECT COUNT(*) FROM artifacts x WHERE x.owner_id = a.id AND x.status = 'live') AS owned
       FROM agents a WHERE a.status <> 'dead' AND (? IS NULL OR a.id = ?) AND (? IS NULL OR a.description LIKE ? ESCAPE '\\' OR a.id LIKE ? ESCAPE '\\')
       ORDER BY owned DESC, a.id LIMIT ? OFFSET ?`,
      filters.owner_id ?? null, filters.owner_id ?? null, like, like, like, room + 1, agent_offset,
    );
    for (const a of agents.slice(0, room)) {
      entries.push({ kind: 'agent', id: a.id, has_standing: true, status: a.status, description: a.description, artifacts_owned: a.owned });
    }
    return { entries, next_offset: agents.length > room ? artifact_count + agent_offset + room : null };
  }

  private where(filters: SearchFilters): { sql: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filters.include_deleted !== true) clauses.push("a.status = 'live'");
    if (filters.kind !== undefined && filters.kind !== 'agent') {
      clauses.push('a.kind = ?');
      params.push(filters.kind);
    }
    if (filters.owner_id !== undefined) {
      clauses.push('a.owner_id = ?');
      params.push(filters.owner_id);
    }
    if (filters.tag !== undefined) {
      clauses.push('EXISTS (SELECT 1 FROM json_each(a.tags) t WHERE t.value = ?)');
      params.push(filters.tag);
    }
    if (filters.tool !== undefined) {
      clauses.push('EXISTS (SELECT 1 FROM artifact_tools t WHERE t.artifact_id = a.id AND t.version = a.latest_version AND t.tool = ?)');
      params.push(filters.tool);
    }
    if (filters.price_min_ucr !== undefined) {
      clauses.push('a.call_price_ucr >= ?');
      params.push(filters.price_min_ucr);
    }
    if (filters.price_max_ucr !== undefined) {
      clauses.push('a.call_price_ucr <= ?');
      params.push(filters.price_max_ucr);
    }
    const fts = filters.q === undefined ? null : ftsQuery(filters.q);
    if (fts !== null && storeKind(this.core.writer.db) === 'postgres') {
      const search = postgresTextSearch(searchTerms(filters.q!));
      clauses.push(search.clause);
      params.push(...search.params);
    } else if (fts !== null) {
      clauses.push('a.id IN (SELECT artifact_id FROM artifacts_fts WHERE artifacts_fts MATCH ?)');
      params.push(fts);
    }
    return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, params };
  }

  private rankedArtifacts(filters: SearchFilters, offset: number, limit: number): (ArtifactRow & { successes: number })[] {
    const { sql, params } = this.where(filters);
    return this.core.writer.all<ArtifactRow & { successes: number }>(
      `SELECT a.*, (SELECT COUNT(*) FROM artifact_calls c WHERE c.artifact_id = a.id AND c.status = 'settled') AS successes
       FROM artifacts a ${sql}
       ORDER BY successes DESC, a.call_price_ucr ASC, a.updated_at_ms DESC, a.id ASC LIMIT ? OFFSET ?`,
      ...params, limit, offset,
    );
  }

  private countArtifacts(filters: SearchFilters): number {
    const { sql, params } = this.where(filters);
    return this.core.writer.get<{ n: number }>(`SELECT COUNT(*) AS n FROM artifacts a ${sql}`, ...params)!.n;
  }

  versions(artifact_id: string, limit: number): VersionView[] {
    return this.core.writer
      .all<VersionRow>('SELECT * FROM artifact_versions WHERE artifact_id = ? ORDER BY version DESC LIMIT ?', artifact_id, limit)
      .map(versionView);
  }

  /**
   * An artifact's all-time calls, successes and earnings: what env.json tells its owner on every
   * run. One pass over the artifact's calls by index, without usage()'s distinct callers and
   * median (a sort of every call it ever had, per owned artifact, per run).
   */
  callTotals(artifact_id: string): { calls: number; successes: number; earned_ucr: number } {
    const row = this.core.writer.get<{ calls: number; successes: number | null; earned: number | null }>(
      `SELECT COUNT(*) AS calls, SUM(status = 'settled') AS successes, SUM(CASE WHEN status = 'settled' THEN price_ucr ELSE 0 END) AS earned
       FROM artifact_calls WHERE artifact_id = ?`,
      artifact_id,
    )!;
    return { calls: row.calls, successes: row.successes ?? 0, earned_ucr: row.earned ?? 0 };
  }

  /** Usage of an artifact (or one version of it), optionally over cycles [from_cycle, to_cycle]. */
  usage(artifact_id: string, options: { version?: number; from_cycle?: number; to_cycle?: number } = {}): UsageStats {
    const where = `artifact_id = ? AND (? IS NULL OR version = ?) AND cycle >= ? AND cycle <= ?`;
    const params = [artifact_id, options.version ?? null, options.version ?? null, options.from_cycle ?? 0, options.to_cycle ?? Number.MAX_SAFE_INTEGER];
    const totals = this.core.writer.get<{ calls: number; successes: number; callers: number; earned: number | null; in_flight: number }>(
      `SELECT COUNT(*) AS calls, SUM(status = 'settled') AS successes, COUNT(DISTINCT caller_id) AS callers,
         SUM(CASE WHEN status = 'settled' THEN price_ucr ELSE 0 END) AS earned, SUM(status = 'open') AS in_flight
       FROM artifact_calls WHERE ${where}`,
      ...params,
    )!;
    const failures: Record<string, number> = {};
    for (const row of this.core.writer.all<{ error_code: string; n: number }>(`SELECT error_code, COUNT(*) AS n FROM artifact_calls WHERE ${where} AND status = 'failed' GROUP BY error_code ORDER BY error_code`, ...params)) {
      failures[row.error_code] = row.n;
    }
    return {
      calls: totals.calls,
      successes: totals.successes ?? 0,
      failures,
      distinct_callers: totals.callers,
      earned_ucr: totals.earned ?? 0,
      median_duration_ms: this.median(`SELECT duration_ms FROM artifact_calls WHERE ${where} AND status <> 'open' ORDER BY duration_ms`, params),
      in_flight: totals.in_flight ?? 0,
    };
  }

  /** Which artifacts (and versions) handled `tool` over cycles [from_cycle, to_cycle], most successes first. */
  toolHandlers(tool: string, from_cycle: number, to_cycle: number, caller_id: string | null, limit: number): ToolHandler[] {
    const rows = this.core.writer.all<ArtifactRow & { version: number; successes: number; failures: number; earned: number }>(
      `SELECT a.*, c.version, SUM(c.status = 'settled') AS successes, SUM(c.status = 'failed') AS failures,
         SUM(CASE WHEN c.status = 'settled' THEN c.price_ucr ELSE 0 END) AS earned
       FROM artifact_calls c JOIN artifacts a ON a.id = c.artifact_id
       WHERE c.tool = ? AND c.cycle >= ? AND c.cycle <= ? AND c.status <> 'open'
       GROUP BY a.id, c.version ORDER BY successes DESC, failures ASC, a.id, c.version DESC LIMIT ?`,
      tool, from_cycle, to_cycle, limit * 4,
    );
    return rows
      .filter((r) => this.visible(r, caller_id))
      .slice(0, limit)
      .map((r) => ({
        artifact_id: r.id,
        version: r.version,
        owner_id: r.owner_id,
        name: r.name,
        successes: r.successes,
        failures: r.failures,
        earned_ucr: r.earned,
        median_duration_ms: this.median(
          "SELECT duration_ms FROM artifact_calls WHERE artifact_id = ? AND version = ? AND tool = ? AND cycle >= ? AND cycle <= ? AND status = 'settled' ORDER BY duration_ms",
          [r.id, r.version, tool, from_cycle, to_cycle],
        ),
      }));
  }

  private median(sql: string, params: unknown[]): number | null {
    const values = this.core.writer.all<{ duration_ms: number }>(sql, ...params).map((r) => r.duration_ms);
    if (values.length === 0) return null;
    const mid = Math.floor(values.length / 2);
    return values.length % 2 === 1 ? values[mid]! : Math.round((values[mid - 1]! + values[mid]!) / 2);
  }

  /** News of the agent's subscriptions, newest first. */
  news(agent_id: string, options: { after_seq?: number; limit: number }): { seq: number; artifact_id: string; event_type: string; summary: string; at_ms: number }[] {
    return this.core.writer.all(
      'SELECT seq, artifact_id, event_type, summary, at_ms FROM artifact_news WHERE agent_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?',
      agent_id, options.after_seq ?? 0, options.limit,
    );
  }

  subscriptions(agent_id: string): string[] {
    return this.core.writer.all<{ artifact_id: string }>('SELECT artifact_id FROM artifact_subscriptions WHERE agent_id = ? ORDER BY artifact_id', agent_id).map((r) => r.artifact_id);
  }

  /** An owner's artifacts (live), for env.json and the dormancy events. */
  ownedBy(owner_id: string, limit: number): ArtifactView[] {
    return this.core.writer.all<ArtifactRow>("SELECT * FROM artifacts WHERE owner_id = ? AND status = 'live' ORDER BY id LIMIT ?", owner_id, limit).map(artifactView);
  }

  /**
   * An owner's live artifacts (the first `limit` by id), how many it has and the bytes they
   * hold: env.json asks for all three for every run, and most agents own nothing, which one
   * read of the owner index says.
   */
  ownedSummary(owner_id: string, limit: number): { owned: ArtifactView[]; count: number; bytes: number } {
    const totals = this.core.writer.get<{ n: number; b: number | null }>("SELECT COUNT(*) AS n, SUM(bytes_held) AS b FROM artifacts WHERE owner_id = ? AND status = 'live'", owner_id)!;
    if (totals.n === 0) return { owned: [], count: 0, bytes: 0 };
    return { owned: this.ownedBy(owner_id, limit), count: totals.n, bytes: totals.b ?? 0 };
  }

  ownedCount(owner_id: string): number {
    return this.core.writer.get<{ n: number }>("SELECT COUNT(*) AS n FROM artifacts WHERE owner_id = ? AND status = 'live'", owner_id)!.n;
  }

  /** Credits the owner earned from its artifacts (calls and reads) since `since_ms` (world time). */
  earnedSince(owner_id: string, since_ms: number): { calls_ucr: number; reads_ucr: number; calls: number } {
    const calls = this.core.writer.get<{ n: number; s: number | null }>(
      "SELECT COUNT(*) AS n, SUM(price_ucr) AS s FROM artifact_calls WHERE owner_id = ? AND status = 'settled' AND ended_at_ms >= ?",
      owner_id, since_ms,
    )!;
    const reads = this.core.writer.get<{ s: number | null }>(
      "SELECT SUM(amount_ucr) AS s FROM postings WHERE to_id = ? AND kind = 'transfer' AND memo LIKE 'read art-%' AND at_ms >= ?",
      owner_id, since_ms,
    )!;
    return { calls_ucr: calls.s ?? 0, reads_ucr: reads.s ?? 0, calls: calls.n };
  }
}
