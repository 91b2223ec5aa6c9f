// Projects capability requests into one table: each request with how the operator answered it.
// Reads nothing but its table and the event, so `agora audit`'s replay gives the same rows.
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

/** Tables derived from capability events, compared by `agora audit`. */
export const capabilityTables = ['capability_requests'] as const;

function answer(w: ProjectionWriter, request_id: string, seq: number, set: string, ...params: unknown[]): void {
  const changed = w.run(`UPDATE capability_requests SET ${set}, answered_seq = ? WHERE id = ? AND status = 'pending'`, ...params, seq, request_id);
  if (changed.changes !== 1) throw new Error(`event ${seq} answers capability request ${request_id}, which is not pending`);
}

export const capabilityProjectors: Projectors = {
  capability_requested(w, data, event) {
    w.run(
      `INSERT INTO capability_requests (id, seq, agent_id, capability, reason, max_price_ucr, status, requested_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
      data.request_id, event.seq, data.agent_id, data.capability, data.reason, data.max_price_ucr, event.at_ms,
    );
  },
  capability_approved(w, data, event) {
    answer(w, data.request_id, event.seq, "status = 'approved', answered_at_ms = ?, scope = ?, budget = ?, expires_at_ms = ?, answer = ?",
      event.at_ms, data.scope, data.budget, data.expires_at_ms, data.note);
  },
  capability_denied(w, data, event) {
    answer(w, data.request_id, event.seq, "status = 'denied', answered_at_ms = ?, answer = ?", event.at_ms, data.reason);
  },
};
