// An agent's status from the lifecycle's events (the agents table is the agents domain's).
import type { Projectors } from '../registry.js';

export const lifecycleProjectors: Projectors = {
  agent_dormant(w, data, event) {
    w.run("UPDATE agents SET status = 'dormant', status_at_ms = ?, dormant_since_cycle = ? WHERE id = ?", event.at_ms, data.cycle, data.agent_id);
  },
  agent_woken(w, data, event) {
    w.run("UPDATE agents SET status = 'alive', status_at_ms = ?, dormant_since_cycle = NULL WHERE id = ?", event.at_ms, data.agent_id);
  },
  agent_died(w, data, event) {
    w.run("UPDATE agents SET status = 'dead', status_at_ms = ? WHERE id = ?", event.at_ms, data.agent_id);
  },
};
