// LLM usage tables from the journal: one row per execution (what it bought and used) and one
// per call. The tokens a run may use are those of every lease it won plus those it bought.
import type { Projectors } from '../registry.js';

/** The tables `agora audit` rebuilds and compares for LLM use. */
export const llmTables = ['llm_usage', 'llm_calls'] as const;

export const llmProjectors: Projectors = {
  execution_started(w, data) {
    w.run('INSERT INTO llm_usage (execution_id, agent_id, tokens_bundled) VALUES (?, ?, ?)', data.execution_id, data.agent_id, data.bundle.tokens);
  },
  execution_lease_extended(w, data) {
    // A lease won while running adds its tokens: a run may use everything its bids bought.
    w.run('UPDATE llm_usage SET tokens_bundled = tokens_bundled + ? WHERE execution_id = ?', data.bundle.tokens, data.execution_id);
  },
  llm_tokens_bought(w, data) {
    const changed = w.run(
      'UPDATE llm_usage SET tokens_extra = tokens_extra + ?, extra_cost_ucr = extra_cost_ucr + ? WHERE execution_id = ?',
      data.tokens, data.cost_ucr, data.execution_id,
    );
    if (changed.changes !== 1) throw new Error(`llm_tokens_bought for unknown execution ${data.execution_id}`);
  },
  llm_call_completed(w, data, event) {
    const failed = data.status === 'upstream_error' || data.status === 'timeout' ? 1 : 0;
    const changed = w.run(
      `UPDATE llm_usage SET prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?, tokens_used = tokens_used + ?,
         calls = calls + 1, calls_failed = calls_failed + ?, last_call_at_ms = ? WHERE execution_id = ?`,
      data.prompt_tokens, data.completion_tokens, data.total_tokens, failed, event.at_ms, data.execution_id,
    );
    if (changed.changes !== 1) throw new Error(`llm_call_completed for unknown execution ${data.execution_id}`);
    w.run(
      `INSERT INTO llm_calls (seq, execution_id, agent_id, model, provider, stream, status, error, prompt_tokens, completion_tokens,
         total_tokens, usage_source, reserved_tokens, finish_reason, latency_ms, at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      event.seq, data.execution_id, data.agent_id, data.model, data.provider, data.stream ? 1 : 0, data.status, data.error,
      data.prompt_tokens, data.completion_tokens, data.total_tokens, data.usage_source, data.reserved_tokens, data.finish_reason,
      data.latency_ms, event.at_ms,
    );
  },
};
