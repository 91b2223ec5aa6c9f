// Projects the artifacts' events into their tables. The same code runs live and in `agora
// audit`'s replay, so it reads nothing but the tables it writes and the event.
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';
import type { ArtifactInterface, VersionRecord } from './events.js';

export const artifactTables = [
  'artifacts',
  'artifact_versions',
  'artifact_tools',
  'artifact_calls',
  'artifact_subscriptions',
  'artifact_news',
  'artifacts_fts',
] as const;

/** The price a listing shows for calling: the cheapest tool's fixed price or cap. */
export function callPriceOf(iface: ArtifactInterface | null): number {
  if (iface === null) return 0;
  return Math.min(...iface.tools.map((t) => (t.pricing.kind === 'fixed' ? t.pricing.price_ucr : t.pricing.cap_ucr)));
}

/** What full-text search sees of an interface: tool names, descriptions and schemas. */
export function interfaceText(iface: ArtifactInterface | null): string {
  if (iface === null) return '';
  return iface.tools.map((t) => `${t.name} ${t.description} ${JSON.stringify(t.input_schema)} ${JSON.stringify(t.output_schema)}`).join('\n');
}

function insertVersion(w: ProjectionWriter, artifact_id: string, v: VersionRecord, by: string, at_ms: number): void {
  w.run(
    `INSERT INTO artifact_versions (artifact_id, version, content_hash, bytes, media_type, files, entry, interface, created_by, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    artifact_id, v.version, v.content_hash, v.bytes, v.media_type, v.files === null ? null : JSON.stringify(v.files), v.entry,
    v.interface === null ? null : JSON.stringify(v.interface), by, at_ms,
  );
  for (const tool of v.interface?.tools ?? []) {
    const price_ucr = tool.pricing.kind === 'fixed' ? tool.pricing.price_ucr : tool.pricing.cap_ucr;
    w.run('INSERT INTO artifact_tools (artifact_id, version, tool, pricing, price_ucr) VALUES (?, ?, ?, ?, ?)', artifact_id, v.version, tool.name, tool.pricing.kind, price_ucr);
  }
}

function indexText(w: ProjectionWriter, artifact_id: string, name: string, description: string, tags: readonly string[], iface: ArtifactInterface | null): void {
  w.run('DELETE FROM artifacts_fts WHERE artifact_id = ?', artifact_id);
  w.run('INSERT INTO artifacts_fts (artifact_id, name, description, tags, interface) VALUES (?, ?, ?, ?, ?)', artifact_id, name, description, tags.join(' '), interfaceText(iface));
}

/** One news item for each subscriber of the artifact, each kept to its subscription's bound. */
function news(w: ProjectionWriter, artifact_id: string, event_type: string, summary: string, seq: number, at_ms: number): void {
  const subscribers = w.all<{ agent_id: string; news_max: number }>('SELECT agent_id, news_max FROM artifact_subscriptions WHERE artifact_id = ?', artifact_id);
  for (const s of subscribers) {
    w.run('INSERT INTO artifact_news (agent_id, seq, artifact_id, event_type, summary, at_ms) VALUES (?, ?, ?, ?, ?, ?)', s.agent_id, seq, artifact_id, event_type, summary, at_ms);
    w.run(
      `DELETE FROM artifact_news WHERE agent_id = ? AND artifact_id = ? AND seq <= COALESCE(
         (SELECT seq FROM artifact_news WHERE agent_id = ? AND artifact_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?), -1)`,
      s.agent_id, artifact_id, s.agent_id, artifact_id, s.news_max,
    );
  }
}

function endCall(w: ProjectionWriter, call_id: string, status: 'settled' | 'failed', fields: { price_ucr: number; resources_ucr: number; error_code: string | null; duration_ms: number; refund_ucr: number }, at_ms: number): void {
  const call = w.get<{ parent_call_id: string | null }>("SELECT parent_call_id FROM artifact_calls WHERE call_id = ? AND status = 'open'", call_id);
  if (call === undefined) throw new Error(`call ${call_id} is not open`);
  w.run(
    `UPDATE artifact_calls SET status = ?, price_ucr = ?, resources_ucr = ?, error_code = ?, duration_ms = ?, held_ucr = 0, ended_at_ms = ? WHERE call_id = ?`,
    status, fields.price_ucr, fields.resources_ucr, fields.error_code, fields.duration_ms, at_ms, call_id,
  );
  // A nested call's leftover goes back to the call it was drawn from.
  if (call.parent_call_id !== null && fields.refund_ucr > 0) {
    w.run('UPDATE artifact_calls SET held_ucr = held_ucr + ? WHERE call_id = ?', fields.refund_ucr, call.parent_call_id);
  }
}

export const artifactProjectors: Projectors = {
  artifact_published(w, data, event) {
    const v = data.first;
    w.run(
      `INSERT INTO artifacts (id, owner_id, created_by, kind, name, description, tags, access_contract_id, price_read_ucr, call_price_ucr,
         can_execute, latest_version, bytes_held, status, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'live', ?, ?)`,
      data.artifact_id, data.owner_id, data.created_by, data.kind, data.name, data.description, JSON.stringify(data.tags), data.access_contract_id,
      data.price_read_ucr, callPriceOf(v.interface), data.can_execute ? 1 : 0, v.version, v.bytes, event.at_ms, event.at_ms,
    );
    insertVersion(w, data.artifact_id, v, data.created_by, event.at_ms);
    indexText(w, data.artifact_id, data.name, data.description, data.tags, v.interface);
  },
  artifact_service_registered(w, data, event) {
    const v = data.first;
    w.run(
      `INSERT INTO artifacts (id, owner_id, created_by, kind, name, description, tags, access_contract_id, price_read_ucr, call_price_ucr,
         can_execute, latest_version, bytes_held, status, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'kernel:public', 0, ?, 1, ?, 0, 'live', ?, ?)`,
      data.artifact_id, data.owner_id, data.owner_id, data.kind ?? 'code', data.name, data.description, JSON.stringify(data.tags), callPriceOf(v.interface), v.version, event.at_ms, event.at_ms,
    );
    insertVersion(w, data.artifact_id, v, data.owner_id, event.at_ms);
    indexText(w, data.artifact_id, data.name, data.description, data.tags, v.interface);
  },
  artifact_updated(w, data, event) {
    const v = data.added;
    w.run(
      `UPDATE artifacts SET name = ?, description = ?, tags = ?, access_contract_id = ?, price_read_ucr = ?, call_price_ucr = ?,
         latest_version = ?, bytes_held = bytes_held + ?, updated_at_ms = ? WHERE id = ?`,
      data.name, data.description, JSON.stringify(data.tags), data.access_contract_id, data.price_read_ucr, callPriceOf(v.interface), v.version, v.bytes, event.at_ms, data.artifact_id,
    );
    insertVersion(w, data.artifact_id, v, data.by_id, event.at_ms);
    indexText(w, data.artifact_id, data.name, data.description, data.tags, v.interface);
    news(w, data.artifact_id, 'artifact_updated', `version ${v.version} by ${data.by_id}`, event.seq, event.at_ms);
  },
  artifact_transferred(w, data, event) {
    w.run('UPDATE artifacts SET owner_id = ?, updated_at_ms = ? WHERE id = ?', data.to_id, event.at_ms, data.artifact_id);
    news(w, data.artifact_id, 'artifact_transferred', `owner ${data.from_id} -> ${data.to_id}`, event.seq, event.at_ms);
  },
  artifact_deleted(w, data, event) {
    w.run("UPDATE artifacts SET status = 'deleted', bytes_held = 0, deleted_at_ms = ?, deleted_by = ?, updated_at_ms = ? WHERE id = ?", event.at_ms, data.by_id, event.at_ms, data.artifact_id);
    w.run('DELETE FROM artifacts_fts WHERE artifact_id = ?', data.artifact_id);
    news(w, data.artifact_id, 'artifact_deleted', `deleted by ${data.by_id}`, event.seq, event.at_ms);
  },
  artifact_call_started(w, data, event) {
    w.run(
      `INSERT INTO artifact_calls (call_id, seq, cycle, payer_id, caller_id, owner_id, artifact_id, version, tool, depth, parent_call_id,
         max_price_ucr, quoted_ucr, escrow_ucr, held_ucr, status, started_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)`,
      data.call_id, event.seq, data.cycle, data.payer_id, data.caller_id, data.owner_id, data.artifact_id, data.version, data.tool, data.depth,
      data.parent_call_id, data.max_price_ucr, data.quoted_ucr, data.escrow_ucr, data.escrow_ucr, event.at_ms,
    );
    if (data.parent_call_id !== null) w.run('UPDATE artifact_calls SET held_ucr = held_ucr - ? WHERE call_id = ?', data.escrow_ucr, data.parent_call_id);
  },
  artifact_call_settled(w, data, event) {
    endCall(w, data.call_id, 'settled', { price_ucr: data.price_ucr, resources_ucr: data.resources_ucr, error_code: null, duration_ms: data.duration_ms, refund_ucr: data.refund_ucr }, event.at_ms);
    news(w, data.artifact_id, 'artifact_call_settled', `${data.tool} called by ${data.caller_id}: ok, ${data.price_ucr} µcr`, event.seq, event.at_ms);
  },
  artifact_call_failed(w, data, event) {
    endCall(w, data.call_id, 'failed', { price_ucr: 0, resources_ucr: 0, error_code: data.error_code, duration_ms: data.duration_ms, refund_ucr: data.refund_ucr }, event.at_ms);
    news(w, data.artifact_id, 'artifact_call_failed', `${data.tool} called by ${data.caller_id}: ${data.error_code}`, event.seq, event.at_ms);
  },
  artifact_subscribed(w, data, event) {
    if (data.subscribed) {
      w.run('INSERT INTO artifact_subscriptions (agent_id, artifact_id, since_seq, news_max) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', data.agent_id, data.artifact_id, event.seq, data.news_max);
    } else {
      w.run('DELETE FROM artifact_subscriptions WHERE agent_id = ? AND artifact_id = ?', data.agent_id, data.artifact_id);
    }
  },
};
