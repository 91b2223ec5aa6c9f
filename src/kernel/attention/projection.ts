// Projects attention into its tables: the slots each execution won (from the execution events
// of leases that bought attention) and the prompts with how they closed. Reads nothing but
// these tables and the event, so `agora audit`'s replay gives the same rows.
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

/** Tables derived from attention events, compared by `agora audit`. */
export const attentionTables = ['attention_slots', 'attention_prompts'] as const;

function grantSlots(w: ProjectionWriter, data: { execution_id: string; agent_id: string; bid_id: string; bundle: { attention: number } }, at_ms: number): void {
  if (data.bundle.attention < 1) return;
  w.run(
    'INSERT INTO attention_slots (bid_id, execution_id, agent_id, slots, granted_at_ms) VALUES (?, ?, ?, ?, ?)',
    data.bid_id, data.execution_id, data.agent_id, data.bundle.attention, at_ms,
  );
}

function closePrompt(w: ProjectionWriter, prompt_id: string, seq: number, set: string, ...params: unknown[]): void {
  const changed = w.run(`UPDATE attention_prompts SET ${set}, closed_seq = ? WHERE id = ? AND status = 'pending'`, ...params, seq, prompt_id);
  if (changed.changes !== 1) throw new Error(`event ${seq} closes prompt ${prompt_id}, which is not pending`);
}

export const attentionProjectors: Projectors = {
  execution_started(w, data, event) {
    grantSlots(w, data, event.at_ms);
  },
  execution_lease_extended(w, data, event) {
    grantSlots(w, data, event.at_ms);
  },
  prompt_submitted(w, data, event) {
    const used = w.run('UPDATE attention_slots SET prompts = prompts + 1 WHERE bid_id = ? AND execution_id = ?', data.bid_id, data.execution_id);
    if (used.changes !== 1) throw new Error(`event ${event.seq} uses attention slot ${data.bid_id}, which execution ${data.execution_id} did not win`);
    w.run(
      `INSERT INTO attention_prompts (id, seq, agent_id, execution_id, bid_id, price_paid_ucr, content, options, status, created_at_ms, expires_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      data.prompt_id, event.seq, data.agent_id, data.execution_id, data.bid_id, data.price_paid_ucr, data.content, JSON.stringify(data.options),
      event.at_ms, data.expires_at_ms,
    );
  },
  prompt_rewarded(w, data, event) {
    const s = data.scores;
    closePrompt(
      w, data.prompt_id, event.seq,
      "status = 'rewarded', closed_at_ms = ?, interesting = ?, useful = ?, understandable = ?, reward_ucr = ?, reply = ?",
      event.at_ms, s.interesting, s.useful, s.understandable, data.reward_ucr, data.reply,
    );
  },
  prompt_expired(w, data, event) {
    closePrompt(w, data.prompt_id, event.seq, "status = 'expired', closed_at_ms = ?", event.at_ms);
  },
};
