// Operator agents and holds into their tables; a kill makes the agent dead.
import type { Projectors } from '../registry.js';

export const operatorAgentTables = ['operator_agents', 'agent_holds'] as const;

export const operatorAgentProjectors: Projectors = {
  operator_agent_added(w, data, event) {
    w.run('INSERT INTO operator_agents (agent_id, name, source, added_at_ms, added_seq) VALUES (?, ?, ?, ?, ?)', data.agent_id, data.name, data.source, event.at_ms, event.seq);
  },
  agent_paused(w, data, event) {
    w.run('INSERT INTO agent_holds (agent_id, since_ms) VALUES (?, ?)', data.agent_id, event.at_ms);
  },
  agent_resumed(w, data) {
    w.run('DELETE FROM agent_holds WHERE agent_id = ?', data.agent_id);
  },
  agent_killed(w, data, event) {
    w.run('DELETE FROM agent_holds WHERE agent_id = ?', data.agent_id);
    w.run("UPDATE agents SET status = 'dead', status_at_ms = ?, dormant_since_cycle = NULL WHERE id = ?", event.at_ms, data.agent_id);
  },
};
