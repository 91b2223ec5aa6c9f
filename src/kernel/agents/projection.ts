import { escrowAccount } from '../ledger/accounts.js';
import type { Projectors } from '../registry.js';

export const agentProjectors: Projectors = {
  agent_created(w, data, event) {
    w.run(
      `INSERT INTO agents (id, status, workspace, parent_id, lineage, generation, created_at_ms, status_at_ms)
       VALUES (?, 'alive', ?, ?, ?, ?, ?, ?)`,
      data.agent_id, data.workspace, data.parent_id, JSON.stringify(data.lineage), data.generation, event.at_ms, event.at_ms,
    );
    w.run("INSERT INTO accounts (id, kind, owner_id) VALUES (?, 'agent', ?)", data.agent_id, data.agent_id);
    w.run("INSERT INTO accounts (id, kind, owner_id) VALUES (?, 'escrow', ?)", escrowAccount(data.agent_id), data.agent_id);
  },
};
