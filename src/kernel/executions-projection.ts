import type { Projectors } from './projection.js';

export const executionTables = ['executions'] as const;

export const executionProjectors: Projectors = {
  execution_started(w, data, event) {
    w.run(
      `INSERT INTO executions (id, agent_id, bid_id, cycle, bundle, lease_ends_at_ms, started_at_ms, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running')`,
      data.execution_id, data.agent_id, data.bid_id, data.cycle, JSON.stringify(data.bundle), data.lease_ends_at_ms, event.at_ms,
    );
    w.run('UPDATE agents SET executions = executions + 1 WHERE id = ?', data.agent_id);
  },
  execution_lease_extended(w, data) {
    w.run('UPDATE executions SET leases = leases + 1, lease_ends_at_ms = ?, bundle = ? WHERE id = ?', data.lease_ends_at_ms, JSON.stringify(data.bundle), data.execution_id);
  },
  execution_ended(w, data, event) {
    w.run(
      `UPDATE executions SET status = 'ended', ended_at_ms = ?, reason = ?, exit_code = ?, signal = ?, cpu_ms = ?,
         memory_peak_mb = ?, wall_ms = ?, log_bytes = ?, log_truncated = ? WHERE id = ?`,
      event.at_ms, data.reason, data.exit_code, data.signal, data.cpu_ms, data.memory_peak_mb, data.wall_ms, data.log_bytes,
      data.log_truncated ? 1 : 0, data.execution_id,
    );
  },
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
